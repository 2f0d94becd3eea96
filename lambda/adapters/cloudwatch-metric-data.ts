/**
 * What the CloudWatch adapters share: a metric of one prompt version (the per-version EMF metrics,
 * namespace and dimensions from src/core/metrics.ts), and GetMetricData with every page followed.
 */
import {
  type CloudWatchClient,
  GetMetricDataCommand,
  type MetricDataQuery,
  type MetricDataResult,
  type MetricStat,
} from '@aws-sdk/client-cloudwatch';
import type { MetricRole } from '../../src/core/api.ts';
import { DIMENSION, METRIC_NAMESPACE } from '../../src/core/metrics.ts';
import { ROLE_DIMENSION } from '../../src/core/shadow-metrics.ts';

/** GetMetricData's limit of queries per request. */
const MAX_QUERIES = 500;

/** Which prompt, in which environment. */
export interface VersionMetricScope {
  readonly environment: string;
  readonly promptId: string;
  /**
   * `shadow`: the version's shadow calls, whose metrics carry Role=shadow (docs/shadows.md); a
   * CloudWatch metric is its exact dimension set, so the primary metric never includes them.
   * @default 'primary'
   */
  readonly role?: MetricRole;
}

/** `metricName` of one version of the prompt, as `stat` per `period` seconds. */
export function versionMetricStat(
  scope: VersionMetricScope,
  version: string,
  metricName: string,
  stat: string,
  period: number,
): MetricStat {
  return {
    Metric: {
      Namespace: METRIC_NAMESPACE,
      MetricName: metricName,
      Dimensions: [
        { Name: DIMENSION.environment, Value: scope.environment },
        { Name: DIMENSION.promptId, Value: scope.promptId },
        { Name: DIMENSION.promptVersion, Value: version },
        ...(scope.role === 'shadow' ? [{ Name: ROLE_DIMENSION, Value: 'shadow' }] : []),
      ],
    },
    Period: period,
    Stat: stat,
  };
}

/** Every result of `queries` between `start` and `end`: 500 queries per request, every page followed. */
export async function allMetricData(
  client: CloudWatchClient,
  queries: readonly MetricDataQuery[],
  start: Date,
  end: Date,
): Promise<MetricDataResult[]> {
  const results: MetricDataResult[] = [];
  for (let first = 0; first < queries.length; first += MAX_QUERIES) {
    let token: string | undefined;
    do {
      const page = await client.send(
        new GetMetricDataCommand({
          MetricDataQueries: queries.slice(first, first + MAX_QUERIES),
          StartTime: start,
          EndTime: end,
          ScanBy: 'TimestampAscending',
          ...(token ? { NextToken: token } : {}),
        }),
      );
      results.push(...(page.MetricDataResults ?? []));
      token = page.NextToken;
    } while (token);
  }
  return results;
}
