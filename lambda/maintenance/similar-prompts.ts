/**
 * `GET /prompts?similar-to=<id>` (docs/maintenance.md, "Near-duplicates"): the latest version of every
 * prompt that is not archived, compared with the latest version of `id` by core `similarPrompts`.
 * Reads every prompt's summary and document: a GetItem and an S3 read per prompt, a few at a time.
 */
import type { SimilarPromptsResponse } from '../../src/core/api.ts';
import { BadRequestError, displayValue, NotFoundError } from '../../src/core/errors.ts';
import { assertPromptId } from '../../src/core/ids.ts';
import {
  type ComparedPrompt,
  DEFAULT_DUPLICATE_THRESHOLD,
  similarPrompts,
} from '../../src/core/near-duplicates.ts';
import type { PromptSummary } from '../model.ts';
import type { RegistryDeps } from '../ports.ts';
import { loadDocument } from '../registry/document-cache.ts';

/** Documents read at once: bounds the S3 and DynamoDB requests in flight from one Lambda. */
const CONCURRENCY = 8;

export function parseThreshold(raw: string | undefined): number {
  if (raw === undefined) return DEFAULT_DUPLICATE_THRESHOLD;
  const value = /^(0(\.\d+)?|1(\.0+)?)$/.test(raw) ? Number(raw) : Number.NaN;
  if (!(value > 0 && value <= 1))
    throw new BadRequestError(
      `threshold ${displayValue(raw)} must be a number above 0 and at most 1, such as 0.8`,
    );
  return value;
}

async function allSummaries(deps: RegistryDeps): Promise<PromptSummary[]> {
  const items: PromptSummary[] = [];
  let cursor: string | undefined;
  do {
    const page = await deps.prompts.listPrompts({ limit: 100, ...(cursor ? { cursor } : {}) });
    items.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor);
  return items;
}

async function latestCompared(
  deps: RegistryDeps,
  summary: PromptSummary,
): Promise<ComparedPrompt | undefined> {
  const record = await deps.prompts.getVersion(summary.id, summary.latestVersion);
  if (!record) return undefined;
  const document = await loadDocument(deps.bodies, record.sha256);
  if (!document)
    throw new Error(
      `The document of ${record.id}@${record.version} (${record.sha256}) is missing from the body store`,
    );
  return { id: record.id, version: record.version, document };
}

export async function findSimilarPrompts(
  deps: RegistryDeps,
  rawId: string,
  threshold: number,
): Promise<SimilarPromptsResponse> {
  const id = assertPromptId(rawId, 'similar-to');
  const summaries = await allSummaries(deps);
  const own = summaries.find((s) => s.id === id);
  if (!own) throw new NotFoundError(`Prompt ${id} does not exist`);
  const target = await latestCompared(deps, own);
  if (!target) throw new NotFoundError(`Prompt ${id} does not exist`);
  const others = summaries.filter((s) => s.id !== id && !s.archived);
  const compared: ComparedPrompt[] = [];
  for (let i = 0; i < others.length; i += CONCURRENCY) {
    const batch = await Promise.all(others.slice(i, i + CONCURRENCY).map((s) => latestCompared(deps, s)));
    for (const entry of batch) if (entry) compared.push(entry);
  }
  const items = similarPrompts(target, compared, threshold).map((pair) => ({
    id: pair.b.id,
    version: pair.b.version as string,
    similarity: pair.similarity,
    sections: pair.sections,
  }));
  return { id, version: target.version as string, threshold, items };
}
