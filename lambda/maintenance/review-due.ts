/**
 * The review-due report (docs/maintenance.md, "Review reminders"): every version an environment pins,
 * with its publish time, owner and `model.id`, judged by core `reviewDue`. The daily reminder and
 * `GET /review-due` both build it here.
 */
import type { ReviewDueReport } from '../../src/core/api.ts';
import type { ModelRetirement } from '../../src/core/model-retirements.ts';
import { pinVersions } from '../../src/core/pins.ts';
import { type PinnedVersion, reviewDue } from '../../src/core/review-due.ts';
import type { BodyStore, PromptRepository } from '../ports.ts';
import { loadDocument } from '../registry/document-cache.ts';

export interface ReviewDueDeps {
  readonly prompts: Pick<PromptRepository, 'getAllEnvironmentPins' | 'getVersion'>;
  readonly bodies: BodyStore;
  readonly now: () => Date;
}

export interface ReviewDueSettings {
  readonly environments: readonly string[];
  readonly reviewEveryDays: number;
  /** The shipped list merged with the deployment's own (model-retirements.ts). */
  readonly retirements: readonly ModelRetirement[];
}

/** Versions read at once. */
const CONCURRENCY = 8;

export async function pinnedVersions(
  deps: ReviewDueDeps,
  environments: readonly string[],
): Promise<PinnedVersion[]> {
  const byEnvironment = await deps.prompts.getAllEnvironmentPins(environments);
  const where = new Map<string, { id: string; version: string; environments: string[] }>();
  for (const environment of environments) {
    for (const [id, pin] of Object.entries(byEnvironment[environment] ?? {})) {
      for (const version of pinVersions(pin)) {
        const key = `${id}@${version}`;
        const entry = where.get(key) ?? { id, version, environments: [] };
        if (!entry.environments.includes(environment)) entry.environments.push(environment);
        where.set(key, entry);
      }
    }
  }
  const entries = [...where.values()];
  const pinned: PinnedVersion[] = [];
  for (let i = 0; i < entries.length; i += CONCURRENCY) {
    const batch = await Promise.all(
      entries.slice(i, i + CONCURRENCY).map(async (entry) => {
        const record = await deps.prompts.getVersion(entry.id, entry.version);
        if (!record) return undefined;
        const document = await loadDocument(deps.bodies, record.sha256);
        const modelId = document?.model?.id;
        const owner = record.owner ?? document?.owner;
        return {
          promptId: entry.id,
          version: entry.version,
          environments: entry.environments,
          createdAt: record.createdAt,
          ...(owner !== undefined ? { owner } : {}),
          ...(typeof modelId === 'string' ? { modelId } : {}),
        } satisfies PinnedVersion;
      }),
    );
    for (const entry of batch) if (entry) pinned.push(entry);
  }
  return pinned;
}

export async function reviewDueReport(
  deps: ReviewDueDeps,
  settings: ReviewDueSettings,
): Promise<ReviewDueReport> {
  const now = deps.now();
  const pinned = await pinnedVersions(deps, settings.environments);
  return {
    generatedAt: now.toISOString(),
    reviewEveryDays: settings.reviewEveryDays,
    items: reviewDue(pinned, {
      now,
      reviewEveryDays: settings.reviewEveryDays,
      retirements: settings.retirements,
    }),
  };
}
