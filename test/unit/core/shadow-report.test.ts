import { describe, expect, it } from 'vitest';
import type { MetricPoint } from '../../../src/core/api.ts';
import { compareShadow, shadowStats, wholeWindowPeriod } from '../../../src/core/shadow-report.ts';
import { twoProportionZTest } from '../../../src/core/statistics.ts';

const point = (fields: Partial<MetricPoint>): MetricPoint => ({
  at: '2026-12-01T00:00:00.000Z',
  count: 0,
  errors: 0,
  latencyP50: null,
  latencyP99: null,
  inputTokens: 0,
  outputTokens: 0,
  costUsd: 0,
  ratings: 0,
  negativeRatings: 0,
  ...fields,
});

describe('Function: shadowStats', () => {
  it('gives the window figures of one point: rates and means per call', () => {
    expect(
      shadowStats('1.2.0', [
        point({
          count: 200,
          errors: 10,
          latencyP50: 400,
          latencyP99: 1200,
          inputTokens: 40_000,
          outputTokens: 10_000,
          costUsd: 0.5,
        }),
      ]),
    ).toEqual({
      version: '1.2.0',
      count: 200,
      errorRate: 0.05,
      latencyP50: 400,
      latencyP99: 1200,
      meanInputTokens: 200,
      meanOutputTokens: 50,
      meanCostUsd: 0.0025,
    });
  });

  it('adds up split points: counts summed, p50 weighted by count, p99 the largest', () => {
    const stats = shadowStats('1.0.0', [
      point({ count: 30, errors: 3, latencyP50: 100, latencyP99: 500 }),
      point({ count: 10, errors: 1, latencyP50: 300, latencyP99: 900 }),
    ]);
    expect(stats).toMatchObject({ count: 40, errorRate: 0.1, latencyP50: 150, latencyP99: 900 });
  });

  it('is null where there is nothing to divide or no latency', () => {
    expect(shadowStats('1.0.0', [])).toEqual({
      version: '1.0.0',
      count: 0,
      errorRate: null,
      latencyP50: null,
      latencyP99: null,
      meanInputTokens: null,
      meanOutputTokens: null,
      meanCostUsd: null,
    });
  });
});

describe('Function: compareShadow', () => {
  const stats = (count: number, errors: number, extra: Partial<MetricPoint> = {}) =>
    shadowStats('v', [
      point({ count, errors, latencyP50: 100, latencyP99: 300, costUsd: count * 0.001, ...extra }),
    ]);

  it('tests the error rates with the two-sided two-proportion z-test', () => {
    const comparison = compareShadow(stats(1000, 20), stats(1000, 60));
    expect(comparison.errorRateDifference).toBeCloseTo(0.04, 10);
    expect(comparison.pValue).toBeCloseTo(
      twoProportionZTest({ successes: 20, trials: 1000 }, { successes: 60, trials: 1000 }).pValue,
      12,
    );
    expect(comparison).toMatchObject({ significant: true, verdict: 'shadow-worse' });
    expect(compareShadow(stats(1000, 60), stats(1000, 20)).verdict).toBe('shadow-better');
    expect(compareShadow(stats(1000, 20), stats(1000, 22))).toMatchObject({
      significant: false,
      verdict: 'no-significant-difference',
    });
  });

  it('is insufficient-data until both sides have 30 calls, and without calls has no test at all', () => {
    expect(compareShadow(stats(1000, 20), stats(29, 29))).toMatchObject({
      significant: false,
      verdict: 'insufficient-data',
    });
    expect(compareShadow(stats(1000, 20), stats(0, 0))).toMatchObject({
      errorRateDifference: null,
      pValue: null,
      significant: false,
      verdict: 'insufficient-data',
    });
  });

  it('compares latency and cost: shadow minus primary, shadow over primary', () => {
    const comparison = compareShadow(
      stats(100, 0, { latencyP50: 200, latencyP99: 800, costUsd: 0.1 }),
      stats(100, 0, { latencyP50: 250, latencyP99: 700, costUsd: 0.3 }),
    );
    expect(comparison.latencyP50Difference).toBe(50);
    expect(comparison.latencyP99Difference).toBe(-100);
    expect(comparison.costRatio).toBeCloseTo(3, 10);
    expect(compareShadow(stats(100, 0, { costUsd: 0 }), stats(100, 0)).costRatio).toBeNull();
  });
});

describe('Function: wholeWindowPeriod', () => {
  it('covers the window in whole minutes, at least one', () => {
    const start = new Date('2026-12-01T00:00:00Z');
    expect(wholeWindowPeriod(start, new Date('2026-12-02T00:00:00Z'))).toBe(86_400);
    expect(wholeWindowPeriod(start, new Date('2026-12-01T00:00:01Z'))).toBe(60);
    expect(wholeWindowPeriod(start, new Date('2026-12-01T00:01:30Z'))).toBe(120);
  });
});
