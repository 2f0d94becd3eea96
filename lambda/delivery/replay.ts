/**
 * A deploy or rollback retried with its Idempotency-Key after it committed, when Powertools kept no
 * record of its answer (the Lambda was cut off, or saving the answer failed, after the last write):
 * the environment state remembers the requests that started its latest revisions, so the retry
 * answers that start instead of deploying again (docs/architecture.md, "Cut points: delivery").
 */
import { createHash } from 'node:crypto';
import type { DeliveryDeps } from './deps.ts';
import type { EnvironmentState, RecordedStart } from './model.ts';
import type { StartedRevision } from './start-revision.ts';

/** How many starts the environment state remembers for same-key retries (a few KB at most). */
export const RECENT_STARTS = 20;

/** Names one request: its route, caller, Idempotency-Key and body, hashed. */
export function requestKeyOf(parts: {
  route: string;
  caller: string;
  idempotencyKey: string | undefined;
  body: string | undefined;
}): string | undefined {
  if (parts.idempotencyKey === undefined) return undefined;
  return createHash('sha256')
    .update(JSON.stringify([parts.route, parts.caller, parts.idempotencyKey, parts.body ?? '']))
    .digest('base64url');
}

/** The answer of the start `requestKey` made, when it is one of the environment's recent starts. */
export async function replayedStart(
  deps: DeliveryDeps,
  environment: string,
  requestKey: string | undefined,
): Promise<StartedRevision | undefined> {
  if (requestKey === undefined) return undefined;
  const state = await deps.environments.get(environment);
  return startsOf(state).find((start) => start.requestKey === requestKey)?.response;
}

/** What a commit of `start` keeps: it as `lastStart`, and the recent starts with it first. */
export function withStart(
  state: EnvironmentState,
  start: RecordedStart | undefined,
): Pick<EnvironmentState, 'lastStart' | 'recentStarts'> {
  if (start === undefined) return {};
  const earlier = startsOf(state).filter((s) => s.requestKey !== start.requestKey);
  return { lastStart: start, recentStarts: [start, ...earlier].slice(0, RECENT_STARTS) };
}

function startsOf(state: EnvironmentState | undefined): readonly RecordedStart[] {
  return state?.recentStarts ?? (state?.lastStart ? [state.lastStart] : []);
}
