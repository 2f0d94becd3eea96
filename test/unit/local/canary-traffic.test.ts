import { describe, expect, it } from 'vitest';
import { emfDocument } from '../../../src/core/metrics.ts';
import { LocalCanaryTraffic } from '../../../src/local/canary-traffic.ts';
import { MetricsMonitor } from '../../../src/local/metrics-monitor.ts';

const thresholds = {
  alarmErrorRatePercent: 5,
  alarmP99LatencyMs: 1000,
  alarmNegativeFeedbackPercent: 30,
  alarmMinimumSamples: 10,
};

describe('Class: LocalCanaryTraffic', () => {
  // Time scale 60: one-second periods.
  const start = 1_000_000;
  const clock = { now: start };
  const monitor = new MetricsMonitor({ thresholds, timeScale: 60, now: () => clock.now });
  const dims = (promptVersion: string, environment = 'prod', promptId = 'summarize') => ({
    environment,
    promptId,
    promptVersion,
  });
  for (let i = 0; i < 100; i++) {
    const at = start + i * 100;
    monitor.ingest(
      emfDocument(dims('1'), { invocations: 1, errors: i % 50 === 0 ? 1 : 0, latency: 100 + i }, at),
    );
    if (i % 10 === 0) {
      monitor.ingest(
        emfDocument(dims('2'), { invocations: 1, errors: i % 20 === 0 ? 1 : 0, latency: 900 }, at),
      );
    }
  }
  monitor.ingest(emfDocument(dims('2'), { feedbackCount: 4, negativeFeedback: 3 }, start + 500));
  // Other environments, prompts and times outside the window stay out.
  monitor.ingest(emfDocument(dims('1', 'staging'), { invocations: 50, errors: 50 }, start));
  monitor.ingest(emfDocument(dims('1', 'prod', 'other'), { invocations: 50, errors: 50 }, start));
  monitor.ingest(emfDocument(dims('1'), { invocations: 50, errors: 50 }, start - 10_000));
  const traffic = new LocalCanaryTraffic(monitor);

  it("sums each version's invocations, errors and feedback and gives p99 and mean latency over the window", async () => {
    const result = await traffic.traffic({
      environment: 'prod',
      promptId: 'summarize',
      versions: ['1', '2'],
      since: new Date(start),
      until: new Date(start + 10_000),
    });
    expect(result['1']).toEqual({
      invocations: 100,
      errors: 2,
      ratings: 0,
      negativeRatings: 0,
      latencyP99: 198,
      latencyMean: 149.5,
    });
    expect(result['2']).toEqual({
      invocations: 10,
      errors: 5,
      ratings: 4,
      negativeRatings: 3,
      latencyP99: 900,
      latencyMean: 900,
    });
  });

  it('answers zeros (and no latency) for a version without traffic', async () => {
    const result = await traffic.traffic({
      environment: 'prod',
      promptId: 'summarize',
      versions: ['3'],
      since: new Date(start),
      until: new Date(start + 10_000),
    });
    expect(result).toEqual({ '3': { invocations: 0, errors: 0, ratings: 0, negativeRatings: 0 } });
  });
});
