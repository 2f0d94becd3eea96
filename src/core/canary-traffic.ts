/**
 * What canary analysis reads: each version's traffic in one environment over a window, from the EMF
 * metrics apps emit (dimensions Environment, PromptId, PromptVersion; src/core/metrics.ts). On AWS a
 * CloudWatch GetMetricData adapter serves it, in local mode the local metrics store.
 */

/** One version's totals over the window. */
export interface VersionTraffic {
  /** Sum of Invocations. */
  readonly invocations: number;
  /** Sum of Errors. */
  readonly errors: number;
  /** p99 of Latency in milliseconds, when the source has percentiles and there were calls. */
  readonly latencyP99?: number;
  /** Mean Latency in milliseconds, when there were calls (the fallback when p99 is not available). */
  readonly latencyMean?: number;
  /** Sum of FeedbackCount. */
  readonly ratings: number;
  /** Sum of NegativeFeedback. */
  readonly negativeRatings: number;
}

export interface TrafficQuery {
  readonly environment: string;
  readonly promptId: string;
  readonly versions: readonly string[];
  /** The deployment's start. */
  readonly since: Date;
  readonly until: Date;
}

export interface CanaryTrafficSource {
  /** Every version asked for has an entry (zeros when it had no traffic). */
  traffic(query: TrafficQuery): Promise<Readonly<Record<string, VersionTraffic>>>;
}
