/**
 * The rollout's percentage over time, as the console sees it while polling GET /environments/{env}:
 * one sample per poll, per deployment number, kept in memory for the chart beside the deployment.
 */

export interface RolloutSample {
  /** Milliseconds since the epoch. */
  readonly at: number;
  readonly percentage: number;
  readonly state: string;
}

/** At most this many samples per deployment (an hour at one poll a second). */
const MAX_SAMPLES = 3600;

/**
 * The series with the latest observation: a new deployment number starts a new series (beginning at
 * its start time with 0%), and a repeat of the last state and percentage only moves the end time.
 */
export function addSample(
  series: readonly RolloutSample[],
  sample: RolloutSample,
  startedAt?: number,
): RolloutSample[] {
  const next =
    series.length === 0 && startedAt !== undefined && startedAt < sample.at
      ? [{ at: startedAt, percentage: 0, state: 'STARTED' }]
      : [...series];
  const last = next.at(-1);
  const previous = next.at(-2);
  if (
    last &&
    previous &&
    last.percentage === sample.percentage &&
    last.state === sample.state &&
    previous.percentage === sample.percentage &&
    previous.state === sample.state
  )
    next[next.length - 1] = sample;
  else next.push(sample);
  return next.slice(-MAX_SAMPLES);
}

/** SVG polyline points for the samples in a `width` x `height` box: time across, percentage up. */
export function chartPoints(series: readonly RolloutSample[], width: number, height: number): string {
  if (series.length === 0) return '';
  const first = (series[0] as RolloutSample).at;
  const span = Math.max(1, (series.at(-1) as RolloutSample).at - first);
  return series
    .map(
      (s) =>
        `${(((s.at - first) / span) * width).toFixed(1)},${(height - (s.percentage / 100) * height).toFixed(1)}`,
    )
    .join(' ');
}
