/**
 * `promptops review-due`: the pinned versions due for review, as the daily reminder sends them to the
 * owners' topic (docs/maintenance.md): published more than `reviewEveryDays` ago, or on a model on the
 * retirement list. Exit 0 either way: a due review is news, not a failure.
 */
import type { ReviewDueReport } from '../../core/api.ts';
import { describeReason } from '../../core/review-due.ts';
import { defineCommand } from '../command.ts';
import type { CommandContext } from '../context.ts';
import { EXIT } from '../errors.ts';

export async function reviewDue(ctx: CommandContext): Promise<number> {
  const api = await ctx.api();
  const report = await api.get<ReviewDueReport>('/review-due');
  ctx.out.result(report, () => {
    if (report.items.length === 0) {
      ctx.out.line(
        `No pinned version is due for review (review every ${report.reviewEveryDays} days, or before its model retires).`,
      );
      return;
    }
    ctx.out.table(report.items, [
      { header: 'PROMPT', value: (i) => `${i.promptId}@${i.version}` },
      { header: 'OWNER', value: (i) => i.owner ?? '-' },
      { header: 'ENVIRONMENTS', value: (i) => i.environments.join(',') },
      { header: 'PUBLISHED', value: (i) => i.createdAt.slice(0, 10) },
      { header: 'WHY', value: (i) => i.reasons.map(describeReason).join('; ') },
    ]);
    ctx.out.line();
    ctx.out.line(
      `${report.items.length} version${report.items.length === 1 ? '' : 's'} due for review (review every ${report.reviewEveryDays} days).`,
    );
  });
  return EXIT.ok;
}

export const reviewDueCommand = defineCommand({
  name: 'review-due',
  description: 'list the pinned versions due for review: old, or on a model that is retiring',
  examples: ['promptops review-due', 'promptops review-due --json'],
  action: (ctx) => reviewDue(ctx),
});
