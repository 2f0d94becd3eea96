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

/**
 * Φ⁻¹(p), the standard normal quantile: Acklam's rational approximation refined by one Halley step
 * against {@link normalCdf}, which brings it to about 15 significant digits (the z of a confidence
 * level or a power in the intervals and the sample size below).
 */
export function normalQuantile(p: number): number {
  if (!(p > 0 && p < 1)) throw new RangeError(`p must be strictly between 0 and 1, got ${p}`);
  const a = [
    -39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716,
    2.506628277459239,
  ];
  const b = [
    -54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572,
  ];
  const c = [
    -0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968,
    2.938163982698783,
  ];
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
  const low = 0.02425;
  let x: number;
  if (p < low || p > 1 - low) {
    const q = Math.sqrt(-2 * Math.log(p < low ? p : 1 - p));
    const v =
      (((((c[0]! * q + c[1]!) * q + c[2]!) * q + c[3]!) * q + c[4]!) * q + c[5]!) /
      ((((d[0]! * q + d[1]!) * q + d[2]!) * q + d[3]!) * q + 1);
    x = p < low ? v : -v;
  } else {
    const q = p - 0.5;
    const r = q * q;
    x =
      ((((((a[0]! * r + a[1]!) * r + a[2]!) * r + a[3]!) * r + a[4]!) * r + a[5]!) * q) /
      (((((b[0]! * r + b[1]!) * r + b[2]!) * r + b[3]!) * r + b[4]!) * r + 1);
  }
  const e = normalCdf(x) - p;
  const u = e * SQRT_2PI * Math.exp((x * x) / 2);
  return x - u / (1 + (x * u) / 2);
}

/** A confidence interval. */
export interface Interval {
  readonly low: number;
  readonly high: number;
}

function zOf(confidence: number): number {
  if (!(confidence > 0 && confidence < 1))
    throw new RangeError(`confidence must be strictly between 0 and 1, got ${confidence}`);
  return normalQuantile(1 - (1 - confidence) / 2);
}

/**
 * The Wilson score interval of a proportion (E. B. Wilson, 1927; R. G. Newcombe, "Two-sided
 * confidence intervals for the single proportion", Statistics in Medicine 17, 1998, method 3). It
 * stays inside 0..1 and keeps its coverage at small counts and rates near 0 or 1, where the Wald
 * interval p̂ ± z·SE does not: feedback rates are often near 1 and samples small.
 */
export function wilsonInterval(sample: ProportionSample, confidence = 0.95): Interval {
  assertSample(sample, 'sample');
  const z = zOf(confidence);
  const n = sample.trials;
  const p = sample.successes / n;
  const z2 = z * z;
  const denominator = 1 + z2 / n;
  const centre = (p + z2 / (2 * n)) / denominator;
  const half = (z * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n))) / denominator;
  // At 0 or n successes the bound is exactly 0 or 1; the formula leaves floating-point noise there.
  return {
    low: sample.successes === 0 ? 0 : Math.max(0, centre - half),
    high: sample.successes === n ? 1 : Math.min(1, centre + half),
  };
}

/**
 * The interval of p₂ − p₁ from the two Wilson intervals (Newcombe's hybrid score interval, "Interval
 * estimation for the difference between independent proportions", Statistics in Medicine 17, 1998,
 * method 10): good coverage where the Wald difference interval is too narrow.
 */
export function differenceInterval(
  first: ProportionSample,
  second: ProportionSample,
  confidence = 0.95,
): Interval {
  assertSample(first, 'first');
  assertSample(second, 'second');
  const p1 = first.successes / first.trials;
  const p2 = second.successes / second.trials;
  const one = wilsonInterval(first, confidence);
  const two = wilsonInterval(second, confidence);
  const difference = p2 - p1;
  return {
    low: difference - Math.sqrt((p2 - two.low) ** 2 + (one.high - p1) ** 2),
    high: difference + Math.sqrt((two.high - p2) ** 2 + (p1 - one.low) ** 2),
  };
}

export interface SampleSizeOptions {
  /** Two-sided significance level. @default 0.05 */
  readonly alpha?: number;
  /** Probability of detecting the difference when it is real. @default 0.8 */
  readonly power?: number;
}

/**
 * Trials needed in each group for a two-sided two-proportion z-test at `alpha` to detect p₁ versus
 * p₂ with `power` (J. L. Fleiss, B. Levin, M. C. Paik, "Statistical Methods for Rates and
 * Proportions", 3rd ed., 2003, eq. 4.14, without continuity correction), rounded up. Infinity when
 * the two proportions are equal: no sample detects a difference of zero.
 */
export function sampleSizePerGroup(p1: number, p2: number, options: SampleSizeOptions = {}): number {
  for (const [name, p] of [
    ['p1', p1],
    ['p2', p2],
  ] as const) {
    if (!(p >= 0 && p <= 1)) throw new RangeError(`${name} must be a proportion from 0 to 1, got ${p}`);
  }
  if (p1 === p2) return Number.POSITIVE_INFINITY;
  const zAlpha = normalQuantile(1 - (options.alpha ?? 0.05) / 2);
  const zBeta = normalQuantile(options.power ?? 0.8);
  const mean = (p1 + p2) / 2;
  const root = zAlpha * Math.sqrt(2 * mean * (1 - mean)) + zBeta * Math.sqrt(p1 * (1 - p1) + p2 * (1 - p2));
  // The tiny epsilon keeps an exact whole-number result from rounding up by floating-point noise.
  return Math.ceil((root * root) / (p1 - p2) ** 2 - 1e-9);
}
