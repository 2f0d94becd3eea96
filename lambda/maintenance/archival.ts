/**
 * Archiving a prompt (docs/maintenance.md): retires a prompt that no environment pins. It leaves the
 * listings, and publishing or deploying it is refused (PROMPT_ARCHIVED), but its versions, bodies and
 * audit stay. One conditional update on the prompt's summary item sets or clears the flag.
 *
 * The pins are read before the flag is set, without a transaction: a deploy racing the archive can
 * pin the prompt in between. The deploy gate reads the flag too, so at most that one racing deploy
 * gets through; `promptops status` shows the pin, and archiving again is refused until it is removed.
 */
import type { Archival } from '../../src/core/api.ts';
import { NotFoundError, PromptArchivedError, PromptInUseError } from '../../src/core/errors.ts';
import { assertPromptId } from '../../src/core/ids.ts';
import { type Pin, pinVersions } from '../../src/core/pins.ts';
import { auditEvent } from '../audit-events.ts';
import type { RegistryDeps } from '../ports.ts';

export interface ArchiveInput {
  readonly id: string;
  readonly reason?: string;
  readonly caller: string;
  readonly requestId: string;
  /** Every configured environment: archiving needs none of them to pin the prompt. */
  readonly environments: readonly string[];
}

export interface ArchiveResult {
  /** False when the prompt was already archived (its archival is answered). */
  readonly created: boolean;
  readonly archived: Archival;
}

const missing = (id: string) => new NotFoundError(`Prompt ${id} does not exist`);

export async function archivePrompt(deps: RegistryDeps, input: ArchiveInput): Promise<ArchiveResult> {
  const id = assertPromptId(input.id);
  const [latest, existing] = await Promise.all([
    deps.prompts.getLatestVersion(id),
    deps.prompts.getArchival(id),
  ]);
  if (!latest) throw missing(id);
  let archived = existing;
  let created = false;
  if (!archived) {
    const pins = await deps.prompts.getEnvironmentPins(id, input.environments);
    const environments = Object.keys(pins);
    if (environments.length > 0) {
      const where = environments.map((env) => `${env} (${pinVersions(pins[env] as Pin).join(', ')})`);
      throw new PromptInUseError(
        `Prompt ${id} is still deployed in ${where.join(', ')}: remove it from ${environments.length === 1 ? 'that environment' : 'those environments'} before archiving`,
        { extensions: { environments } },
      );
    }
    const candidate: Archival = {
      by: input.caller,
      at: deps.now().toISOString(),
      ...(input.reason !== undefined ? { reason: input.reason.trim() } : {}),
    };
    const outcome = await deps.prompts.setArchival(id, candidate);
    if (outcome === 'missing') throw missing(id);
    created = outcome === 'set';
    archived = created ? candidate : ((await deps.prompts.getArchival(id)) ?? candidate);
  }
  await deps.audit.append(
    auditEvent(
      {
        at: archived.at,
        actor: archived.by,
        action: 'prompt.archive',
        target: id,
        details: archived.reason !== undefined ? { reason: archived.reason } : {},
        requestId: input.requestId,
        promptId: id,
      },
      archived.at,
    ),
  );
  return { created, archived };
}

export async function unarchivePrompt(
  deps: RegistryDeps,
  input: Omit<ArchiveInput, 'environments' | 'reason'>,
): Promise<void> {
  const id = assertPromptId(input.id);
  const [latest, existing] = await Promise.all([
    deps.prompts.getLatestVersion(id),
    deps.prompts.getArchival(id),
  ]);
  if (!latest) throw missing(id);
  if (!existing) return;
  const outcome = await deps.prompts.clearArchival(id);
  if (outcome === 'missing') throw missing(id);
  if (outcome === 'absent') return;
  await deps.audit.append(
    auditEvent(
      {
        at: deps.now().toISOString(),
        actor: input.caller,
        action: 'prompt.unarchive',
        target: id,
        details: { archivedAt: existing.at },
        requestId: input.requestId,
        promptId: id,
      },
      existing.at,
    ),
  );
}

/** Refuses a write to an archived prompt (publish, deploy), naming who archived it and how to undo it. */
export function refuseArchived(id: string, archived: Archival | undefined, what: string): void {
  if (!archived) return;
  throw new PromptArchivedError(
    `Prompt ${id} is archived (by ${archived.by} at ${archived.at}${archived.reason ? `: ${archived.reason}` : ''}); ${what} is refused: run promptops unarchive ${id} first`,
    { extensions: { archived } },
  );
}
