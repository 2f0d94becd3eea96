/** The query handler's metrics source on AWS: CloudWatch, its client created once per container. */
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import type { MetricsHistorySource } from '../../src/core/metrics-history.ts';
import { CloudWatchMetricsHistory } from '../adapters/cloudwatch-history.ts';

let source: MetricsHistorySource | undefined;

export function cloudWatchMetricsHistory(): MetricsHistorySource {
  source ??= new CloudWatchMetricsHistory(new CloudWatchClient({}));
  return source;
}
