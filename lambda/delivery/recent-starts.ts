/**
 * The starts an environment state remembers, newest first, each under the replay.ts key of the
 * request that made it, so a same-key retry finds its own start after later deploys committed.
 */
import type { EnvironmentState, RecordedStart } from './model.ts';

/** How many starts the environment state remembers for same-key retries (a few KB at most). */
export const RECENT_STARTS = 20;

/** What a commit of `start` keeps: it as `lastStart`, and the recent starts with it first. */
export function withStart(
  state: EnvironmentState,
  start: RecordedStart | undefined,
): Pick<EnvironmentState, 'lastStart' | 'recentStarts'> {
  if (start === undefined) return {};
  const earlier = startsOf(state).filter((s) => s.requestKey !== start.requestKey);
  return { lastStart: start, recentStarts: [start, ...earlier].slice(0, RECENT_STARTS) };
}

/** The recent starts (a state committed before they were kept has `lastStart` alone). */
export function startsOf(state: EnvironmentState | undefined): readonly RecordedStart[] {
  return state?.recentStarts ?? (state?.lastStart ? [state.lastStart] : []);
}
