/**
 * Canary analysis's traffic source in local mode: each version's totals from the local metrics
 * store (the EMF documents apps and the feedback handler send), as the CloudWatch GetMetricData
 * adapter reads them on AWS.
 */
import type { CanaryTrafficSource, TrafficQuery, VersionTraffic } from '../core/canary-traffic.ts';
import type { MetricsMonitor } from './metrics-monitor.ts';

export class LocalCanaryTraffic implements CanaryTrafficSource {
  readonly #monitor: MetricsMonitor;

  constructor(monitor: MetricsMonitor) {
    this.#monitor = monitor;
  }

  async traffic(query: TrafficQuery): Promise<Readonly<Record<string, VersionTraffic>>> {
    return Object.fromEntries(
      query.versions.map((version) => [
        version,
        this.#monitor.versionTraffic(query.environment, query.promptId, version, query.since, query.until),
      ]),
    );
  }
}
