/**
 * A deploy or rollback retried with its Idempotency-Key after it committed, when Powertools kept no
 * record of its answer (the Lambda was cut off, or saving the answer failed, after the last write):
 * the environment state remembers the requests that started its latest revisions, so the retry
 * answers that start instead of deploying again (docs/architecture.md, "Cut points: delivery").
 */
import { finishCommittedStart } from './crashed-start.ts';
import type { DeliveryDeps } from './deps.ts';
import { startsOf } from './recent-starts.ts';
import type { StartedRevision } from './start-revision.ts';

export { requestKeyOf } from '../runtime/request-key.ts';

/**
 * The answer of the start `requestKey` made, when it is one of the environment's recent starts. Its
 * follow-up writes are made again first (each is idempotent): the request may have been cut off
 * right after its commit.
 */
export async function replayedStart(
  deps: DeliveryDeps,
  environment: string,
  requestKey: string | undefined,
  requestId: string,
): Promise<StartedRevision | undefined> {
  if (requestKey === undefined) return undefined;
  const state = await deps.environments.get(environment);
  const response = startsOf(state).find((start) => start.requestKey === requestKey)?.response;
  if (state && response) await finishCommittedStart(deps, state, response, requestId);
  return response;
}
