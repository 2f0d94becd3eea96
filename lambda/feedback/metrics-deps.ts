/** POST /metrics needs no storage: only the EMF sink, so its bundle carries no database client. */
import { StdoutMetricSink } from '../adapters/emf-stdout.ts';
import type { MetricsDeps } from '../ports.ts';

let deps: MetricsDeps | undefined;

export function metricsDeps(): MetricsDeps {
  deps ??= { metrics: new StdoutMetricSink(), now: () => new Date() };
  return deps;
}
