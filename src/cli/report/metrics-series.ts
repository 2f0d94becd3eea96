/**
 * Reading GET /prompts/{id}/metrics for the reports: totals of a version over a window, and points
 * laid on one time axis for charts.
 */
import type { MetricPoint, MetricSeries, MetricsHistoryResponse } from '../../core/api.ts';
import { segment } from '../api-client.ts';
import type { ReportApi } from './report-api.ts';

export interface MetricsQuery {
  readonly environment: string;
  readonly since?: string;
  readonly until?: string;
  readonly period?: number;
}

export function fetchMetrics(
  api: ReportApi,
  promptId: string,
  query: MetricsQuery,
): Promise<MetricsHistoryResponse> {
  return api.get<MetricsHistoryResponse>(`/prompts/${segment(promptId)}/metrics`, {
    environment: query.environment,
    since: query.since,
    until: query.until,
    period: query.period === undefined ? undefined : String(query.period),
  });
}

/** The period that makes `[since, until)` one point: its exact percentiles for a whole window. */
export function wholeWindowPeriod(since: string, until: string): number {
  return Math.max(60, Math.ceil((Date.parse(until) - Date.parse(since)) / 60_000) * 60);
}

export interface VersionTotals {
  readonly calls: number;
  readonly errors: number;
  readonly errorRate: number | null;
  readonly latencyP50: number | null;
  readonly latencyP99: number | null;
  readonly inputTokens: number;
  readonly outputTokens: number;
  readonly costUsd: number;
  readonly ratings: number;
  readonly negativeRatings: number;
}

/**
 * Sums over the points. Percentiles are exact when the series has one point (a whole-window query);
 * over several, the largest p99 and the call-weighted mean of the p50s stand in for them.
 */
export function totalsOf(points: readonly MetricPoint[]): VersionTotals {
  const sum = (f: (p: MetricPoint) => number) => points.reduce((t, p) => t + f(p), 0);
  const calls = sum((p) => p.count);
  const errors = sum((p) => p.errors);
  const withLatency = points.filter((p) => p.latencyP50 !== null);
  const weight = withLatency.reduce((t, p) => t + Math.max(1, p.count), 0);
  const p99s = points.map((p) => p.latencyP99).filter((v): v is number => v !== null);
  return {
    calls,
    errors,
    errorRate: calls > 0 ? errors / calls : null,
    latencyP50:
      withLatency.length === 0
        ? null
        : withLatency.reduce((t, p) => t + (p.latencyP50 as number) * Math.max(1, p.count), 0) / weight,
    latencyP99: p99s.length === 0 ? null : Math.max(...p99s),
    inputTokens: sum((p) => p.inputTokens),
    outputTokens: sum((p) => p.outputTokens),
    costUsd: sum((p) => p.costUsd),
    ratings: sum((p) => p.ratings),
    negativeRatings: sum((p) => p.negativeRatings),
  };
}

/** One time axis over every series: the labels, and each series' field per label (null where it has no point). */
export function alignSeries(
  series: readonly MetricSeries[],
  field: (point: MetricPoint) => number | null,
): { labels: string[]; byVersion: { version: string; data: (number | null)[] }[] } {
  const times = [...new Set(series.flatMap((s) => s.points.map((p) => p.at)))].sort();
  return {
    labels: times.map((t) => t.replace('T', ' ').slice(0, 16)),
    byVersion: series.map((s) => {
      const at = new Map(s.points.map((p) => [p.at, p]));
      return {
        version: s.version,
        data: times.map((t) => {
          const point = at.get(t);
          return point ? field(point) : null;
        }),
      };
    }),
  };
}
