/**
 * `promptops archive <id> [--reason]` and `promptops unarchive <id>`: retire a prompt no environment
 * pins, or bring it back (docs/maintenance.md). Not to be confused with src/cli/archive.ts, the
 * export/import bundle format.
 */
import { Option } from 'commander';
import type { ArchiveResponse } from '../../core/api.ts';
import { segment } from '../api-client.ts';
import { defineCommand } from '../command.ts';
import type { CommandContext } from '../context.ts';
import { EXIT } from '../errors.ts';
import { parsePromptId } from '../refs.ts';

export interface ArchiveOptions {
  readonly reason?: string;
}

export async function archivePrompt(
  ctx: CommandContext,
  rawId: string,
  options: ArchiveOptions,
): Promise<number> {
  const id = parsePromptId(rawId);
  const api = await ctx.api();
  const { body } = await api.post<ArchiveResponse>(
    `/prompts/${segment(id)}/archive`,
    options.reason !== undefined ? { reason: options.reason } : undefined,
  );
  ctx.out.result(body, () =>
    ctx.out.line(
      `${ctx.out.colors.yellow('Archived')} ${id} (by ${body.archived?.by} at ${body.archived?.at}${body.archived?.reason ? `: ${body.archived.reason}` : ''}). It takes no new versions or deployments; its history stays.`,
    ),
  );
  return EXIT.ok;
}

export async function unarchivePrompt(ctx: CommandContext, rawId: string): Promise<number> {
  const id = parsePromptId(rawId);
  const api = await ctx.api();
  const { body } = await api.post<ArchiveResponse>(`/prompts/${segment(id)}/unarchive`);
  ctx.out.result(body, () =>
    ctx.out.line(`${id} is not archived: it is listed, publishable and deployable.`),
  );
  return EXIT.ok;
}

export const archiveCommand = defineCommand({
  name: 'archive',
  description: 'retire a prompt that no environment pins: unlisted, no new versions or deploys, history kept',
  arguments: [{ name: '<id>', description: 'the prompt id' }],
  options: [new Option('--reason <text>', 'why it is retired (recorded and shown)')],
  examples: ['promptops archive support-answer --reason "Merged into support-reply"'],
  action: (ctx, [id], options: ArchiveOptions) => archivePrompt(ctx, id, options),
});

export const unarchiveCommand = defineCommand({
  name: 'unarchive',
  description: 'bring an archived prompt back',
  arguments: [{ name: '<id>', description: 'the prompt id' }],
  examples: ['promptops unarchive support-answer'],
  action: (ctx, [id]) => unarchivePrompt(ctx, id),
});
