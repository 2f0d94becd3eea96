import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LIMITS } from '../../../src/core/contracts.ts';
import { compareProportions, normalCdf, twoProportionZTest } from '../../../src/core/statistics.ts';

/** |actual - expected| within `relative` of expected: tail probabilities span many orders of magnitude. */
function expectRelative(actual: number, expected: number, relative: number) {
  expect(Math.abs(actual - expected)).toBeLessThanOrEqual(Math.abs(expected) * relative);
}

describe('Function: normalCdf', () => {
  it.each([
    // The standard normal table of every introductory text (four decimals).
    [0, 0.5],
    [1, 0.8413],
    [-1, 0.1587],
    [1.645, 0.95],
    [1.96, 0.975],
    [-1.96, 0.025],
    [2, 0.9772],
    [2.576, 0.995],
    [3, 0.9987],
    [-3, 0.0013],
  ])('Φ(%d) is %d to four decimals', (x, expected) => {
    expect(normalCdf(x)).toBeCloseTo(expected, 4);
  });

  it.each([
    // Φ(x) = erfc(-x/√2)/2 to 16 digits (Python math.erfc; R pnorm agrees).
    [-1, 0.15865525393145707],
    [-3, 0.0013498980316300957],
    [-5, 2.866515718791946e-7],
    [-8, 6.220960574271819e-16],
    [-10, 7.619853024160593e-24],
  ])('keeps its precision in the tail: Φ(%d) = %d', (x, expected) => {
    expectRelative(normalCdf(x), expected, 1e-7);
  });

  it('is 0 and 1 far out in the tails, and NaN for NaN', () => {
    expect(normalCdf(-40)).toBe(0);
    expect(normalCdf(40)).toBe(1);
    expect(normalCdf(Number.NaN)).toBeNaN();
  });

  it('is symmetric and non-decreasing', () => {
    fc.assert(
      fc.property(
        fc.double({ min: -30, max: 30, noNaN: true }),
        fc.double({ min: 0, max: 5, noNaN: true }),
        (x, step) => {
          expect(normalCdf(x) + normalCdf(-x)).toBeCloseTo(1, 12);
          expect(normalCdf(x + step)).toBeGreaterThanOrEqual(normalCdf(x));
        },
      ),
    );
  });
});

