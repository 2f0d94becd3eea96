/**
 * The rollout model: what percentage of clients a deployment reaches at a given moment, from its
 * strategy. Pure functions of elapsed time, so a deployment resumed after a restart follows exactly
 * the schedule it started with.
 *
 * - The deployment time is cut into as many equal intervals as the strategy has steps. Nobody gets
 *   the new version during the first interval; after interval k the k-th step's percentage holds, and
 *   100 percent is reached exactly when the deployment time ends. Then the bake time runs (BAKING),
 *   then the deployment is COMPLETE.
 * - LINEAR steps: growthFactor, 2 × growthFactor, ... capped at 100 (Linear20PercentEvery6Minutes:
 *   20, 40, 60, 80, 100, one every 6 minutes over 30).
 * - EXPONENTIAL steps: AppConfig's G × 2^N for N = 0, 1, 2, ... capped at 100 (Canary10Percent20Minutes:
 *   10, 20, 40, 80, 100, one every 4 minutes over 20).
 * - A deployment time of 0 (AllAtOnce) reaches 100 percent at once.
 */
import type { GrowthType } from '../../core/contracts.ts';

export type RolloutPhase = 'DEPLOYING' | 'BAKING' | 'COMPLETE';

export interface RolloutSchedule {
  readonly growthType: GrowthType;
  readonly growthFactor: number;
  /** Time from start to 100 percent, already divided by the time scale. */
  readonly deployMs: number;
  /** Time from 100 percent to COMPLETE, already divided by the time scale. */
  readonly bakeMs: number;
}

export interface RolloutStep {
  /** Milliseconds after the start at which the step's percentage is reached. */
  readonly atMs: number;
  readonly percentage: number;
}

export interface RolloutPosition {
  readonly phase: RolloutPhase;
  readonly percentage: number;
}

const MINUTE_MS = 60_000;

/** A strategy's minutes as wall-clock milliseconds under `timeScale` (minutes divided by it). */
export function scaledMinutes(minutes: number, timeScale: number): number {
  return Math.max(0, Math.round((minutes * MINUTE_MS) / timeScale));
}

/** The percentages a strategy steps through, ending at 100. */
export function stepPercentages(growthType: GrowthType, growthFactor: number): number[] {
  if (!(growthFactor > 0)) throw new RangeError(`growthFactor must be positive, got ${growthFactor}`);
  const out: number[] = [];
  for (let n = 0; out.at(-1) !== 100; n++) {
    const raw = growthType === 'EXPONENTIAL' ? growthFactor * 2 ** n : growthFactor * (n + 1);
    out.push(Math.min(100, roundPercentage(raw)));
  }
  return out;
}

/** Every step with the moment it is reached; a zero deployment time reaches 100 percent at once. */
export function rolloutSteps(schedule: RolloutSchedule): RolloutStep[] {
  if (schedule.deployMs <= 0) return [{ atMs: 0, percentage: 100 }];
  const percentages = stepPercentages(schedule.growthType, schedule.growthFactor);
  const interval = schedule.deployMs / percentages.length;
  return percentages.map((percentage, i) => ({
    // The last step lands exactly on the deployment time, whatever the rounding of the intervals.
    atMs: i === percentages.length - 1 ? schedule.deployMs : Math.round(interval * (i + 1)),
    percentage,
  }));
}

export function positionAt(schedule: RolloutSchedule, elapsedMs: number): RolloutPosition {
  if (elapsedMs >= schedule.deployMs + schedule.bakeMs) return { phase: 'COMPLETE', percentage: 100 };
  if (elapsedMs >= schedule.deployMs) return { phase: 'BAKING', percentage: 100 };
  let percentage = 0;
  for (const step of rolloutSteps(schedule)) if (step.atMs <= elapsedMs) percentage = step.percentage;
  return { phase: 'DEPLOYING', percentage };
}

/**
 * Whether a client in `bucket` (0 to 99) gets the deployment at `percentage`: buckets below the
 * percentage do, so 10 percent is exactly buckets 0 to 9 and 0 percent is nobody.
 */
export function bucketReceives(bucket: number, percentage: number): boolean {
  return bucket < percentage;
}

function roundPercentage(value: number): number {
  return Math.round(value * 100) / 100;
}
