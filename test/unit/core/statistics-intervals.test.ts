import { describe, expect, it } from 'vitest';
import {
  differenceInterval,
  normalQuantile,
  sampleSizePerGroup,
  wilsonInterval,
} from '../../../src/core/statistics.ts';

describe('Function: normalQuantile', () => {
  it.each([
    // Python's statistics.NormalDist().inv_cdf (scipy.stats.norm.ppf agrees to the last digit shown).
    [0.975, 1.9599639845400536],
    [0.995, 2.5758293035489],
    [0.9, 1.2815515655446008],
    [0.8, 0.8416212335729143],
    [0.5, 0],
    [1e-10, -6.361340902404056],
  ])('Φ⁻¹(%d) is %d', (p, expected) => {
    expect(normalQuantile(p)).toBeCloseTo(expected, 9);
  });

  it('refuses 0 and 1, which have no finite quantile', () => {
    expect(() => normalQuantile(0)).toThrow(/strictly between 0 and 1, got 0/);
    expect(() => normalQuantile(1)).toThrow(/got 1/);
  });
});

describe('Function: wilsonInterval', () => {
  it('matches Newcombe (1998) Table I, method 3, for 81/263', () => {
    const { low, high } = wilsonInterval({ successes: 81, trials: 263 });
    expect(low).toBeCloseTo(0.2553, 4);
    expect(high).toBeCloseTo(0.3662, 4);
  });

  it('stays inside 0..1 at 0/10 and 10/10 (Newcombe Table I: 0 to 0.2775, 0.7225 to 1)', () => {
    const none = wilsonInterval({ successes: 0, trials: 10 });
    expect(none.low).toBe(0);
    expect(none.high).toBeCloseTo(0.2775, 4);
    const all = wilsonInterval({ successes: 10, trials: 10 });
    expect(all.low).toBeCloseTo(0.7225, 4);
    expect(all.high).toBe(1);
  });

  it('narrows as the confidence level drops', () => {
    const wide = wilsonInterval({ successes: 30, trials: 100 }, 0.99);
    const narrow = wilsonInterval({ successes: 30, trials: 100 }, 0.9);
    expect(narrow.low).toBeGreaterThan(wide.low);
    expect(narrow.high).toBeLessThan(wide.high);
  });
});

describe('Function: differenceInterval', () => {
  it('matches Newcombe (1998) Table II, method 10, for 56/70 minus 48/80: 0.0524 to 0.3339', () => {
    const { low, high } = differenceInterval({ successes: 48, trials: 80 }, { successes: 56, trials: 70 });
    expect(low).toBeCloseTo(0.0524, 4);
    expect(high).toBeCloseTo(0.3339, 4);
  });

  it('is symmetric: swapping the samples negates the interval', () => {
    const a = { successes: 12, trials: 90 };
    const b = { successes: 30, trials: 110 };
    const forward = differenceInterval(a, b);
    const backward = differenceInterval(b, a);
    expect(backward.low).toBeCloseTo(-forward.high, 12);
    expect(backward.high).toBeCloseTo(-forward.low, 12);
  });
});

describe('Function: sampleSizePerGroup', () => {
  it.each([
    // Fleiss, Levin & Paik eq. 4.14 without continuity correction, alpha 0.05 two-sided, power 0.8,
    // evaluated with Python's statistics.NormalDist: 685.60, 387.34 and 293.15 before rounding up.
    [0.1, 0.15, 686],
    [0.5, 0.6, 388],
    [0.2, 0.3, 294],
  ])('%d versus %d needs %d per group', (p1, p2, expected) => {
    expect(sampleSizePerGroup(p1, p2)).toBe(expected);
    expect(sampleSizePerGroup(p2, p1)).toBe(expected);
  });

  it('needs more for more power and less for a larger alpha', () => {
    expect(sampleSizePerGroup(0.1, 0.15, { power: 0.9 })).toBeGreaterThan(686);
    expect(sampleSizePerGroup(0.1, 0.15, { alpha: 0.1 })).toBeLessThan(686);
  });

  it('is infinite for equal proportions and refuses values outside 0..1', () => {
    expect(sampleSizePerGroup(0.3, 0.3)).toBe(Number.POSITIVE_INFINITY);
    expect(() => sampleSizePerGroup(1.2, 0.3)).toThrow(/p1 must be a proportion from 0 to 1, got 1.2/);
  });
});
