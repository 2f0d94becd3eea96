/**
 * Which pinned versions are due for review (docs/maintenance.md, "Review reminders"): a version an
 * environment serves that was published more than `reviewEveryDays` ago, or whose `model.id` is on the
 * retirement list. The daily reminder Lambda, `GET /review-due` and `promptops review-due` all answer
 * with this one function's result.
 */
import type { ReviewDueItem, ReviewReason } from './api.ts';
import { type ModelRetirement, retirementOf } from './model-retirements.ts';
import { DEFAULT_SETTINGS } from './settings.ts';

export const DEFAULT_REVIEW_EVERY_DAYS = DEFAULT_SETTINGS.reviewEveryDays;

const DAY_MS = 86_400_000;

/** A version some environment pins, with what the rules read of it. */
export interface PinnedVersion {
  readonly promptId: string;
  readonly version: string;
  readonly environments: readonly string[];
  /** When the version was published (ISO 8601). */
  readonly createdAt: string;
  readonly owner?: string;
  readonly modelId?: string;
}

export interface ReviewDueOptions {
  readonly now: Date;
  readonly reviewEveryDays: number;
  readonly retirements: readonly ModelRetirement[];
}

/** Whole days from `from` to `to`, rounded down. */
function daysBetween(from: number, to: number): number {
  return Math.floor((to - from) / DAY_MS);
}

/** The pinned versions due for review, oldest first; a version that is not due is left out. */
export function reviewDue(pinned: readonly PinnedVersion[], options: ReviewDueOptions): ReviewDueItem[] {
  const now = options.now.getTime();
  const items: ReviewDueItem[] = [];
  for (const entry of pinned) {
    const reasons: ReviewReason[] = [];
    const ageDays = daysBetween(Date.parse(entry.createdAt), now);
    if (ageDays >= options.reviewEveryDays)
      reasons.push({ kind: 'age', ageDays, reviewEveryDays: options.reviewEveryDays });
    const retirement =
      entry.modelId === undefined ? undefined : retirementOf(entry.modelId, options.retirements);
    if (retirement && entry.modelId !== undefined) {
      reasons.push({
        kind: 'model-retirement',
        modelId: entry.modelId,
        retiresOn: retirement.retiresOn,
        daysLeft: Math.ceil((Date.parse(`${retirement.retiresOn}T00:00:00Z`) - now) / DAY_MS),
        ...(retirement.replacement !== undefined ? { replacement: retirement.replacement } : {}),
      });
    }
    if (reasons.length === 0) continue;
    items.push({
      promptId: entry.promptId,
      version: entry.version,
      ...(entry.owner !== undefined ? { owner: entry.owner } : {}),
      environments: [...entry.environments],
      createdAt: entry.createdAt,
      ...(entry.modelId !== undefined ? { modelId: entry.modelId } : {}),
      reasons,
    });
  }
  return items.sort(
    (a, b) =>
      a.createdAt.localeCompare(b.createdAt) ||
      a.promptId.localeCompare(b.promptId) ||
      a.version.localeCompare(b.version),
  );
}

/** One line per reason, as the reminder's message and the CLI's table word it. */
export function describeReason(reason: ReviewReason): string {
  if (reason.kind === 'age')
    return `published ${reason.ageDays} days ago (review every ${reason.reviewEveryDays} days)`;
  const when =
    reason.daysLeft > 0
      ? `retires on ${reason.retiresOn} (in ${reason.daysLeft} days)`
      : `retired on ${reason.retiresOn}`;
  return `model ${reason.modelId} ${when}${reason.replacement ? `; move to ${reason.replacement}` : ''}`;
}

/** The reminder's text: one paragraph per owner, so whoever reads the topic finds their prompts. */
export function reviewDueMessage(items: readonly ReviewDueItem[], reviewEveryDays: number): string {
  const byOwner = new Map<string, ReviewDueItem[]>();
  for (const item of items) {
    const owner = item.owner ?? '(no owner in front matter)';
    byOwner.set(owner, [...(byOwner.get(owner) ?? []), item]);
  }
  const lines = [
    `${items.length} pinned prompt version${items.length === 1 ? ' is' : 's are'} due for review (review every ${reviewEveryDays} days, or before the model retires).`,
  ];
  for (const [owner, owned] of [...byOwner].sort(([a], [b]) => a.localeCompare(b))) {
    lines.push('', `Owner: ${owner}`);
    for (const item of owned) {
      lines.push(`- ${item.promptId}@${item.version} in ${item.environments.join(', ')}`);
      for (const reason of item.reasons) lines.push(`    ${describeReason(reason)}`);
    }
  }
  lines.push(
    '',
    'Review each prompt, publish and deploy a new version, or run `promptops review-due` for the list.',
  );
  return lines.join('\n');
}
