/** Read side of the registry. Every read is a GetItem or a Query: no scans. */
import type { DiffResponse, PromptDetails, PromptListItem } from '../../src/core/api.ts';
import { diffDocuments } from '../../src/core/diff.ts';
import { parsePromptDocument } from '../../src/core/document.ts';
import { NotFoundError } from '../../src/core/errors.ts';
import { assertPromptId } from '../../src/core/ids.ts';
import { assertVersion } from '../../src/core/versioning.ts';
import type { AuditEvent, AuditQuery, VersionRecord } from '../model.ts';
import type { Page, PageRequest, RegistryDeps } from '../ports.ts';

export interface VersionWithDocument extends VersionRecord {
  readonly document: string;
}

/**
 * Archived prompts (docs/maintenance.md) are left out unless `includeArchived`. The repository
 * filters them and refills the page, so a page holds `limit` prompts while more remain (docs/api.md,
 * "Pagination"); the filter here only keeps a repository that ignores the option honest.
 */
export async function listPrompts(
  deps: RegistryDeps,
  page: PageRequest,
  options: { readonly includeArchived?: boolean } = {},
): Promise<Page<PromptListItem>> {
  const result = await deps.prompts.listPrompts(page, { excludeArchived: !options.includeArchived });
  return options.includeArchived
    ? result
    : { ...result, items: result.items.filter((item) => !item.archived) };
}

async function latestOf(deps: RegistryDeps, id: string): Promise<VersionRecord> {
  const latest = await deps.prompts.getLatestVersion(assertPromptId(id));
  if (!latest) throw new NotFoundError(`Prompt ${id} does not exist`);
  return latest;
}

export async function getPrompt(
  deps: RegistryDeps,
  id: string,
  environments: readonly string[],
): Promise<PromptDetails> {
  assertPromptId(id);
  const [latest, pins, archived] = await Promise.all([
    latestOf(deps, id),
    deps.prompts.getEnvironmentPins(id, environments),
    deps.prompts.getArchival(id),
  ]);
  return {
    id: latest.id,
    latestVersion: latest.version,
    ...(latest.description !== undefined ? { description: latest.description } : {}),
    ...(latest.owner !== undefined ? { owner: latest.owner } : {}),
    environments: pins,
    ...(archived ? { archived } : {}),
  };
}

export async function listVersions(
  deps: RegistryDeps,
  id: string,
  page: PageRequest,
): Promise<Page<VersionRecord>> {
  const result = await deps.prompts.listVersions(assertPromptId(id), page);
  if (result.items.length === 0 && page.cursor === undefined)
    throw new NotFoundError(`Prompt ${id} does not exist`);
  return result;
}

async function versionWithText(deps: RegistryDeps, id: string, version: string, path = 'version') {
  const record = await deps.prompts.getVersion(assertPromptId(id), assertVersion(version, path));
  if (!record) throw new NotFoundError(`Prompt ${id} has no version ${version}`);
  const text = await deps.bodies.get(record.sha256);
  if (text === undefined)
    throw new Error(`The document of ${id}@${version} (${record.sha256}) is missing from the body store`);
  return { record, text };
}

export async function getVersion(
  deps: RegistryDeps,
  id: string,
  version: string,
): Promise<VersionWithDocument> {
  const { record, text } = await versionWithText(deps, id, version);
  return { ...record, document: text };
}

export async function diffVersions(
  deps: RegistryDeps,
  id: string,
  from: string,
  to: string,
): Promise<DiffResponse> {
  const [a, b] = await Promise.all([
    versionWithText(deps, id, from, 'from'),
    versionWithText(deps, id, to, 'to'),
  ]);
  return diffDocuments(
    id,
    { version: a.record.version, document: parsePromptDocument(a.text) },
    { version: b.record.version, document: parsePromptDocument(b.text) },
  );
}

export function listAudit(
  deps: RegistryDeps,
  query: AuditQuery,
  page: PageRequest,
): Promise<Page<AuditEvent>> {
  return deps.audit.list(query, page);
}
