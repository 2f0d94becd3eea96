/**
 * A deploy or rollback retried with its Idempotency-Key after it committed, when Powertools kept no
 * record of its answer (the Lambda was cut off, or saving the answer failed, after the last write):
 * the environment state remembers the request that started its latest revision, so the retry
 * answers that start instead of deploying again (docs/architecture.md, "Cut points: delivery").
 */
import { createHash } from 'node:crypto';
import type { DeliveryDeps } from './deps.ts';
import type { StartedRevision } from './start-revision.ts';

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

/** The answer of the start `requestKey` made, when it started the environment's latest revision. */
export async function replayedStart(
  deps: DeliveryDeps,
  environment: string,
  requestKey: string | undefined,
): Promise<StartedRevision | undefined> {
  if (requestKey === undefined) return undefined;
  const state = await deps.environments.get(environment);
  return state?.lastStart?.requestKey === requestKey ? state.lastStart.response : undefined;
}