describe('Function: twoProportionZTest', () => {
  it('matches the OpenStax hives example: 20/200 against 12/200 gives p = 0.1404', () => {
    // OpenStax Introductory Statistics, example 10.11 (medication A against B).
    const result = twoProportionZTest({ successes: 20, trials: 200 }, { successes: 12, trials: 200 });
    expect(result.z).toBeCloseTo(-1.4744, 4);
    expect(result.pValue).toBeCloseTo(0.1404, 4);
    // R: prop.test(c(20, 12), c(200, 200), correct = FALSE) gives X-squared = 2.1739 = z².
    expect(result.z ** 2).toBeCloseTo(2.1739, 4);
  });

  it('matches the Stat Trek cold-medicine example: 38% of 100 against 51% of 200 gives z = 2.13', () => {
    const result = twoProportionZTest({ successes: 38, trials: 100 }, { successes: 102, trials: 200 });
    expect(result.z).toBeCloseTo(2.13, 2);
    expect(result.pValue).toBeCloseTo(0.0334, 4);
  });

  it('finds no difference between equal proportions', () => {
    expect(twoProportionZTest({ successes: 15, trials: 50 }, { successes: 30, trials: 100 })).toEqual({
      z: 0,
      pValue: 1,
    });
  });

  it('is z = 0 and p = 1 when there is no variation at all', () => {
    expect(twoProportionZTest({ successes: 0, trials: 40 }, { successes: 0, trials: 60 })).toEqual({
      z: 0,
      pValue: 1,
    });
    expect(twoProportionZTest({ successes: 40, trials: 40 }, { successes: 60, trials: 60 })).toEqual({
      z: 0,
      pValue: 1,
    });
  });

  it('gives a tiny but non-zero p-value for an overwhelming difference', () => {
    const { pValue } = twoProportionZTest({ successes: 10, trials: 1000 }, { successes: 300, trials: 1000 });
    expect(pValue).toBeGreaterThan(0);
    expect(pValue).toBeLessThan(1e-50);
  });

  it('is symmetric in its samples and p stays within [0, 1]', () => {
    const sample = fc
      .integer({ min: 1, max: 5000 })
      .chain((trials) =>
        fc.record({ trials: fc.constant(trials), successes: fc.integer({ min: 0, max: trials }) }),
      );
    fc.assert(
      fc.property(sample, sample, (a, b) => {
        const ab = twoProportionZTest(a, b);
        const ba = twoProportionZTest(b, a);
        expect(ab.pValue).toBeGreaterThanOrEqual(0);
        expect(ab.pValue).toBeLessThanOrEqual(1);
        expect(ba.pValue).toBeCloseTo(ab.pValue, 12);
        expect(ba.z).toBeCloseTo(-ab.z, 12);
      }),
    );
  });

  it('tests one side with "greater": 1/100 against 30/100 gives z = 5.666, p = 7.30e-9', () => {
    // pooled p̂ = 31/200 = 0.155, SE = √(0.155 · 0.845 · (1/100 + 1/100)) = 0.051181,
    // z = (0.30 − 0.01) / 0.051181 = 5.6662; one-sided p = 1 − Φ(5.6662) = 7.3017e-9
    // (R: pnorm(5.666159512, lower.tail = FALSE); Python: erfc(z/√2)/2).
    const result = twoProportionZTest(
      { successes: 1, trials: 100 },
      { successes: 30, trials: 100 },
      'greater',
    );
    expect(result.z).toBeCloseTo(5.666159512316191, 9);
    expectRelative(result.pValue, 7.301679332855629e-9, 1e-6);
    // Half the two-sided p-value when the difference goes the tested way.
    const twoSided = twoProportionZTest({ successes: 1, trials: 100 }, { successes: 30, trials: 100 });
    expectRelative(result.pValue, twoSided.pValue / 2, 1e-9);
  });

  it('gives "greater" a p-value above one half when the second proportion is the smaller', () => {
    const { pValue } = twoProportionZTest(
      { successes: 30, trials: 100 },
      { successes: 1, trials: 100 },
      'greater',
    );
    expect(pValue).toBeGreaterThan(0.999_999);
    expect(twoProportionZTest({ successes: 0, trials: 40 }, { successes: 0, trials: 60 }, 'greater')).toEqual(
      { z: 0, pValue: 1 },
    );
  });

  it.each([
    [{ successes: 0, trials: 0 }, /first.trials must be a whole number of at least 1, got 0/],
    [{ successes: 5, trials: 4 }, /first.successes must be a whole number from 0 to 4, got 5/],
    [{ successes: -1, trials: 4 }, /first.successes/],
    [{ successes: 1.5, trials: 4 }, /first.successes/],
  ])('rejects an impossible sample %j', (sample, message) => {
    expect(() => twoProportionZTest(sample, { successes: 1, trials: 2 })).toThrow(RangeError);
    expect(() => twoProportionZTest(sample, { successes: 1, trials: 2 })).toThrow(message);
  });
});

describe('Function: compareProportions', () => {
  it('reports the candidate minus the baseline and the test p-value', () => {
    const result = compareProportions({ successes: 12, trials: 200 }, { successes: 20, trials: 200 });
    expect(result.difference).toBeCloseTo(0.04, 12);
    expect(result.pValue).toBeCloseTo(0.1404, 4);
    expect(result.significant).toBe(false);
  });

  it('is significant when p < 0.05 and each side has at least the minimum sample', () => {
    const result = compareProportions({ successes: 38, trials: 100 }, { successes: 102, trials: 200 });
    expect(result.pValue).toBeLessThan(0.05);
    expect(result.significant).toBe(true);
  });

  it(`is never significant below ${LIMITS.minSamplesForSignificance} ratings on a side, however small p is`, () => {
    const few = LIMITS.minSamplesForSignificance - 1;
    const result = compareProportions({ successes: 0, trials: few }, { successes: 900, trials: 1000 });
    expect(result.pValue).toBeLessThan(1e-10);
    expect(result.significant).toBe(false);
    const enough = compareProportions(
      { successes: 0, trials: LIMITS.minSamplesForSignificance },
      { successes: 900, trials: 1000 },
    );
    expect(enough.significant).toBe(true);
  });

  it('is significant only strictly below alpha', () => {
    const baseline = { successes: 12, trials: 200 };
    const candidate = { successes: 20, trials: 200 };
    const { pValue } = compareProportions(baseline, candidate);
    expect(compareProportions(baseline, candidate, { alpha: pValue }).significant).toBe(false);
    expect(compareProportions(baseline, candidate, { alpha: pValue + 1e-9 }).significant).toBe(true);
  });
});
