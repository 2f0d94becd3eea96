/**
 * Canary traffic from CloudWatch: GetMetricData over the per-version EMF metrics the apps emit
 * (namespace and dimensions from src/core/metrics.ts). One period spans the whole window, so each
 * query answers one datapoint per version; should CloudWatch split it, counts are summed, the p99
 * is the largest and the mean is weighted by invocations.
 */
import type { CloudWatchClient, MetricDataQuery, MetricDataResult } from '@aws-sdk/client-cloudwatch';
import type { CanaryTrafficSource, TrafficQuery, VersionTraffic } from '../../src/core/canary-traffic.ts';
import { METRICS } from '../../src/core/metrics.ts';
import { allMetricData, versionMetricStat } from './cloudwatch-metric-data.ts';

const MINUTE_MS = 60_000;

/** The queries per version: `[id suffix, metric name, statistic]`. */
const SERIES = [
  ['invocations', METRICS.invocations.name, 'Sum'],
  ['errors', METRICS.errors.name, 'Sum'],
  ['ratings', METRICS.feedbackCount.name, 'Sum'],
  ['negative', METRICS.negativeFeedback.name, 'Sum'],
  ['p99', METRICS.latency.name, 'p99'],
  ['mean', METRICS.latency.name, 'Average'],
] as const;

type Series = (typeof SERIES)[number][0];

/** The window on whole minutes, and one period covering all of it (a multiple of 60 seconds). */
export function metricWindow(since: Date, until: Date): { start: Date; end: Date; period: number } {
  const start = Math.floor(since.getTime() / MINUTE_MS) * MINUTE_MS;
  const end = Math.max(start + MINUTE_MS, Math.ceil(until.getTime() / MINUTE_MS) * MINUTE_MS);
  return { start: new Date(start), end: new Date(end), period: (end - start) / 1000 };
}

/** The GetMetricData queries of one version; ids are `v<index>_<series>`. */
export function versionQueries(query: TrafficQuery, index: number, period: number): MetricDataQuery[] {
  const version = query.versions[index] as string;
  return SERIES.map(([series, metricName, stat]) => ({
    Id: `v${index}_${series}`,
    Label: `${query.promptId} ${version} ${series}`,
    ReturnData: true,
    MetricStat: versionMetricStat(query, version, metricName, stat, period),
  }));
}

export class CloudWatchTrafficSource implements CanaryTrafficSource {
  private readonly client: CloudWatchClient;

  constructor(client: CloudWatchClient) {
    this.client = client;
  }

  async traffic(query: TrafficQuery): Promise<Readonly<Record<string, VersionTraffic>>> {
    const { start, end, period } = metricWindow(query.since, query.until);
    const queries = query.versions.flatMap((_, index) => versionQueries(query, index, period));
    const results = new Map<string, { timestamps: Date[]; values: number[] }>();
    for (const result of await allMetricData(this.client, queries, start, end)) collect(results, result);
    return Object.fromEntries(
      query.versions.map((version, index) => [version, versionTraffic(results, index)]),
    );
  }
}

function collect(results: Map<string, { timestamps: Date[]; values: number[] }>, result: MetricDataResult) {
  if (!result.Id) return;
  const entry = results.get(result.Id) ?? { timestamps: [], values: [] };
  entry.timestamps.push(...(result.Timestamps ?? []));
  entry.values.push(...(result.Values ?? []));
  results.set(result.Id, entry);
}

function versionTraffic(
  results: Map<string, { timestamps: Date[]; values: number[] }>,
  index: number,
): VersionTraffic {
  const series = (name: Series) => results.get(`v${index}_${name}`) ?? { timestamps: [], values: [] };
  const sum = (name: Series) => series(name).values.reduce((total, value) => total + value, 0);
  const invocations = sum('invocations');
  const p99s = series('p99').values;
  const mean = weightedMean(series('mean'), series('invocations'));
  return {
    invocations,
    errors: sum('errors'),
    ratings: sum('ratings'),
    negativeRatings: sum('negative'),
    ...(p99s.length > 0 ? { latencyP99: Math.max(...p99s) } : {}),
    ...(mean !== undefined ? { latencyMean: mean } : {}),
  };
}

/** The mean over datapoints, each weighted by that timestamp's invocations (equal weights without them). */
function weightedMean(
  means: { timestamps: Date[]; values: number[] },
  counts: { timestamps: Date[]; values: number[] },
): number | undefined {
  if (means.values.length === 0) return undefined;
  const countAt = new Map(counts.timestamps.map((t, i) => [t.getTime(), counts.values[i] ?? 0]));
  let total = 0;
  let weight = 0;
  means.values.forEach((value, i) => {
    const w = countAt.get(means.timestamps[i]?.getTime() ?? Number.NaN) ?? 1;
    total += value * w;
    weight += w;
  });
  return weight > 0 ? total / weight : undefined;
}
