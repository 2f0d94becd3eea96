import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { CanaryAnalysisEntry } from '../../../src/core/api.ts';
import {
  type CanarySettings,
  canaryFailures,
  canaryReason,
  canarySettingsOf,
  judgeCanary,
} from '../../../src/core/canary.ts';
import type { VersionTraffic } from '../../../src/core/canary-traffic.ts';
import { parseSettings } from '../../../src/core/settings.ts';

/** The defaults: p < 0.01, 50 samples, +2 points of errors, +10 points of negative feedback, p99 ×1.5. */
const SETTINGS: CanarySettings = canarySettingsOf(parseSettings({}));

function traffic(fields: Partial<VersionTraffic>): VersionTraffic {
  return { invocations: 0, errors: 0, ratings: 0, negativeRatings: 0, ...fields };
}

function judge(
  baseline: Partial<VersionTraffic>,
  candidate: Partial<VersionTraffic>,
  settings: CanarySettings = SETTINGS,
) {
  const entries = judgeCanary({
    promptId: 'support-reply',
    baseline: '1.2.0',
    candidates: ['1.3.0'],
    traffic: { '1.2.0': traffic(baseline), '1.3.0': traffic(candidate) },
    settings,
  });
  const byMetric = Object.fromEntries(entries.map((entry) => [entry.metric, entry]));
  return byMetric as Record<CanaryAnalysisEntry['metric'], CanaryAnalysisEntry>;
}

/** |actual - expected| within `relative` of expected. */
function expectRelative(actual: number | undefined, expected: number, relative: number) {
  expect(actual).toBeDefined();
  expect(Math.abs((actual as number) - expected)).toBeLessThanOrEqual(Math.abs(expected) * relative);
}

