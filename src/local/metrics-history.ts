/**
 * GET /prompts/{id}/metrics in local mode: the versions' points from the local metrics store (the EMF
 * documents apps and the feedback handler send), as CloudWatch GetMetricData gives them on AWS. The
 * store keeps each version's last 1,440 periods, in memory: a restart starts the history afresh.
 */
import type { MetricPoint } from '../core/api.ts';
import type { MetricsHistoryQuery, MetricsHistorySource } from '../core/metrics-history.ts';
import type { MetricsMonitor } from './metrics-monitor.ts';

export class LocalMetricsHistory implements MetricsHistorySource {
  readonly #monitor: MetricsMonitor;

  constructor(monitor: MetricsMonitor) {
    this.#monitor = monitor;
  }

  async series(query: MetricsHistoryQuery): Promise<Readonly<Record<string, readonly MetricPoint[]>>> {
    return Object.fromEntries(
      query.versions.map((version) => [
        version,
        this.#monitor.versionHistory(
          query.environment,
          query.promptId,
          version,
          query.start,
          query.end,
          query.periodSeconds,
          query.role,
        ),
      ]),
    );
  }
}
