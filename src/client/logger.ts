/**
 * Warnings about the prompt source (fetch failures, rejected manifests). They never carry prompt
 * bodies or variable values, and a dead source cannot flood the logs: each message is written at
 * most once per interval, with the count of the ones held back.
 */
import './load-path.ts';
import { PromptOpsError } from '../core/error-base.ts';

export interface ClientLogger {
  warn(message: string, details: Readonly<Record<string, unknown>>): void;
}

/** One JSON line on stderr, as CloudWatch Logs and Powertools' Logger expect. */
export const consoleLogger: ClientLogger = {
  warn(message, details) {
    console.warn(JSON.stringify({ level: 'WARN', service: 'promptops-client', message, ...details }));
  },
};

const WARNING_INTERVAL_MS = 60_000;

export class RateLimitedLogger {
  readonly #logger: ClientLogger;
  readonly #last = new Map<string, { at: number; suppressed: number }>();

  constructor(logger: ClientLogger) {
    this.#logger = logger;
  }

  warn(message: string, details: Readonly<Record<string, unknown>>): void {
    const now = Date.now();
    const last = this.#last.get(message);
    if (last && now - last.at < WARNING_INTERVAL_MS) {
      last.suppressed++;
      return;
    }
    const suppressed = last?.suppressed ?? 0;
    this.#last.set(message, { at: now, suppressed: 0 });
    try {
      this.#logger.warn(message, suppressed > 0 ? { ...details, suppressed } : details);
    } catch {
      // A broken logger must not break prompt reads.
    }
  }
}

/**
 * What may be logged about an error. Core validation messages can quote prompt text, so only their
 * name, code and field paths are kept; other messages (network, AWS, ours) are kept, shortened.
 */
export function errorDetails(error: unknown): Record<string, unknown> {
  if (error instanceof PromptOpsError) {
    return { error: error.name, code: error.code, fields: (error.errors ?? []).map((e) => e.path) };
  }
  if (!(error instanceof Error)) return { error: String(error).slice(0, 300) };
  const details: Record<string, unknown> = { error: error.name, message: error.message.slice(0, 300) };
  if (error.cause !== undefined) details.cause = errorDetails(error.cause);
  return details;
}

/**
 * `logger` rate-limited, taking the error a warning is about (its `errorDetails` join the details):
 * what the client's warnings call once this module is loaded, with the first warning (client.ts).
 */
export function errorWarnings(
  logger: ClientLogger = consoleLogger,
): (message: string, details: Readonly<Record<string, unknown>>, error: unknown) => void {
  const log = new RateLimitedLogger(logger);
  return (message, details, error) =>
    log.warn(message, error === undefined ? details : { ...details, ...errorDetails(error) });
}
