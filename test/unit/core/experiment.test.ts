import { describe, expect, it } from 'vitest';
import { compareVariant, requiredSampleSize } from '../../../src/core/experiment.ts';
import { sampleSizePerGroup } from '../../../src/core/statistics.ts';

// Reference values: the pooled two-proportion z-test and Fleiss, Levin & Paik eq. 4.14 (no
// continuity correction) evaluated with Python's statistics.NormalDist; scipy.stats gives the same.
describe('Function: compareVariant', () => {
  it('names a significant winner: 100/1000 against 150/1000 is z = 3.3806, p = 0.000723', () => {
    const result = compareVariant({ successes: 100, trials: 1000 }, { successes: 150, trials: 1000 });
    expect(result.verdict).toBe('significant-winner');
    expect(result.winner).toBe('variant');
    expect(result.difference).toBeCloseTo(0.05, 12);
    expect(result.pValue).toBeCloseTo(0.0007232327164301555, 8);
    // Newcombe's hybrid score interval of the difference contains it and excludes 0.
    expect(result.interval.low).toBeGreaterThan(0);
    expect(result.interval.high).toBeGreaterThan(0.05);
    expect(result.requiredPerVariant).toBe(686);
    expect(result.moreNeeded).toBeUndefined();
  });

  it('names the control when the variant is significantly worse', () => {
    const result = compareVariant({ successes: 150, trials: 1000 }, { successes: 100, trials: 1000 });
    expect(result.verdict).toBe('significant-winner');
    expect(result.winner).toBe('control');
  });

  it('says not enough data with the sample still needed: 400/1000 against 420/1000 (p = 0.3632) needs 1534 each', () => {
    const result = compareVariant({ successes: 400, trials: 1000 }, { successes: 420, trials: 1000 });
    expect(result.pValue).toBeCloseTo(0.3632029803170851, 8);
    expect(result.verdict).toBe('not-enough-data');
    expect(result.requiredPerVariant).toBe(1534);
    expect(result.moreNeeded).toBe(534);
  });

  it('says no difference detected once each side has the sample that would have shown 5 points', () => {
    const result = compareVariant({ successes: 800, trials: 2000 }, { successes: 830, trials: 2000 });
    expect(result.pValue).toBeGreaterThan(0.05);
    expect(result.verdict).toBe('no-difference-detected');
    expect(result.moreNeeded).toBeUndefined();
  });

  it('never judges under the minimum sample, however small the p-value', () => {
    const result = compareVariant({ successes: 0, trials: 20 }, { successes: 20, trials: 20 });
    expect(result.pValue).toBeLessThan(1e-6);
    expect(result.verdict).toBe('not-enough-data');
    expect(result.moreNeeded).toBe(result.requiredPerVariant - 20);
  });

  it('sizes the test at the rate of most variance when the control has no sample yet', () => {
    const result = compareVariant({ successes: 0, trials: 0 }, { successes: 5, trials: 10 });
    expect(result.verdict).toBe('not-enough-data');
    // 0.5 against 0.55: 1564.67 before rounding up.
    expect(result.requiredPerVariant).toBe(1565);
    expect(result.moreNeeded).toBe(1565);
  });

  it('a larger minimum effect needs fewer samples', () => {
    expect(requiredSampleSize(0.1, 0.1, 0.05, 0.8)).toBeLessThan(requiredSampleSize(0.1, 0.05, 0.05, 0.8));
    // Near 1 the effect is measured downwards: 0.98 against 0.93, not against 1.03.
    expect(requiredSampleSize(0.98, 0.05, 0.05, 0.8)).toBe(sampleSizePerGroup(0.98, 0.93));
  });
});
