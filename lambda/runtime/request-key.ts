/**
 * Names one write request for a same-key retry that Powertools no longer answers (the Lambda was cut
 * off, or saving its answer failed): its route, caller, Idempotency-Key and body, hashed. The write
 * stores it with its effect, so the retry finds that effect instead of making a second one
 * (docs/architecture.md, "Idempotent writes").
 */
import { createHash } from 'node:crypto';

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
