/**
 * Feedback rates with their uncertainty: the Wilson score interval of a proportion, which stays inside
 * 0..1 and behaves with few ratings, where the normal approximation does not (docs/console.md).
 */

export interface RateInterval {
  /** successes / trials, 0 when there are no trials. */
  readonly rate: number;
  readonly low: number;
  readonly high: number;
}

/** z of a two-sided 95% interval. */
const Z95 = 1.959963984540054;

export function wilsonInterval(successes: number, trials: number, z = Z95): RateInterval {
  if (trials <= 0) return { rate: 0, low: 0, high: 1 };
  const p = successes / trials;
  const z2 = z * z;
  const centre = (p + z2 / (2 * trials)) / (1 + z2 / trials);
  const half = (z * Math.sqrt((p * (1 - p)) / trials + z2 / (4 * trials * trials))) / (1 + z2 / trials);
  return { rate: p, low: Math.max(0, centre - half), high: Math.min(1, centre + half) };
}

/** `12.5% (95% CI 8.1–18.7%)`. */
export function formatInterval(interval: RateInterval): string {
  const pct = (x: number) => (x * 100).toFixed(1);
  return `${pct(interval.rate)}% (95% CI ${pct(interval.low)}–${pct(interval.high)}%)`;
}
