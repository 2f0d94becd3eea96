/**
 * Metric names, units and dimensions: one definition shared by the client library's `record()`, the
 * feedback and metrics Lambdas, the CloudWatch alarms and dashboard, and local mode's alarm
 * evaluation. Metrics travel as CloudWatch Embedded Metric Format (EMF) log lines. What an app's use
 * of a prompt produces lives in outcome-metrics.ts, which the client loads alone.
 */
import {
  emfDocumentOf,
  type MetricDefinition,
  type MetricDimensions,
  OUTCOME_METRICS,
} from './outcome-metrics.ts';

export {
  DIMENSION,
  DIMENSION_SETS,
  METRIC_NAMESPACE,
  type MetricDefinition,
  type MetricDimensions,
  type MetricUnit,
  type Outcome,
  outcomeMetrics,
} from './outcome-metrics.ts';

export const METRICS = {
  invocations: OUTCOME_METRICS.invocations,
  errors: OUTCOME_METRICS.errors,
  latency: OUTCOME_METRICS.latency,
  inputTokens: OUTCOME_METRICS.inputTokens,
  outputTokens: OUTCOME_METRICS.outputTokens,
  /** US dollars. */
  cost: OUTCOME_METRICS.cost,
  /** Quality score 0..1 from the app's own evaluation. */
  score: OUTCOME_METRICS.score,
  feedbackCount: { name: 'FeedbackCount', unit: 'Count' },
  negativeFeedback: { name: 'NegativeFeedback', unit: 'Count' },
  /** Thumbs as -1/1, stars as 1..5. */
  feedbackRating: { name: 'FeedbackRating', unit: 'None' },
  /** A client served a prompt that did not come from a fresh fetch. */
  staleServes: OUTCOME_METRICS.staleServes,
  /** A client served a version marked deprecated (docs/maintenance.md); emitted only then. */
  deprecatedServes: OUTCOME_METRICS.deprecatedServes,
} as const satisfies Record<string, MetricDefinition>;

/**
 * What the client's `runShadow` writes (docs/shadows.md), with Role=shadow only: the outcome metrics,
 * and the calls it gave up. Here rather than in outcome-metrics.ts so the client loads them only
 * with a manifest that has a shadow.
 */
export const SHADOW_METRICS = {
  ...OUTCOME_METRICS,
  /** A sampled call's candidate was not run: the client's shadow concurrency cap was reached. */
  shadowDrops: { name: 'ShadowDrops', unit: 'Count' },
  /** A candidate ran past the client's shadow time cap and was abandoned (counted in Errors too). */
  shadowTimeouts: { name: 'ShadowTimeouts', unit: 'Count' },
} as const satisfies Record<string, MetricDefinition>;

export type MetricKey = keyof typeof METRICS;

export type MetricValues = Partial<Record<MetricKey, number>>;

/** One EMF document (one log line once stringified) for one prompt version. */
export function emfDocument(
  dimensions: MetricDimensions,
  values: MetricValues,
  timestamp: number,
): Record<string, unknown> {
  return emfDocumentOf(METRICS, dimensions, values, timestamp);
}
