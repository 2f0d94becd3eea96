/**
 * `promptops scan [--env <env>]`: lints every version pinned in the environments again, on this
 * machine, with this CLI's rules (src/core/lint/pinned-scan.ts), so rules added since a version was
 * published (secret patterns, prompt-injection checks) catch what is already deployed.
 */

import { Option } from 'commander';
import type { EnvironmentStatusResponse, VersionDetails } from '../../core/api.ts';
import { pinnedVersions, scanPinnedVersions } from '../../core/lint/pinned-scan.ts';
import { segment } from '../api-client.ts';
import { defineCommand } from '../command.ts';
import type { CommandContext } from '../context.ts';
import { knownEnvironments } from '../environments.ts';
import { EXIT, UsageError } from '../errors.ts';

interface ScanOptions {
  readonly env?: string;
}

export async function scan(ctx: CommandContext, options: ScanOptions): Promise<number> {
  const target = await ctx.target();
  const environments =
    options.env !== undefined ? [await ctx.environment(options.env)] : await knownEnvironments(ctx, target);
  if (environments.length === 0) {
    throw new UsageError('No environments known: name one with --env <env>', [
      'Or list them as "environments" in promptops.config.json.',
    ]);
  }
  const api = await ctx.api();
  const statuses = await Promise.all(
    environments.map((env) => api.get<EnvironmentStatusResponse>(`/environments/${segment(env)}`)),
  );
  const pinned = pinnedVersions(statuses);
  const documents = new Map(
    await Promise.all(
      pinned.map(async (p) => {
        const details = await api.get<VersionDetails>(
          `/prompts/${segment(p.id)}/versions/${segment(p.version)}`,
        );
        return [`${p.id}@${p.version}`, details.document] as const;
      }),
    ),
  );
  const result = scanPinnedVersions(pinned, (p) => documents.get(`${p.id}@${p.version}`) ?? '');

  ctx.out.result({ environments, ...result }, () => {
    const c = ctx.out.colors;
    const rows = result.versions.flatMap((v) => v.findings.map((finding) => ({ v, finding })));
    if (rows.length > 0) {
      ctx.out.table(rows, [
        { header: 'VERSION', value: (r) => `${r.v.id}@${r.v.version}` },
        { header: 'ENVIRONMENTS', value: (r) => r.v.environments.join(',') },
        { header: 'LINE', value: (r) => String(r.finding.line ?? 1) },
        {
          header: 'SEVERITY',
          value: (r) => (r.finding.severity === 'error' ? c.red('error') : c.yellow('warning')),
        },
        { header: 'RULE', value: (r) => r.finding.rule },
        { header: 'MESSAGE', value: (r) => r.finding.message },
      ]);
      ctx.out.line();
    }
    const summary = `${result.versions.length} pinned version(s) in ${environments.join(', ')}: ${result.errorCount} error(s), ${result.warningCount} warning(s)`;
    ctx.out.line(result.ok ? summary : c.red(summary));
  });
  return result.ok ? EXIT.ok : EXIT.failure;
}

export const scanCommand = defineCommand({
  name: 'scan',
  description:
    "lint every version pinned in the environments again with this CLI's rules; exit 1 when any has an error",
  options: [
    new Option(
      '--env <env>',
      'one environment (default: every environment known from the config or stack outputs)',
    ),
  ],
  examples: ['promptops scan', 'promptops scan --env prod --json'],
  action: (ctx, _args, options: ScanOptions) => scan(ctx, options),
});
