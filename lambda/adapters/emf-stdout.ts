/**
 * Embedded Metric Format documents as log lines on stdout, where Lambda hands them to CloudWatch
 * Logs and CloudWatch extracts the metrics: no PutMetricData call, no network on the request path.
 * A batch is one write of newline-separated lines (each line is its own log event).
 */
import type { MetricSink } from '../ports.ts';

export type TextWriter = (text: string) => void;

export class StdoutMetricSink implements MetricSink {
  readonly #write: TextWriter;

  /** @param write defaults to `process.stdout.write`, looked up on every call. */
  constructor(write?: TextWriter) {
    this.#write =
      write ??
      ((text) => {
        process.stdout.write(text);
      });
  }

  publish(documents: readonly Record<string, unknown>[]): void {
    if (documents.length === 0) return;
    let text = '';
    for (const document of documents) text += `${JSON.stringify(document)}\n`;
    this.#write(text);
  }
}
