/** Local mode's CloudWatch keeps shadow metrics apart (docs/shadows.md): no alarm or canary reads them. */
import { describe, expect, it } from 'vitest';
import { outcomeMetrics } from '../../../src/core/metrics.ts';
import { roleEmfDocument } from '../../../src/core/shadow-metrics.ts';
import { LocalCanaryTraffic } from '../../../src/local/canary-traffic.ts';
import { LocalMetricsHistory } from '../../../src/local/metrics-history.ts';
import { MetricsMonitor } from '../../../src/local/metrics-monitor.ts';

const thresholds = {
  alarmErrorRatePercent: 5,
  alarmP99LatencyMs: 1000,
  alarmNegativeFeedbackPercent: 30,
  alarmMinimumSamples: 10,
};
const dims = (promptVersion: string) => ({ environment: 'prod', promptId: 'support-reply', promptVersion });

describe('Class: MetricsMonitor, with shadow metrics', () => {
  it('never alarms on failing shadow calls, and keeps them out of the version canary analysis reads', async () => {
    const clock = { now: 5_000_000 };
    const monitor = new MetricsMonitor({ thresholds, timeScale: 60, now: () => clock.now });
    for (let s = 0; s < 5; s++) {
      for (let i = 0; i < 20; i++) {
        monitor.ingest(roleEmfDocument(dims('1.1.0'), outcomeMetrics({ latencyMs: 100 }), clock.now));
        monitor.ingest(
          roleEmfDocument(
            dims('1.1.0'),
            outcomeMetrics({ error: true, latencyMs: 9000 }),
            clock.now,
            'shadow',
          ),
        );
      }
      clock.now += 1000;
    }
    clock.now -= 1000;
    expect(monitor.firedAlarm('prod')).toBeUndefined();
    expect(monitor.status('prod').every((a) => a.state === 'OK')).toBe(true);

    const since = new Date(clock.now - 10_000);
    const until = new Date(clock.now + 1000);
    // The same version served as primary and run as a shadow: canary traffic counts the primary calls only.
    const traffic = await new LocalCanaryTraffic(monitor).traffic({
      environment: 'prod',
      promptId: 'support-reply',
      versions: ['1.1.0'],
      since,
      until,
    });
    expect(traffic['1.1.0']).toMatchObject({ invocations: 100, errors: 0 });

    const history = new LocalMetricsHistory(monitor);
    const query = {
      environment: 'prod',
      promptId: 'support-reply',
      versions: ['1.1.0'],
      start: since,
      end: until,
      periodSeconds: 60,
    };
    const primary = await history.series(query);
    const shadow = await history.series({ ...query, role: 'shadow' });
    expect(primary['1.1.0']?.[0]).toMatchObject({ count: 100, errors: 0, latencyP99: 100 });
    expect(shadow['1.1.0']?.[0]).toMatchObject({ count: 100, errors: 100, latencyP99: 9000 });
  });
});
