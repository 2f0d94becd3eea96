/**
 * Outcome metrics as one CloudWatch Embedded Metric Format line: the names, units and dimensions
 * defined in core (outcome-metrics.ts), which the alarms and dashboard watch. Writing a log line is
 * all it costs; no network call. The line is built here rather than by core `emfDocumentOf`, whose
 * general form and tables would double the bytes `record` adds to an app's load path; a property
 * test holds the two to the same text.
 */
import { EMF_ENDPOINT_VARIABLE } from '../core/client-defaults.ts';
import type { Outcome } from '../core/outcome-metrics.ts';

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
export function defaultWriter(endpoint = process.env[EMF_ENDPOINT_VARIABLE]): LineWriter {
  if (!endpoint) return stdoutWriter;
  return (line) => {
    stdoutWriter(line);
    fetch(endpoint, { method: 'POST', body: line, headers: { 'content-type': 'text/plain' } }).then(
      (response) => response.body?.cancel(),
      () => undefined,
    );
  };
}

/** The outcome's own figures after Invocations and Errors: [field, metric name, unit (Count unless named)], in OUTCOME_METRICS' order. */
const FIGURES = [
  ['latencyMs', 'Latency', 'Milliseconds'],
  ['inputTokens', 'InputTokens'],
  ['outputTokens', 'OutputTokens'],
  ['costUsd', 'Cost', 'None'],
  ['score', 'Score', 'None'],
] as const;

/**
 * The EMF line for one use of `prompt`: Invocations 1, Errors 0 or 1, the outcome's figures, and
 * StaleServes 1 when the prompt was served stale (0 otherwise, so its average is the stale rate);
 * DeprecatedServes 1 when the manifest marks the version deprecated (absent otherwise). A prompt a
 * segment's pin served carries the Segment dimension too (core metrics.ts); a shadow candidate's
 * line carries Role=shadow and only the shadow dimension set (docs/shadows.md). The same text as
 * `emfDocumentOf(OUTCOME_METRICS, ...)` (core outcome-metrics.ts) stringified.
 */
export function outcomeLine(prompt: Prompt, outcome: Outcome, timestamp: number): string {
  const metrics: { Name: string; Unit: string }[] = [];
  const values: Record<string, number> = {};
  const add = (name: string, value: unknown, unit = 'Count') => {
    if (!Number.isFinite(value)) return;
    metrics.push({ Name: name, Unit: unit });
    values[name] = value as number;
  };
  add('Invocations', 1);
  add('Errors', outcome.error ? 1 : 0);
  for (const [field, name, unit] of FIGURES) add(name, outcome[field], unit);
  add('StaleServes', prompt.stale ? 1 : 0);
  if (prompt.deprecated) add('DeprecatedServes', 1);
  const version = ['Environment', 'PromptId', 'PromptVersion'];
  const shadow = prompt.role === 'shadow';
  const segment = prompt.segment;
  const doc = {
    _aws: {
      Timestamp: timestamp,
      CloudWatchMetrics: [
        {
          Namespace: 'PromptOps',
          Dimensions: shadow
            ? [[...version, 'Role']]
            : [version, ['Environment'], ...(segment === undefined ? [] : [[...version, 'Segment']])],
          Metrics: metrics,
        },
      ],
    },
    Environment: prompt.environment,
    PromptId: prompt.id,
    PromptVersion: prompt.version,
    ...(shadow ? { Role: 'shadow' } : segment === undefined ? {} : { Segment: segment }),
    ...values,
  };
  return `${JSON.stringify(doc)}\n`;
}
