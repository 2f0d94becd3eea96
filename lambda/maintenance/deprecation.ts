/**
 * Deprecating a version (docs/maintenance.md): marks it not to be deployed again, with why. The mark
 * is one conditional update on the version item; a retry answers with the first mark and repairs its
 * audit record. Undeprecating removes the mark. Both take a reviewer's rights (the review handler).
 */
import type { Deprecation } from '../../src/core/api.ts';
import { NotFoundError } from '../../src/core/errors.ts';
import { assertPromptId } from '../../src/core/ids.ts';
import { assertVersion } from '../../src/core/versioning.ts';
import { auditEvent } from '../audit-events.ts';
import type { RegistryDeps } from '../ports.ts';

export interface DeprecationInput {
  readonly id: string;
  readonly version: string;
  readonly caller: string;
  readonly requestId: string;
}

export interface DeprecationResult {
  /** False when the version was already deprecated (the first mark is answered). */
  readonly created: boolean;
  readonly deprecation: Deprecation;
}

const missing = (id: string, version: string) =>
  new NotFoundError(
    `Prompt ${id} has no version ${version}: name a published version (promptops history ${id})`,
  );

export async function deprecateVersion(
  deps: RegistryDeps,
  input: DeprecationInput & { readonly reason: string },
): Promise<DeprecationResult> {
  const id = assertPromptId(input.id);
  const version = assertVersion(input.version);
  const candidate: Deprecation = {
    by: input.caller,
    at: deps.now().toISOString(),
    reason: input.reason.trim(),
  };
  const outcome = await deps.prompts.setDeprecation(id, version, candidate);
  if (outcome === 'missing') throw missing(id, version);
  let deprecation = candidate;
  if (outcome === 'exists') {
    const current = await deps.prompts.getVersion(id, version);
    if (!current) throw missing(id, version);
    // Deprecated by someone else, or undeprecated meanwhile: answer with what is stored.
    deprecation = current.deprecation ?? candidate;
  }
  // The event id comes from the mark's time, so a retry adds nothing and a later mark is a new event.
  await deps.audit.append(
    auditEvent(
      {
        at: deprecation.at,
        actor: deprecation.by,
        action: 'prompt.deprecate',
        target: `${id}@${version}`,
        details: { reason: deprecation.reason },
        requestId: input.requestId,
        promptId: id,
      },
      deprecation.at,
    ),
  );
  return { created: outcome === 'set', deprecation };
}

/** Lifts a deprecation; lifting one that is not there is a no-op answered the same way. */
export async function undeprecateVersion(deps: RegistryDeps, input: DeprecationInput): Promise<void> {
  const id = assertPromptId(input.id);
  const version = assertVersion(input.version);
  const current = await deps.prompts.getVersion(id, version);
  if (!current) throw missing(id, version);
  if (!current.deprecation) return;
  const outcome = await deps.prompts.clearDeprecation(id, version);
  if (outcome === 'missing') throw missing(id, version);
  if (outcome === 'absent') return;
  await deps.audit.append(
    auditEvent(
      {
        at: deps.now().toISOString(),
        actor: input.caller,
        action: 'prompt.undeprecate',
        target: `${id}@${version}`,
        details: { deprecatedAt: current.deprecation.at, reason: current.deprecation.reason },
        requestId: input.requestId,
        promptId: id,
      },
      current.deprecation.at,
    ),
  );
}
