import { describe, expect, it } from 'vitest';
import { emfDocument } from '../../../src/core/metrics.ts';
import { LocalMetricsHistory } from '../../../src/local/metrics-history.ts';
import { MetricsMonitor } from '../../../src/local/metrics-monitor.ts';

const thresholds = {
  alarmErrorRatePercent: 5,
  alarmP99LatencyMs: 1000,
  alarmNegativeFeedbackPercent: 30,
  alarmMinimumSamples: 10,
};

describe('Class: LocalMetricsHistory', () => {
  // Time scale 1: the store keeps one-minute periods, as CloudWatch does.
  const start = Date.parse('2026-11-20T10:00:00.000Z');
  const monitor = new MetricsMonitor({ thresholds, timeScale: 1, now: () => start });
  const dims = (promptVersion: string, environment = 'prod') => ({
    environment,
    promptId: 'summarize',
    promptVersion,
  });
  // 1.0.0: ten calls a minute for 20 minutes, latencies 100..1000; ratings in minute 3.
  for (let minute = 0; minute < 20; minute++) {
    for (let i = 1; i <= 10; i++) {
      monitor.ingest(
        emfDocument(
          dims('1.0.0'),
          {
            invocations: 1,
            errors: i === 10 ? 1 : 0,
            latency: i * 100,
            inputTokens: 10,
            outputTokens: 5,
            cost: 0.001,
          },
          start + minute * 60_000 + i * 1000,
        ),
      );
    }
  }
  monitor.ingest(emfDocument(dims('1.0.0'), { feedbackCount: 4, negativeFeedback: 1 }, start + 3 * 60_000));
  monitor.ingest(emfDocument(dims('1.0.0', 'staging'), { invocations: 99 }, start));
  const history = new LocalMetricsHistory(monitor);
  const query = (fields: { start: number; end: number; periodSeconds: number }) =>
    history.series({
      environment: 'prod',
      promptId: 'summarize',
      versions: ['1.0.0', '2.0.0'],
      start: new Date(fields.start),
      end: new Date(fields.end),
      periodSeconds: fields.periodSeconds,
    });

  it('sums each period from the window start and takes percentiles of its raw latencies', async () => {
    const series = await query({ start, end: start + 20 * 60_000, periodSeconds: 300 });
    expect(series['2.0.0']).toEqual([]);
    const points = series['1.0.0'] ?? [];
    expect(points.map((p) => p.at)).toEqual([
      '2026-11-20T10:00:00.000Z',
      '2026-11-20T10:05:00.000Z',
      '2026-11-20T10:10:00.000Z',
      '2026-11-20T10:15:00.000Z',
    ]);
    expect(points[0]).toEqual({
      at: '2026-11-20T10:00:00.000Z',
      count: 50,
      errors: 5,
      // Nearest rank over 50 values (each latency five times): the 25th and the 50th.
      latencyP50: 500,
      latencyP99: 1000,
      inputTokens: 500,
      outputTokens: 250,
      costUsd: expect.closeTo(0.05, 10),
      ratings: 4,
      negativeRatings: 1,
    });
    expect(points[1]?.ratings).toBe(0);
  });

  it('leaves out what falls outside the window, and other environments', async () => {
    const series = await query({ start: start + 5 * 60_000, end: start + 7 * 60_000, periodSeconds: 60 });
    expect((series['1.0.0'] ?? []).map((p) => [p.at.slice(11, 16), p.count])).toEqual([
      ['10:05', 10],
      ['10:06', 10],
    ]);
  });
});