describe('Function: judgeCanary', () => {
  it('uses the defaults of the contract', () => {
    expect(SETTINGS).toEqual({
      maxPValue: 0.01,
      minSamples: 50,
      errorRateMargin: 0.02,
      negativeFeedbackMargin: 0.1,
      latencyRatio: 1.5,
    });
  });

  describe('error rate, on textbook cases', () => {
    it('fails a candidate erring 30/100 against a baseline erring 1/100', () => {
      // pooled p̂ = 31/200 = 0.155; SE = √(0.155 · 0.845 · (1/100 + 1/100)) = 0.051181;
      // z = (0.30 − 0.01) / 0.051181 = 5.6662; one-sided p = 1 − Φ(5.6662) = 7.3017e-9
      // (R: pnorm(5.666159512, lower.tail = FALSE)). p < 0.01 and 29 points > 2 points: fail.
      const { errorRate } = judge({ invocations: 100, errors: 1 }, { invocations: 100, errors: 30 });
      expect(errorRate).toMatchObject({
        promptId: 'support-reply',
        baseline: '1.2.0',
        candidate: '1.3.0',
        metric: 'errorRate',
        baselineValue: 0.01,
        candidateValue: 0.3,
        samples: { baseline: 100, candidate: 100 },
        verdict: 'fail',
      });
      expectRelative(errorRate.pValue, 7.301679332855629e-9, 1e-6);
    });

    it('fails 45/1000 against 20/1000: significant and 2.5 points over', () => {
      // pooled p̂ = 65/2000 = 0.0325; SE = √(0.0325 · 0.9675 · 0.002) = 0.0079302;
      // z = 0.025 / 0.0079302 = 3.1525; one-sided p = 8.0934e-4 < 0.01; 0.025 > 0.02: fail.
      const { errorRate } = judge({ invocations: 1000, errors: 20 }, { invocations: 1000, errors: 45 });
      expectRelative(errorRate.pValue, 8.09338803318898e-4, 1e-6);
      expect(errorRate.verdict).toBe('fail');
    });

    it('passes a significant difference within the margin: 260/10000 against 200/10000', () => {
      // pooled p̂ = 0.023; SE = √(0.023 · 0.977 · 0.0002) = 0.0021200; z = 0.006 / 0.00212 = 2.8303;
      // one-sided p = 0.0023256 < 0.01, but 0.6 points is within the 2-point margin: pass.
      const { errorRate } = judge({ invocations: 10_000, errors: 200 }, { invocations: 10_000, errors: 260 });
      expectRelative(errorRate.pValue, 0.002325570225480309, 1e-6);
      expect(errorRate.verdict).toBe('pass');
      // The same traffic with no margin fails.
      expect(
        judge(
          { invocations: 10_000, errors: 200 },
          { invocations: 10_000, errors: 260 },
          { ...SETTINGS, errorRateMargin: 0 },
        ).errorRate.verdict,
      ).toBe('fail');
    });

    it('passes a difference beyond the margin that is not significant: 4/50 against 1/50', () => {
      // pooled p̂ = 0.05; SE = √(0.05 · 0.95 · 0.04) = 0.043589; z = 0.06 / 0.043589 = 1.3765;
      // one-sided p = 0.084334 ≥ 0.01: 6 points over, but not significant: pass.
      const { errorRate } = judge({ invocations: 50, errors: 1 }, { invocations: 50, errors: 4 });
      expectRelative(errorRate.pValue, 0.08433430944390755, 1e-6);
      expect(errorRate.verdict).toBe('pass');
    });

    it('never fails a candidate that is better, however significant', () => {
      const { errorRate } = judge({ invocations: 100, errors: 30 }, { invocations: 100, errors: 1 });
      expect(errorRate.pValue).toBeGreaterThan(0.99);
      expect(errorRate.verdict).toBe('pass');
    });

    it('is significant only strictly below maxPValue', () => {
      const baseline = { invocations: 1000, errors: 20 };
      const candidate = { invocations: 1000, errors: 45 };
      const p = judge(baseline, candidate).errorRate.pValue as number;
      expect(judge(baseline, candidate, { ...SETTINGS, maxPValue: p }).errorRate.verdict).toBe('pass');
      expect(judge(baseline, candidate, { ...SETTINGS, maxPValue: p * 1.000001 }).errorRate.verdict).toBe(
        'fail',
      );
    });
  });

  describe('negative feedback', () => {
    it('fails 35/100 negative ratings against 10/100', () => {
      // pooled p̂ = 0.225; SE = √(0.225 · 0.775 · 0.02) = 0.059055; z = 0.25 / 0.059055 = 4.2333;
      // one-sided p = 1.1512e-5 < 0.01; 25 points > 10 points: fail.
      const { negativeFeedbackRate } = judge(
        { ratings: 100, negativeRatings: 10 },
        { ratings: 100, negativeRatings: 35 },
      );
      expect(negativeFeedbackRate).toMatchObject({
        baselineValue: 0.1,
        candidateValue: 0.35,
        samples: { baseline: 100, candidate: 100 },
        verdict: 'fail',
      });
      expectRelative(negativeFeedbackRate.pValue, 1.1512425004736536e-5, 1e-6);
    });

    it('passes 150/1000 against 100/1000: significant, but 5 points is within the 10-point margin', () => {
      // pooled p̂ = 0.125; SE = √(0.125 · 0.875 · 0.002) = 0.014790; z = 0.05 / 0.01479 = 3.3806;
      // one-sided p = 3.6162e-4 < 0.01, within the margin: pass.
      const { negativeFeedbackRate } = judge(
        { ratings: 1000, negativeRatings: 100 },
        { ratings: 1000, negativeRatings: 150 },
      );
      expectRelative(negativeFeedbackRate.pValue, 3.6161635821509776e-4, 1e-6);
      expect(negativeFeedbackRate.verdict).toBe('pass');
    });

    it('counts ratings, not invocations, as its samples', () => {
      const { negativeFeedbackRate } = judge(
        { invocations: 5000, ratings: 20, negativeRatings: 2 },
        { invocations: 500, ratings: 60, negativeRatings: 50 },
      );
      expect(negativeFeedbackRate.samples).toEqual({ baseline: 20, candidate: 60 });
      expect(negativeFeedbackRate.verdict).toBe('insufficient-data');
    });
  });

  describe('latency', () => {
    it('fails a p99 more than 1.5 times the baseline, with no p-value', () => {
      const { latencyP99 } = judge(
        { invocations: 100, latencyP99: 800, latencyMean: 300 },
        { invocations: 100, latencyP99: 1300, latencyMean: 310 },
      );
      expect(latencyP99).toEqual({
        promptId: 'support-reply',
        baseline: '1.2.0',
        candidate: '1.3.0',
        metric: 'latencyP99',
        baselineValue: 800,
        candidateValue: 1300,
        samples: { baseline: 100, candidate: 100 },
        verdict: 'fail',
      });
    });

    it('passes at exactly the ratio', () => {
      expect(
        judge({ invocations: 100, latencyP99: 800 }, { invocations: 100, latencyP99: 1200 }).latencyP99
          .verdict,
      ).toBe('pass');
    });

    it('compares means when either side has no p99', () => {
      const { latencyP99 } = judge(
        { invocations: 100, latencyMean: 200, latencyP99: 900 },
        { invocations: 100, latencyMean: 500 },
      );
      expect(latencyP99).toMatchObject({ baselineValue: 200, candidateValue: 500, verdict: 'fail' });
    });

    it('is insufficient-data when no latency was reported', () => {
      expect(judge({ invocations: 100 }, { invocations: 100 }).latencyP99.verdict).toBe('insufficient-data');
    });
  });

  describe('small samples', () => {
    it('are insufficient-data on either side, however bad the candidate looks', () => {
      const few = SETTINGS.minSamples - 1;
      const one = judge({ invocations: few, errors: 0 }, { invocations: 1000, errors: 900, latencyP99: 9 });
      expect(one.errorRate).toMatchObject({ verdict: 'insufficient-data', samples: { baseline: few } });
      expect(one.errorRate).not.toHaveProperty('pValue');
      const other = judge(
        { invocations: 1000, errors: 0, latencyP99: 100 },
        { invocations: few, errors: few, latencyP99: 10_000 },
      );
      expect(other.errorRate.verdict).toBe('insufficient-data');
      expect(other.latencyP99.verdict).toBe('insufficient-data');
      expect(other.errorRate.candidateValue).toBe(1);
    });

    it('judge from exactly minSamples', () => {
      const enough = SETTINGS.minSamples;
      expect(
        judge({ invocations: enough, errors: 0 }, { invocations: enough, errors: enough }).errorRate.verdict,
      ).toBe('fail');
    });

    it('leave the values out of a side with no traffic at all', () => {
      const { errorRate } = judge({ invocations: 0 }, { invocations: 10, errors: 1 });
      expect(errorRate).not.toHaveProperty('baselineValue');
      expect(errorRate.candidateValue).toBeCloseTo(0.1, 12);
    });
  });

  describe('variants', () => {
    it('judges each candidate against the baseline, skipping the baseline itself', () => {
      const entries = judgeCanary({
        promptId: 'support-reply',
        baseline: '1.2.0',
        candidates: ['1.2.0', '1.3.0', '1.4.0'],
        traffic: {
          '1.2.0': traffic({ invocations: 900, errors: 9 }),
          '1.3.0': traffic({ invocations: 100, errors: 30 }),
          // 1.4.0 served nothing yet: absent from the traffic.
        },
        settings: SETTINGS,
      });
      expect(entries.map((e) => [e.candidate, e.metric, e.verdict])).toEqual([
        ['1.3.0', 'errorRate', 'fail'],
        ['1.3.0', 'negativeFeedbackRate', 'insufficient-data'],
        ['1.3.0', 'latencyP99', 'insufficient-data'],
        ['1.4.0', 'errorRate', 'insufficient-data'],
        ['1.4.0', 'negativeFeedbackRate', 'insufficient-data'],
        ['1.4.0', 'latencyP99', 'insufficient-data'],
      ]);
    });
  });

  it('clamps a source out of step (more errors than invocations) instead of throwing', () => {
    const { errorRate } = judge({ invocations: 100, errors: 1 }, { invocations: 100, errors: 120 });
    expect(errorRate).toMatchObject({ candidateValue: 1, verdict: 'fail' });
  });

  it('never fails identical populations (property)', () => {
    const population = fc
      .record({
        invocations: fc.integer({ min: 0, max: 100_000 }),
        ratings: fc.integer({ min: 0, max: 10_000 }),
        errorShare: fc.double({ min: 0, max: 1, noNaN: true }),
        negativeShare: fc.double({ min: 0, max: 1, noNaN: true }),
        latencyP99: fc.option(fc.double({ min: 1, max: 60_000, noNaN: true }), { nil: undefined }),
        latencyMean: fc.option(fc.double({ min: 1, max: 60_000, noNaN: true }), { nil: undefined }),
      })
      .map(
        ({ invocations, ratings, errorShare, negativeShare, latencyP99, latencyMean }): VersionTraffic => ({
          invocations,
          errors: Math.floor(invocations * errorShare),
          ratings,
          negativeRatings: Math.floor(ratings * negativeShare),
          ...(latencyP99 !== undefined ? { latencyP99 } : {}),
          ...(latencyMean !== undefined ? { latencyMean } : {}),
        }),
      );
    const settings = fc.record({
      maxPValue: fc.double({ min: 1e-6, max: 0.999, noNaN: true }),
      minSamples: fc.integer({ min: 1, max: 200 }),
      errorRateMargin: fc.double({ min: 0, max: 1, noNaN: true }),
      negativeFeedbackMargin: fc.double({ min: 0, max: 1, noNaN: true }),
      latencyRatio: fc.double({ min: 1.0001, max: 100, noNaN: true }),
    });
    fc.assert(
      fc.property(population, settings, (same, thresholds) => {
        const entries = judgeCanary({
          promptId: 'p',
          baseline: '1.0.0',
          candidates: ['2.0.0'],
          traffic: { '1.0.0': same, '2.0.0': same },
          settings: thresholds,
        });
        expect(entries).toHaveLength(3);
        expect(canaryFailures(entries)).toEqual([]);
      }),
    );
  });
});

describe('Function: canaryReason', () => {
  it('names the prompt, versions, metric, both values, samples and p-value of each failure', () => {
    const entries = judgeCanary({
      promptId: 'support-reply',
      baseline: '1.2.0',
      candidates: ['1.3.0'],
      traffic: {
        '1.2.0': traffic({ invocations: 100, errors: 1, latencyP99: 800 }),
        '1.3.0': traffic({ invocations: 100, errors: 30, latencyP99: 2000 }),
      },
      settings: SETTINGS,
    });
    const failures = canaryFailures(entries);
    expect(failures.map((f) => f.metric)).toEqual(['errorRate', 'latencyP99']);
    expect(canaryReason(failures)).toBe(
      'Canary analysis failed: support-reply 1.3.0 vs 1.2.0: error rate 30% vs 1% (samples 100 vs 100, p=7.30e-9); ' +
        'support-reply 1.3.0 vs 1.2.0: p99 latency 2000 ms vs 800 ms (samples 100 vs 100)',
    );
  });
});
