/**
 * `promptops deprecate <id>@<version> --reason <text>` and `promptops undeprecate <id>@<version>`:
 * mark a version not to be deployed again, or lift the mark (docs/maintenance.md).
 */
import { Option } from 'commander';
import type { DeprecationResponse } from '../../core/api.ts';
import { segment } from '../api-client.ts';
import { defineCommand } from '../command.ts';
import type { CommandContext } from '../context.ts';
import { CliError, EXIT } from '../errors.ts';
import { parseVersionRef } from '../refs.ts';

export interface DeprecateOptions {
  readonly reason?: string;
}

const path = (id: string, version: string) =>
  `/prompts/${segment(id)}/versions/${segment(version)}/deprecation`;

export async function deprecate(
  ctx: CommandContext,
  ref: string,
  options: DeprecateOptions,
): Promise<number> {
  const { id, version } = parseVersionRef(ref);
  if (options.reason === undefined || options.reason.trim() === '') {
    throw new CliError('--reason is required: say why this version must not be deployed again', {
      exitCode: EXIT.usage,
    });
  }
  const api = await ctx.api();
  const { status, body } = await api.post<DeprecationResponse>(path(id, version), { reason: options.reason });
  const created = status === 201;
  const deprecation = body.deprecation;
  ctx.out.result({ ...body, created }, () => {
    ctx.out.line(
      created
        ? `${ctx.out.colors.yellow('Deprecated')} ${id}@${version}: ${deprecation?.reason}. Deploying it now needs --allow-deprecated.`
        : `${id}@${version} was already deprecated by ${deprecation?.by} at ${deprecation?.at} (${deprecation?.reason}); nothing changed.`,
    );
  });
  return EXIT.ok;
}

export async function undeprecate(ctx: CommandContext, ref: string): Promise<number> {
  const { id, version } = parseVersionRef(ref);
  const api = await ctx.api();
  const { body } = await api.delete<DeprecationResponse>(path(id, version));
  ctx.out.result(body, () =>
    ctx.out.line(`${id}@${version} is not deprecated; it deploys as any other version.`),
  );
  return EXIT.ok;
}

export const deprecateCommand = defineCommand({
  name: 'deprecate',
  description: 'mark a version deprecated: deploying it is refused unless --allow-deprecated',
  arguments: [{ name: '<id@version>', description: 'the version, e.g. support-reply@1.2.0' }],
  options: [new Option('--reason <text>', 'why it must not be deployed again (required)')],
  examples: ['promptops deprecate support-reply@1.2.0 --reason "Promises refunds; fixed in 1.3.0"'],
  action: (ctx, [ref], options: DeprecateOptions) => deprecate(ctx, ref, options),
});

export const undeprecateCommand = defineCommand({
  name: 'undeprecate',
  description: 'lift the deprecation of a version',
  arguments: [{ name: '<id@version>', description: 'the version, e.g. support-reply@1.2.0' }],
  examples: ['promptops undeprecate support-reply@1.2.0'],
  action: (ctx, [ref]) => undeprecate(ctx, ref),
});
