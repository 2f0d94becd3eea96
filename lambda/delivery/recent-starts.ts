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
  const earlier = startsOf(state)
    .filter((s) => s.requestKey !== start.requestKey)
    .slice(0, RECENT_STARTS - 1)
    .map(slim);
  return { lastStart: start, recentStarts: [slim(start), ...earlier] };
}

/**
 * A start's answer without its per-prompt lists (`evaluations`, `deprecated`): at thousands of
 * prompts 20 full answers would outgrow the state item (400 KB), so only `lastStart` keeps them.
 */
function slim(start: RecordedStart): RecordedStart {
  const { environment, deploymentNumber, state, revision } = start.response;
  return { requestKey: start.requestKey, response: { environment, deploymentNumber, state, revision } };
}

/** The recent starts, `lastStart` (in full) first. */
export function startsOf(state: EnvironmentState | undefined): readonly RecordedStart[] {
  const last = state?.lastStart;
  const recent = (state?.recentStarts ?? []).filter((s) => s.requestKey !== last?.requestKey);
  return last ? [last, ...recent] : recent;
}
