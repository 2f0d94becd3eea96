/**
 * The id of a feedback posted with an Idempotency-Key: derived from the route, the caller, the key and
 * the body, so a retry of the same request (after a Lambda was cut off, when Powertools no longer
 * answers it) writes the same item instead of a second one (docs/architecture.md, "Exact feedback
 * counts"). A UUID in form (version 8, "custom"), like the random ids of posts without a key.
 */
import { createHash } from 'node:crypto';

export function keyedFeedbackId(parts: {
  readonly route: string;
  readonly caller: string;
  readonly idempotencyKey: string | undefined;
  readonly body: string | undefined;
}): string | undefined {
  if (parts.idempotencyKey === undefined) return undefined;
  const hex = createHash('sha256')
    .update(JSON.stringify(['feedback', parts.route, parts.caller, parts.idempotencyKey, parts.body ?? '']))
    .digest('hex');
  const variant = ((Number.parseInt(hex.slice(16, 17), 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-8${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}
