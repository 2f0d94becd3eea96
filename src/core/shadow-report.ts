/**
 * The shadow comparison of GET /prompts/{id}/shadow (docs/shadows.md): a version's calls over a window
 * as stats, and the shadow's against the primary's. The error rates are compared with the same
 * two-proportion test the feedback report uses (statistics.ts).
 */
import type { MetricPoint, ShadowComparison, ShadowStats } from './api.ts';
import { LIMITS } from './contracts.ts';
import { compareProportions } from './statistics.ts';

/** Seconds per period for a window read as one point: whole minutes covering it (CloudWatch's periods are). */
export function wholeWindowPeriod(start: Date, end: Date): number {
  return Math.max(60, Math.ceil((end.getTime() - start.getTime()) / 60_000) * 60);
}

/**
 * A version's stats from its points. Read as one period (wholeWindowPeriod) there is one point and its
 * percentiles are the window's; should a source split it, counts and sums add up, p50 is the
 * count-weighted mean of the points' and p99 the largest.
 */
export function shadowStats(version: string, points: readonly MetricPoint[]): ShadowStats {
  let count = 0;
  let errors = 0;
  let input = 0;
  let output = 0;
  let cost = 0;
  let p50Weighted = 0;
  let p50Count = 0;
  let p99: number | null = null;
  for (const point of points) {
    count += point.count;
    errors += point.errors;
    input += point.inputTokens;
    output += point.outputTokens;
    cost += point.costUsd;
    if (point.latencyP50 !== null) {
      const weight = Math.max(1, point.count);
      p50Weighted += point.latencyP50 * weight;
      p50Count += weight;
    }
    if (point.latencyP99 !== null) p99 = p99 === null ? point.latencyP99 : Math.max(p99, point.latencyP99);
  }
  const mean = (sum: number) => (count > 0 ? sum / count : null);
  return {
    version,
    count,
    errorRate: count > 0 ? errors / count : null,
    latencyP50: p50Count > 0 ? p50Weighted / p50Count : null,
    latencyP99: p99,
    meanInputTokens: mean(input),
    meanOutputTokens: mean(output),
    meanCostUsd: mean(cost),
  };
}

export interface ShadowComparisonOptions {
  /** @default 0.05 */
  readonly alpha?: number;
  /** Fewer calls than this on either side: `insufficient-data`. @default LIMITS.minSamplesForSignificance */
  readonly minSamples?: number;
}

const difference = (a: number | null, b: number | null) => (a === null || b === null ? null : b - a);

/** The shadow against the primary: error rates (two-sided two-proportion z-test), latency and cost. */
export function compareShadow(
  primary: ShadowStats,
  shadow: ShadowStats,
  options: ShadowComparisonOptions = {},
): ShadowComparison {
  const minSamples = options.minSamples ?? LIMITS.minSamplesForSignificance;
  const latency = {
    latencyP50Difference: difference(primary.latencyP50, shadow.latencyP50),
    latencyP99Difference: difference(primary.latencyP99, shadow.latencyP99),
    costRatio:
      primary.meanCostUsd === null || shadow.meanCostUsd === null || primary.meanCostUsd === 0
        ? null
        : shadow.meanCostUsd / primary.meanCostUsd,
  };
  if (primary.count === 0 || shadow.count === 0) {
    return {
      errorRateDifference: null,
      pValue: null,
      significant: false,
      ...latency,
      verdict: 'insufficient-data',
    };
  }
  const errors = (stats: ShadowStats) => Math.round((stats.errorRate ?? 0) * stats.count);
  const test = compareProportions(
    { successes: errors(primary), trials: primary.count },
    { successes: errors(shadow), trials: shadow.count },
    { ...(options.alpha !== undefined ? { alpha: options.alpha } : {}), minSamples },
  );
  const enough = primary.count >= minSamples && shadow.count >= minSamples;
  return {
    errorRateDifference: test.difference,
    pValue: test.pValue,
    significant: test.significant,
    ...latency,
    verdict: !enough
      ? 'insufficient-data'
      : !test.significant
        ? 'no-significant-difference'
        : test.difference > 0
          ? 'shadow-worse'
          : 'shadow-better',
  };
}
