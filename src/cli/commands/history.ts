/** `promptops history <id>`: every version with its author, date, approvals and where it is deployed. */

import type { PromptDetails, VersionSummary } from '../../core/api.ts';
import { pinVariants } from '../../core/pins.ts';
import { segment } from '../api-client.ts';
import { defineCommand } from '../command.ts';
import type { CommandContext } from '../context.ts';
import { EXIT } from '../errors.ts';
import { parsePromptId } from '../refs.ts';

export interface HistoryEntry extends VersionSummary {
  /** Environments serving this version, with the share of traffic. */
  readonly deployedIn: readonly { environment: string; weight: number }[];
}

export async function history(ctx: CommandContext, id: string): Promise<number> {
  parsePromptId(id);
  const api = await ctx.api();
  const [details, versions] = await Promise.all([
    api.get<PromptDetails>(`/prompts/${segment(id)}`),
    api.getAll<VersionSummary>(`/prompts/${segment(id)}/versions`),
  ]);
  const entries: HistoryEntry[] = versions.map((v) => ({
    ...v,
    deployedIn: Object.entries(details.environments)
      .flatMap(([environment, pin]) =>
        pinVariants(pin)
          .filter((variant) => variant.version === v.version)
          .map((variant) => ({ environment, weight: variant.weight })),
      )
      .sort((a, b) => a.environment.localeCompare(b.environment)),
  }));

  ctx.out.result(
    {
      id,
      latestVersion: details.latestVersion,
      description: details.description ?? null,
      environments: details.environments,
      archived: details.archived ?? null,
      versions: entries,
    },
    () => {
      const c = ctx.out.colors;
      ctx.out.line(
        `${c.bold(id)}${details.description ? `  ${details.description}` : ''}${details.owner ? `  (owner ${details.owner})` : ''}`,
      );
      if (details.archived)
        ctx.out.line(
          c.red(
            `Archived by ${details.archived.by} at ${details.archived.at}${details.archived.reason ? `: ${details.archived.reason}` : ''} (promptops unarchive ${id} to bring it back)`,
          ),
        );
      ctx.out.line();
      ctx.out.table(entries, [
        {
          header: 'VERSION',
          value: (e) => (e.version === details.latestVersion ? c.bold(e.version) : e.version),
        },
        { header: 'CREATED', value: (e) => e.createdAt.replace(/\.\d{3}Z$/, 'Z') },
        { header: 'AUTHOR', value: (e) => e.createdBy },
        {
          header: 'APPROVALS',
          value: (e) => (e.approvals.length === 0 ? c.dim('none') : e.approvals.map((a) => a.by).join(', ')),
        },
        {
          header: 'DEPLOYED',
          value: (e) =>
            e.deployedIn
              .map((d) => (d.weight === 100 ? d.environment : `${d.environment} (${d.weight}%)`))
              .join(', '),
        },
        { header: 'MESSAGE', value: (e) => e.message ?? '' },
        ...(entries.some((e) => e.deprecation)
          ? [
              {
                header: 'DEPRECATED',
                value: (e: HistoryEntry) =>
                  e.deprecation ? c.yellow(`${e.deprecation.reason} (${e.deprecation.by})`) : '',
              },
            ]
          : []),
      ]);
    },
  );
  return EXIT.ok;
}

export const historyCommand = defineCommand({
  name: 'history',
  description: 'versions of a prompt: authors, dates, approvals and where each is deployed',
  arguments: [{ name: '<id>', description: 'prompt id' }],
  examples: ['promptops history support-reply'],
  action: (ctx, [id]) => history(ctx, id),
});
