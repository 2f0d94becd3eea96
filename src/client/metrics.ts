/**
 * Outcome metrics as one CloudWatch Embedded Metric Format line: the names, units and dimensions
 * defined in core, which the alarms and dashboard watch. Writing a log line is all it costs; no
 * network call.
 */
import { CLIENT_ENV } from '../core/client-contract.ts';
import { emfDocumentOf, OUTCOME_METRICS, type Outcome, outcomeMetrics } from '../core/outcome-metrics.ts';

export type { Outcome } from '../core/outcome-metrics.ts';

import type { Prompt } from './prompt.ts';

/** Writes one line (ending in a newline). @default process.stdout.write */
export type LineWriter = (line: string) => void;

export const stdoutWriter: LineWriter = (line) => {
  process.stdout.write(line);
};

/**
 * Local mode only: with PROMPTOPS_EMF_ENDPOINT set (local mode's `emf` endpoint), each line is also
 * posted there, fire-and-forget, so local alarms see the app's metrics as CloudWatch would. Unset on
 * AWS, where the line on stdout is all it takes.
 */
export function defaultWriter(endpoint = process.env[CLIENT_ENV.emfEndpoint]): LineWriter {
  if (!endpoint) return stdoutWriter;
  return (line) => {
    stdoutWriter(line);
    fetch(endpoint, { method: 'POST', body: line, headers: { 'content-type': 'text/plain' } }).then(
      (response) => response.body?.cancel(),
      () => undefined,
    );
  };
}

/**
 * The EMF line for one use of `prompt`: Invocations 1, Errors 0 or 1, the outcome's figures, and
 * StaleServes 1 when the prompt was served stale (0 otherwise, so its average is the stale rate);
 * DeprecatedServes 1 when the manifest marks the version deprecated (absent otherwise). A prompt a
 * segment's pin served carries the Segment dimension too (core metrics.ts); a shadow candidate's
 * line carries Role=shadow and only the shadow dimension set (docs/shadows.md).
 */
export function outcomeLine(prompt: Prompt, outcome: Outcome, timestamp: number): string {
  const doc = emfDocumentOf(
    OUTCOME_METRICS,
    {
      environment: prompt.environment,
      promptId: prompt.id,
      promptVersion: prompt.version,
      segment: prompt.segment,
      role: prompt.role === 'shadow' ? 'shadow' : undefined,
    },
    {
      ...outcomeMetrics(outcome),
      staleServes: prompt.stale ? 1 : 0,
      ...(prompt.deprecated ? { deprecatedServes: 1 } : {}),
    },
    timestamp,
  );
  return `${JSON.stringify(doc)}\n`;
}
