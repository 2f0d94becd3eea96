/**
 * The deploy gate's library-maintenance checks (docs/maintenance.md): an archived prompt is never
 * deployed, and a deprecated version only when the request says `allowDeprecated: true`. A rollback
 * is not refused a deprecated version (it restores what ran before); the answer names it instead.
 */
import type { DeprecatedVersionRef } from '../../src/core/api.ts';
import { mapBounded } from '../../src/core/bounded.ts';
import { VersionDeprecatedError } from '../../src/core/errors.ts';
import { refuseArchived } from '../maintenance/archival.ts';
import type { VersionRecord } from '../model.ts';
import type { PromptRepository } from '../ports.ts';

export interface PinnedRecord {
  readonly id: string;
  readonly record: VersionRecord;
}

/** Archival reads in flight at once: a first deploy of 10,000 prompts reads 10,000 summaries. */
const ARCHIVAL_READS_IN_FLIGHT = 32;

/** Refuses when any of `ids` (the prompts a deploy pins anew) is archived. */
export async function checkArchived(
  prompts: Pick<PromptRepository, 'getArchival' | 'getArchivals'>,
  ids: readonly string[],
): Promise<void> {
  const archivals = prompts.getArchivals
    ? await prompts.getArchivals(ids)
    : await mapBounded(ids, ARCHIVAL_READS_IN_FLIGHT, (id) => prompts.getArchival(id));
  ids.forEach((id, i) => {
    refuseArchived(id, archivals[i], 'deploying it');
  });
}

/** The deprecated versions among `entries`, each once. */
export function deprecatedAmong(entries: readonly PinnedRecord[]): DeprecatedVersionRef[] {
  const seen = new Set<string>();
  const result: DeprecatedVersionRef[] = [];
  for (const { id, record } of entries) {
    const key = `${id}@${record.version}`;
    if (!record.deprecation || seen.has(key)) continue;
    seen.add(key);
    result.push({ id, version: record.version, reason: record.deprecation.reason });
  }
  return result;
}

/** 422 VERSION_DEPRECATED naming every deprecated version being deployed, unless they are allowed. */
export function checkDeprecated(
  gated: readonly PinnedRecord[],
  allowDeprecated: boolean,
): DeprecatedVersionRef[] {
  const deprecated = deprecatedAmong(gated);
  if (deprecated.length > 0 && !allowDeprecated) {
    throw new VersionDeprecatedError(
      `These versions are deprecated: ${deprecated.map((d) => `${d.id}@${d.version} (${d.reason})`).join(', ')}. Deploy a newer version, or pass allowDeprecated: true (promptops deploy --allow-deprecated) to deploy them anyway`,
      { extensions: { versions: deprecated } },
    );
  }
  return deprecated;
}
