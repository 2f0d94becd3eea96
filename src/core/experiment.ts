/**
 * The verdict of an A/B split (docs/reports.md): a variant's success rate against the control's by
 * the pooled two-proportion z-test, the Newcombe interval of the difference, and the sample size a
 * test at `alpha` needs to detect the smallest difference worth acting on with `power` (Fleiss).
 */
import { LIMITS } from './contracts.ts';
import {
  differenceInterval,
  type Interval,
  type ProportionSample,
  sampleSizePerGroup,
  twoProportionZTest,
} from './statistics.ts';

export type ExperimentVerdict = 'significant-winner' | 'no-difference-detected' | 'not-enough-data';

export interface ExperimentOptions {
  /** Two-sided significance level. @default 0.05 */
  readonly alpha?: number;
  /** @default 0.8 */
  readonly power?: number;
  /** The smallest absolute difference of rates worth detecting. @default 0.05 (5 points) */
  readonly minimumEffect?: number;
  /** Fewer trials than this on either side is never a verdict. @default LIMITS.minSamplesForSignificance */
  readonly minSamples?: number;
}

export interface ExperimentComparison {
  /** Variant rate minus control rate. */
  readonly difference: number;
  /** 95% interval of the difference (at 1 − alpha). */
  readonly interval: Interval;
  readonly pValue: number;
  readonly verdict: ExperimentVerdict;
  /** With `significant-winner`: which side has the higher rate. */
  readonly winner?: 'control' | 'variant';
  /** Trials each side needs to detect `minimumEffect` at the control's rate. */
  readonly requiredPerVariant: number;
  /** With `not-enough-data`: trials still needed on the side that has fewer. */
  readonly moreNeeded?: number;
}

/** Trials per side to detect `effect` away from `rate` (towards the nearer middle when near 0 or 1). */
export function requiredSampleSize(rate: number, effect: number, alpha: number, power: number): number {
  const other = rate + effect <= 1 ? rate + effect : rate - effect;
  return sampleSizePerGroup(rate, Math.max(0, other), { alpha, power });
}

export function compareVariant(
  control: ProportionSample,
  variant: ProportionSample,
  options: ExperimentOptions = {},
): ExperimentComparison {
  const alpha = options.alpha ?? 0.05;
  const power = options.power ?? 0.8;
  const effect = options.minimumEffect ?? 0.05;
  const minSamples = options.minSamples ?? LIMITS.minSamplesForSignificance;
  if (!(effect > 0 && effect < 1))
    throw new RangeError(`minimumEffect must be between 0 and 1, got ${effect}`);
  const fewest = Math.min(control.trials, variant.trials);
  // Without a control sample, the rate of most variance (0.5) sizes the test: the worst case.
  const controlRate = control.trials > 0 ? control.successes / control.trials : 0.5;
  const required = Math.max(minSamples, requiredSampleSize(controlRate, effect, alpha, power));
  if (control.trials === 0 || variant.trials === 0) {
    return {
      difference: 0,
      interval: { low: -1, high: 1 },
      pValue: 1,
      verdict: 'not-enough-data',
      requiredPerVariant: required,
      moreNeeded: required - fewest,
    };
  }
  const difference = variant.successes / variant.trials - controlRate;
  const { pValue } = twoProportionZTest(control, variant);
  const interval = differenceInterval(control, variant, 1 - alpha);
  const base = { difference, interval, pValue, requiredPerVariant: required };
  if (fewest >= minSamples && pValue < alpha) {
    return { ...base, verdict: 'significant-winner', winner: difference > 0 ? 'variant' : 'control' };
  }
  if (fewest >= required) return { ...base, verdict: 'no-difference-detected' };
  return { ...base, verdict: 'not-enough-data', moreNeeded: required - fewest };
}
