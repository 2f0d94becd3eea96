/** `promptops approve <id>@<version>`: record your approval of someone else's version. */
import { Option } from 'commander';
import type { ApprovalResponse } from '../../core/api.ts';
import { segment } from '../api-client.ts';
import { defineCommand } from '../command.ts';
import type { CommandContext } from '../context.ts';
import { EXIT } from '../errors.ts';
import { parseVersionRef } from '../refs.ts';

export interface ApproveOptions {
  /** Recorded with the approval. */
  readonly comment?: string;
}

export async function approve(ctx: CommandContext, ref: string, options: ApproveOptions): Promise<number> {
  const { id, version } = parseVersionRef(ref);
  const api = await ctx.api();
  const { status, body } = await api.post<ApprovalResponse>(
    `/prompts/${segment(id)}/versions/${segment(version)}/approvals`,
    options.comment !== undefined ? { comment: options.comment } : undefined,
  );
  const created = status === 201;
  ctx.out.result({ id, version, by: body.by, at: body.at, created }, () => {
    ctx.out.line(
      created
        ? `${ctx.out.colors.green('Approved')} ${id}@${version} as ${body.by} at ${body.at}.`
        : `${id}@${version} was already approved by ${body.by} at ${body.at}; nothing changed.`,
    );
  });
  return EXIT.ok;
}

export const approveCommand = defineCommand({
  name: 'approve',
  description: 'approve a version (you cannot approve a version you published)',
  arguments: [{ name: '<id@version>', description: 'the version, e.g. support-reply@1.2.0' }],
  options: [new Option('--comment <text>', 'comment recorded with the approval')],
  examples: ['promptops approve support-reply@1.2.0 --comment "Reviewed the tone change"'],
  action: (ctx, [ref], options: ApproveOptions) => approve(ctx, ref, options),
});
