/**
 * The metrics history from CloudWatch: GetMetricData over the per-version EMF metrics (namespace and
 * dimensions from src/core/metrics.ts), one query per metric and version, every page followed. Needs
 * cloudwatch:GetMetricData and nothing else.
 */
import type { CloudWatchClient, MetricDataQuery } from '@aws-sdk/client-cloudwatch';
import type { MetricPoint } from '../../src/core/api.ts';
import { METRICS } from '../../src/core/metrics.ts';
import type { MetricsHistoryQuery, MetricsHistorySource } from '../../src/core/metrics-history.ts';
import { allMetricData, versionMetricStat } from './cloudwatch-metric-data.ts';

/** Each point's fields: `[field, metric name, statistic]`. */
const FIELDS = [
  ['count', METRICS.invocations.name, 'Sum'],
  ['errors', METRICS.errors.name, 'Sum'],
  ['latencyP50', METRICS.latency.name, 'p50'],
  ['latencyP99', METRICS.latency.name, 'p99'],
  ['inputTokens', METRICS.inputTokens.name, 'Sum'],
  ['outputTokens', METRICS.outputTokens.name, 'Sum'],
  ['costUsd', METRICS.cost.name, 'Sum'],
  ['ratings', METRICS.feedbackCount.name, 'Sum'],
  ['negativeRatings', METRICS.negativeFeedback.name, 'Sum'],
] as const satisfies readonly (readonly [keyof MetricPoint, string, string])[];

type Field = (typeof FIELDS)[number][0];

/** The queries of version `index`; ids are `v<index>_<field index>` (ids must start with a lower-case letter). */
export function historyQueries(query: MetricsHistoryQuery, index: number): MetricDataQuery[] {
  const version = query.versions[index] as string;
  return FIELDS.map(([, metricName, stat], field) => ({
    Id: `v${index}_${field}`,
    ReturnData: true,
    MetricStat: versionMetricStat(query, version, metricName, stat, query.periodSeconds),
  }));
}

export class CloudWatchMetricsHistory implements MetricsHistorySource {
  private readonly client: CloudWatchClient;

  constructor(client: CloudWatchClient) {
    this.client = client;
  }

  async series(query: MetricsHistoryQuery): Promise<Readonly<Record<string, readonly MetricPoint[]>>> {
    const queries = query.versions.flatMap((_, index) => historyQueries(query, index));
    /** query id -> timestamp (ms) -> value */
    const values = new Map<string, Map<number, number>>();
    for (const result of await allMetricData(this.client, queries, query.start, query.end)) {
      if (!result.Id) continue;
      const byTime = values.get(result.Id) ?? new Map<number, number>();
      (result.Timestamps ?? []).forEach((t, i) => {
        const value = result.Values?.[i];
        if (value !== undefined) byTime.set(new Date(t).getTime(), value);
      });
      values.set(result.Id, byTime);
    }
    return Object.fromEntries(query.versions.map((version, index) => [version, pointsOf(values, index)]));
  }
}

function pointsOf(values: Map<string, Map<number, number>>, index: number): MetricPoint[] {
  const field = (i: number) => values.get(`v${index}_${i}`) ?? new Map<number, number>();
  const times = new Set<number>();
  FIELDS.forEach((_, i) => {
    for (const t of field(i).keys()) times.add(t);
  });
  return [...times]
    .sort((a, b) => a - b)
    .map((t) => {
      const point: Record<string, number | string | null> = { at: new Date(t).toISOString() };
      FIELDS.forEach(([name], i) => {
        const value = field(i).get(t);
        point[name satisfies Field] = value ?? (name === 'latencyP50' || name === 'latencyP99' ? null : 0);
      });
      return point as unknown as MetricPoint;
    });
}
