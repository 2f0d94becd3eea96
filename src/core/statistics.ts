/**
 * The statistics behind comparing two prompt versions (the feedback report, canary analysis): the
 * standard normal CDF and the pooled two-proportion z-test, as introductory statistics texts define them.
 */
import { LIMITS } from './contracts.ts';

const SQRT_2PI = 2.506628274631;

/**
 * Φ(x), the standard normal cumulative distribution function. Hart's double-precision algorithm
 * (G. West, "Better approximations to cumulative normal functions", 2005): about 15 significant
 * digits for |x| < 7, so the tail probabilities behind small p-values keep their precision instead
 * of rounding to 0 as `1 - Φ(|x|)` would.
 */
export function normalCdf(x: number): number {
  if (Number.isNaN(x)) return Number.NaN;
  const a = Math.abs(x);
  let tail: number;
  if (a > 37) tail = 0;
  else {
    const e = Math.exp((-a * a) / 2);
    if (a < 7.07106781186547) {
      let n = 3.52624965998911e-2 * a + 0.700383064443688;
      n = n * a + 6.37396220353165;
      n = n * a + 33.912866078383;
      n = n * a + 112.079291497871;
      n = n * a + 221.213596169931;
      n = n * a + 220.206867912376;
      let d = 8.83883476483184e-2 * a + 1.75566716318264;
      d = d * a + 16.064177579207;
      d = d * a + 86.7807322029461;
      d = d * a + 296.564248779674;
      d = d * a + 637.333633378831;
      d = d * a + 793.826512519948;
      d = d * a + 440.413735824752;
      tail = (e * n) / d;
    } else {
      let b = a + 0.65;
      b = a + 4 / b;
      b = a + 3 / b;
      b = a + 2 / b;
      b = a + 1 / b;
      tail = e / b / SQRT_2PI;
    }
  }
  return x > 0 ? 1 - tail : tail;
}

/** `successes` out of `trials` (for feedback: negative ratings out of all ratings). */
export interface ProportionSample {
  readonly successes: number;
  readonly trials: number;
}

/**
 * The alternative hypothesis: `two-sided` (p₁ ≠ p₂, the feedback report) or `greater` (p₂ > p₁,
 * canary analysis, which only asks whether the candidate is worse).
 */
export type Alternative = 'two-sided' | 'greater';

export interface ZTestResult {
  /** (p̂₂ − p̂₁) / SE with the pooled standard error; 0 when the pooled proportion is 0 or 1. */
  readonly z: number;
  /**
   * The probability, if both proportions were equal, of a z at least this extreme: |z| for
   * `two-sided`, z for `greater` (one-sided, upper tail).
   */
  readonly pValue: number;
}

function assertSample(sample: ProportionSample, name: string): void {
  const { successes, trials } = sample;
  if (!Number.isInteger(trials) || trials < 1)
    throw new RangeError(`${name}.trials must be a whole number of at least 1, got ${trials}`);
  if (!Number.isInteger(successes) || successes < 0 || successes > trials)
    throw new RangeError(`${name}.successes must be a whole number from 0 to ${trials}, got ${successes}`);
}

/**
 * Pooled two-proportion z-test of H₀: p₁ = p₂ against p₁ ≠ p₂ (or p₂ > p₁ with `greater`). With no
 * variation at all (every trial a success, or none) there is no evidence of a difference: z = 0, p = 1.
 */
export function twoProportionZTest(
  first: ProportionSample,
  second: ProportionSample,
  alternative: Alternative = 'two-sided',
): ZTestResult {
  assertSample(first, 'first');
  assertSample(second, 'second');
  const p1 = first.successes / first.trials;
  const p2 = second.successes / second.trials;
  const pooled = (first.successes + second.successes) / (first.trials + second.trials);
  const variance = pooled * (1 - pooled) * (1 / first.trials + 1 / second.trials);
  if (variance <= 0) return { z: 0, pValue: 1 };
  const z = (p2 - p1) / Math.sqrt(variance);
  if (alternative === 'greater') return { z, pValue: normalCdf(-z) };
  return { z, pValue: Math.min(1, 2 * normalCdf(-Math.abs(z))) };
}

export interface ProportionComparisonOptions {
  /** @default 0.05 */
  readonly alpha?: number;
  /** Fewer trials than this on either side is never significant. @default LIMITS.minSamplesForSignificance */
  readonly minSamples?: number;
}

export interface ProportionComparison {
  /** Candidate proportion minus baseline proportion. */
  readonly difference: number;
  readonly pValue: number;
  /** pValue < alpha, and each side has at least `minSamples` trials. */
  readonly significant: boolean;
}

/** Compares a candidate's proportion with a baseline's (for feedback: their negative rates). */
export function compareProportions(
  baseline: ProportionSample,
  candidate: ProportionSample,
  options: ProportionComparisonOptions = {},
): ProportionComparison {
  const alpha = options.alpha ?? 0.05;
  const minSamples = options.minSamples ?? LIMITS.minSamplesForSignificance;
  const { pValue } = twoProportionZTest(baseline, candidate);
  return {
    difference: candidate.successes / candidate.trials - baseline.successes / baseline.trials,
    pValue,
    significant: pValue < alpha && baseline.trials >= minSamples && candidate.trials >= minSamples,
  };
}
