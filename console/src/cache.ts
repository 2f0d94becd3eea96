/**
 * Versions are immutable (docs/api.md), so the console keeps each one it has read for the rest of the
 * session: opening a prompt again, a diff or a preview never reads a version twice.
 */
import type { PromptListItem, VersionDetails, VersionSummary } from '../../src/core/api.ts';
import { get, getAll, seg } from './api.ts';

const versions = new Map<string, Promise<VersionDetails>>();

export function versionDetails(id: string, version: string): Promise<VersionDetails> {
  const key = `${id}@${version}`;
  let found = versions.get(key);
  if (!found) {
    found = get<VersionDetails>(`/prompts/${seg(id)}/versions/${seg(version)}`);
    // A failed read is not kept: the next look tries again.
    found.catch(() => versions.delete(key));
    versions.set(key, found);
  }
  return found;
}

/** Pages of 100 the prompt list follows: 10,000 prompts (docs/architecture.md, "Listing at 10,000 prompts"). */
const PROMPT_LIST_PAGES = 100;

export const listPrompts = () => getAll<PromptListItem>('/prompts', {}, PROMPT_LIST_PAGES);

export const listVersions = (id: string) => getAll<VersionSummary>(`/prompts/${seg(id)}/versions`);
