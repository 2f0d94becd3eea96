/**
 * `promptops incident --env <env> [--since 1h]`: one timeline of an environment's deployments (each
 * step), alarm transitions, canary verdicts, rollbacks and audit entries, newest last
 * (GET /environments/{env}/incident; docs/runbooks/README.md).
 */

import { Option } from 'commander';
import type { IncidentTimelineResponse, TimelineEntry } from '../../core/api.ts';
import { segment } from '../api-client.ts';
import { defineCommand } from '../command.ts';
import type { CommandContext } from '../context.ts';
import { EXIT } from '../errors.ts';
import { ENV_OPTION } from '../options.ts';

export interface IncidentOptions {
  readonly env?: string;
  readonly since?: string;
}

export async function incident(ctx: CommandContext, options: IncidentOptions): Promise<number> {
  const environment = await ctx.environment(options.env);
  const api = await ctx.api();
  const timeline = await api.get<IncidentTimelineResponse>(
    `/environments/${segment(environment)}/incident`,
    options.since !== undefined ? { since: options.since } : undefined,
  );
  ctx.out.result(timeline, () => {
    const c = ctx.out.colors;
    ctx.out.line(
      `${c.bold(environment)}: ${timeline.since.replace(/\.\d{3}Z$/, 'Z')} to ${timeline.until.replace(/\.\d{3}Z$/, 'Z')}`,
    );
    if (timeline.entries.length === 0) {
      ctx.out.line(c.dim('Nothing happened in this window. Widen it with --since 1d.'));
      return;
    }
    ctx.out.line();
    const highlight = (entry: TimelineEntry) =>
      entry.kind === 'rollback' || /-> ALARM|FAIL/.test(entry.summary)
        ? c.bold(entry.summary)
        : entry.summary;
    ctx.out.table(timeline.entries, [
      { header: 'AT', value: (e) => e.at.replace(/\.\d{3}Z$/, 'Z') },
      { header: 'KIND', value: (e) => e.kind },
      {
        header: 'DEPLOYMENT',
        value: (e) => (e.deploymentNumber !== undefined ? String(e.deploymentNumber) : ''),
      },
      { header: 'WHO', value: (e) => e.actor ?? '' },
      { header: 'WHAT', value: highlight },
    ]);
  });
  return EXIT.ok;
}

export const incidentCommand = defineCommand({
  name: 'incident',
  description: "an environment's timeline: deployments, alarm transitions, canary verdicts, rollbacks, audit",
  options: [
    ENV_OPTION,
    new Option('--since <when>', 'window start: 30m, 1h, 2d or an ISO 8601 time (default 1h)'),
  ],
  examples: ['promptops incident --env prod', 'promptops incident --env prod --since 6h --json'],
  action: (ctx, _args, options: IncidentOptions) => incident(ctx, options),
});
