/** Request bodies of the delivery routes. Pins are checked in depth by core `assertPins`. */
import * as v from 'valibot';
import type { DeployRequest, RollbackRequest } from '../../src/core/api.ts';
import { LIMITS } from '../../src/core/contracts.ts';
import { wireSchema } from './wire-schema.ts';

const text = (max: number) =>
  v.pipe(v.string('must be a string'), v.maxLength(max, `must be at most ${max} characters`));

/** The pins are read as unknown here and checked by `assertPins`, which gives better messages. */
type DeployBody = Omit<DeployRequest, 'prompts'> & { readonly prompts: Readonly<Record<string, unknown>> };

export const deployBody = wireSchema<DeployBody>()(
  v.strictObject(
    {
      prompts: v.pipe(
        v.record(v.string(), v.unknown(), 'must be an object of prompt id to version or { variants }'),
        v.check((pins) => Object.keys(pins).length > 0, 'must name at least one prompt'),
      ),
      strategy: v.optional(text(64)),
      description: v.optional(text(LIMITS.maxMessageLength)),
      allowDeprecated: v.optional(v.boolean('must be true or false')),
    },
    'must be a JSON object with prompts and optional strategy, description and allowDeprecated',
  ),
);

export const rollbackBody = wireSchema<RollbackRequest>()(
  v.strictObject(
    {
      prompts: v.optional(
        v.pipe(
          v.array(v.string('must be a prompt id'), 'must be a list of prompt ids'),
          v.minLength(1, 'must name at least one prompt; leave it out to roll back everything'),
        ),
      ),
      segments: v.optional(
        v.pipe(
          v.array(v.string('must be a segment name'), 'must be a list of segment names'),
          v.minLength(1, 'must name at least one segment; leave it out to roll back whole pins'),
        ),
      ),
      reason: v.optional(text(LIMITS.maxMessageLength)),
    },
    'must be a JSON object with optional prompts, segments and reason',
  ),
);
