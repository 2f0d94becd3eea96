/**
 * Live updates by polling (docs/console.md): a short interval while something moves (a deployment
 * rolling out or baking, an evaluation running), a longer one when idle, and exponential backoff with
 * jitter after failures, so a console left open never hammers an API that is struggling.
 */

export interface PollTiming {
  /** While a deployment or run is in progress. @default 1000 */
  readonly activeMs?: number;
  /** When nothing is in progress. @default 5000 */
  readonly idleMs?: number;
  /** The ceiling of the backoff. @default 30000 */
  readonly maxMs?: number;
}

/**
 * The wait before the next poll: after `failures` consecutive failures, `idle` doubled per failure
 * (capped, with up to 20% jitter from `random`); otherwise the active or idle interval.
 */
export function nextPollDelay(
  state: { readonly failures: number; readonly active: boolean },
  timing: PollTiming = {},
  random: () => number = Math.random,
): number {
  const activeMs = timing.activeMs ?? 1000;
  const idleMs = timing.idleMs ?? 5000;
  const maxMs = timing.maxMs ?? 30_000;
  if (state.failures <= 0) return state.active ? activeMs : idleMs;
  const base = Math.min(maxMs, idleMs * 2 ** (state.failures - 1));
  return Math.round(base * (1 - 0.2 * random()));
}
