import { sha256Hex } from '../src/core/hash.ts';
import type { AuditEvent } from './model.ts';

/**
 * Builds an audit event whose id is derived from what happened (action, target and a discriminator
 * such as the approving principal), never from the request, so a retried request adds nothing.
 */
export function auditEvent(fields: Omit<AuditEvent, 'eventId'>, discriminator = ''): AuditEvent {
  const eventId = sha256Hex(`${fields.action}\n${fields.target}\n${discriminator}`).slice(0, 32);
  return { eventId, ...fields };
}
