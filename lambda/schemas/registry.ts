/** Request bodies of the registry routes. Unknown keys (including `__proto__`) are rejected. */
import * as v from 'valibot';
import type { ApproveRequest, ArchiveRequest, DeprecateRequest, PublishRequest } from '../../src/core/api.ts';
import { LIMITS } from '../../src/core/contracts.ts';
import { wireSchema } from './wire-schema.ts';

const message = v.pipe(
  v.string('must be a string'),
  v.maxLength(LIMITS.maxMessageLength, `must be at most ${LIMITS.maxMessageLength} characters`),
);

export const publishBody = wireSchema<PublishRequest>()(
  v.strictObject(
    {
      document: v.pipe(
        v.string('must be the .prompt.md text as a string'),
        v.minLength(1, 'must not be empty'),
      ),
      version: v.optional(v.string('must be a version string such as 1.2.0')),
      bump: v.optional(
        v.picklist(['auto', 'major', 'minor', 'patch'], 'must be one of auto, major, minor, patch'),
      ),
      message: v.optional(message),
    },
    'must be a JSON object with document and optional version, bump and message',
  ),
);

export const approveBody = wireSchema<ApproveRequest>()(
  v.strictObject({ comment: v.optional(message) }, 'must be a JSON object with an optional comment'),
);

/** A reason must say something: spaces alone are refused like an empty string. */
const reason = v.pipe(
  v.string('must be a string'),
  v.check((text) => text.trim().length > 0, 'must say why (it is empty)'),
  v.maxLength(LIMITS.maxMessageLength, `must be at most ${LIMITS.maxMessageLength} characters`),
);

export const deprecateBody = wireSchema<DeprecateRequest>()(
  v.strictObject(
    { reason },
    'must be a JSON object with a reason: why this version must not be deployed again',
  ),
);

export const archiveBody = wireSchema<ArchiveRequest>()(
  v.strictObject({ reason: v.optional(reason) }, 'must be a JSON object with an optional reason'),
);
