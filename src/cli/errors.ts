/**
 * What can end a command, and the exit code each gives (docs/cli.md): 0 ok, 1 failure, 2 usage,
 * 3 deployment rolled back.
 */
import type { ReceivedProblem } from '../core/api.ts';

export const EXIT = { ok: 0, failure: 1, usage: 2, rolledBack: 3 } as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

export interface CliErrorOptions {
  readonly exitCode?: ExitCode;
  /** `--json`'s error code. @default USAGE for exit 2, FAILED otherwise */
  readonly code?: string;
  /** Extra lines printed under the message (what to do, the items concerned). */
  readonly details?: readonly string[];
  readonly cause?: unknown;
  /** Added to the `{"error": ...}` document of `--json` (for example what was done before the failure). */
  readonly data?: Readonly<Record<string, unknown>>;
}

/** A failure the user can act on: its message is printed as it is, without a stack trace. */
export class CliError extends Error {
  readonly exitCode: ExitCode;
  readonly code: string;
  readonly details: readonly string[];
  data: Readonly<Record<string, unknown>> | undefined;

  constructor(message: string, options: CliErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'CliError';
    this.exitCode = options.exitCode ?? EXIT.failure;
    this.code = options.code ?? (this.exitCode === EXIT.usage ? 'USAGE' : 'FAILED');
    this.details = options.details ?? [];
    this.data = options.data;
  }
}

/** A command line that cannot be run as given (exit 2). */
export class UsageError extends CliError {
  constructor(message: string, details: readonly string[] = []) {
    super(message, { exitCode: EXIT.usage, details });
    this.name = 'UsageError';
  }
}

/** The API answered with an error status (exit 1), carrying the problem details it sent. */
export class ApiError extends CliError {
  readonly problem: ReceivedProblem;
  readonly method: string;
  readonly path: string;

  constructor(method: string, path: string, problem: ReceivedProblem) {
    super(problem.detail ?? problem.title ?? `HTTP ${problem.status}`, {
      code: problem.code ?? 'HTTP_ERROR',
    });
    this.name = 'ApiError';
    this.problem = problem;
    this.method = method;
    this.path = path;
  }

  get status(): number {
    return this.problem.status;
  }
}
