/** `promptops approve <id>@<version>`: record your approval of someone else's version. */
import type { ApprovalResponse } from '../../core/api.ts';
import { segment } from '../api-client.ts';
import type { CommandContext } from '../context.ts';
import { EXIT } from '../errors.ts';
import { parseVersionRef } from '../refs.ts';

export async function approve(
  ctx: CommandContext,
  ref: string,
  options: { comment?: string },
): Promise<number> {
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
