/**
 * `promptops status [--env <env>]`: per environment, what is pinned with each pinned version's latest
 * evaluation run, the deployment's state and percentage, and the state of the environment's alarms.
 */

import { Option } from 'commander';
import type { EnvironmentStatusResponse, EvaluationSummary, ListPage } from '../../core/api.ts';
import { APPCONFIG } from '../../core/contracts.ts';
import { type Pin, pinVersions } from '../../core/pins.ts';
import { type AlarmReport, cloudWatchAlarms, localAlarms } from '../alarms.ts';
import { type ApiClient, segment } from '../api-client.ts';
import { defineCommand } from '../command.ts';
import { readCdkOutputs } from '../config.ts';
import type { CommandContext } from '../context.ts';
import { knownEnvironments } from '../environments.ts';
import { ApiError, EXIT, UsageError } from '../errors.ts';
import { formatRate } from '../evaluation.ts';
import { describePin } from '../refs.ts';

/** Per prompt and pinned version, its latest evaluation run, or null when it has none. */
export type PinnedEvaluations = Record<string, Record<string, EvaluationSummary | null>>;

export interface EnvironmentReport extends EnvironmentStatusResponse {
  readonly alarms: AlarmReport;
  /** Absent when the service keeps no evaluations (a version before suites). */
  readonly evaluations?: PinnedEvaluations;
}

function pinnedVersions(pin: Pin): string[] {
  return pinVersions(pin);
}

/**
 * The latest run of each pinned version of every environment, each version read once; undefined when
 * the service answers 404 (it predates evaluations).
 */
async function latestEvaluations(
  api: ApiClient,
  statuses: readonly EnvironmentStatusResponse[],
): Promise<Map<string, EvaluationSummary | null> | undefined> {
  const refs = new Set<string>();
  for (const status of statuses)
    for (const [id, pin] of Object.entries(status.prompts))
      for (const version of pinnedVersions(pin)) refs.add(`${id}@${version}`);
  const latest = new Map<string, EvaluationSummary | null>();
  try {
    await Promise.all(
      [...refs].map(async (ref) => {
        const at = ref.lastIndexOf('@');
        const page = await api.get<ListPage<EvaluationSummary>>(
          `/prompts/${segment(ref.slice(0, at))}/versions/${segment(ref.slice(at + 1))}/evaluations`,
          { limit: '1' },
        );
        latest.set(ref, page.items[0] ?? null);
      }),
    );
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) return undefined;
    throw error;
  }
  return latest;
}

function evaluationsOf(
  status: EnvironmentStatusResponse,
  latest: Map<string, EvaluationSummary | null>,
): PinnedEvaluations {
  const result: PinnedEvaluations = {};
  for (const [id, pin] of Object.entries(status.prompts)) {
    result[id] = {};
    for (const version of pinnedVersions(pin)) result[id][version] = latest.get(`${id}@${version}`) ?? null;
  }
  return result;
}

export interface StatusOptions {
  /** One environment; else every environment known from the config or stack outputs. */
  readonly env?: string;
}

export async function status(ctx: CommandContext, options: StatusOptions): Promise<number> {
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
  let alarms: Map<string, AlarmReport>;
  if (target.local) {
    alarms = new Map(
      await Promise.all(environments.map(async (env) => [env, await localAlarms(api, env)] as const)),
    );
  } else {
    const outputs = await readCdkOutputs(ctx.io.cwd);
    const { config } = await ctx.config();
    const application =
      config.application ?? outputs?.outputs.AppConfigApplicationName ?? APPCONFIG.application;
    alarms = await cloudWatchAlarms(target, environments, application);
  }
  const latest = await latestEvaluations(api, statuses);
  const reports: EnvironmentReport[] = statuses.map((s) => ({
    ...s,
    alarms: alarms.get(s.environment) ?? {
      source: target.local ? 'local-mode' : 'cloudwatch',
      unavailable: 'not read',
    },
    ...(latest ? { evaluations: evaluationsOf(s, latest) } : {}),
  }));

  ctx.out.result({ environments: reports }, () => {
    reports.forEach((report, i) => {
      if (i > 0) ctx.out.line();
      printEnvironment(ctx, report);
    });
  });
  return EXIT.ok;
}

function printEnvironment(ctx: CommandContext, report: EnvironmentReport): void {
  const c = ctx.out.colors;
  ctx.out.line(`${c.bold(report.environment)}  revision ${report.revision}`);
  const d = report.deployment;
  if (!d) ctx.out.line('  deployment  none yet');
  else {
    const state =
      d.state === 'COMPLETE'
        ? c.green(d.state)
        : d.state === 'ROLLED_BACK'
          ? c.red(d.state)
          : c.yellow(`${d.state} ${Math.round(d.percentage)}%`);
    ctx.out.line(
      `  deployment  #${d.number} ${state}  ${d.strategy}, started ${d.startedAt}${d.startedBy ? ` by ${d.startedBy}` : ''}`,
    );
    if (d.reason) ctx.out.line(`  reason      ${d.reason}`);
  }
  const pins = Object.entries(report.prompts).sort(([a], [b]) => a.localeCompare(b));
  ctx.out.line();
  if (pins.length === 0) ctx.out.line('  No prompts deployed.');
  else
    ctx.out.table(
      pins,
      [
        { header: 'PROMPT', value: ([id]) => id },
        { header: 'PIN', value: ([, pin]: [string, Pin]) => describePin(pin) },
        ...(report.deprecated?.length || report.archived?.length
          ? [{ header: 'MAINTENANCE', value: ([id]: [string, Pin]) => describeMaintenance(ctx, report, id) }]
          : []),
        ...(report.evaluations
          ? [
              {
                header: 'EVALUATION',
                value: ([id, pin]: [string, Pin]) =>
                  describeEvaluations(ctx, pin, report.evaluations?.[id] ?? {}),
              },
            ]
          : []),
      ],
      { indent: '  ' },
    );
  ctx.out.line();
  const a = report.alarms;
  if ('unavailable' in a) ctx.out.line(`  alarms: ${c.dim(`not available: ${a.unavailable}`)}`);
  else if (a.alarms.length === 0) ctx.out.line(`  alarms: ${c.dim(`none found (${a.source})`)}`);
  else
    ctx.out.table(
      a.alarms,
      [
        { header: 'ALARM', value: (x) => x.name },
        {
          header: 'STATE',
          value: (x) =>
            x.state === 'ALARM' ? c.red(x.state) : x.state === 'OK' ? c.green(x.state) : c.yellow(x.state),
        },
        { header: 'REASON', value: (x) => x.reason ?? x.description ?? '' },
      ],
      { indent: '  ' },
    );
}

/** `deprecated 1.0.0 (reason)`, `archived`: what docs/maintenance.md says about a pin. */
function describeMaintenance(ctx: CommandContext, report: EnvironmentReport, id: string): string {
  const c = ctx.out.colors;
  const notes = (report.deprecated ?? [])
    .filter((d) => d.id === id)
    .map((d) => c.yellow(`deprecated ${d.version} (${d.reason})`));
  if (report.archived?.includes(id)) notes.push(c.red('archived'));
  return notes.join('; ');
}

/** `PASSED 100%`, `FAILED 50%`, `no run`; per version for a split. */
function describeEvaluations(
  ctx: CommandContext,
  pin: Pin,
  runs: Readonly<Record<string, EvaluationSummary | null>>,
): string {
  const c = ctx.out.colors;
  const versions = pinnedVersions(pin);
  return versions
    .map((version) => {
      const run = runs[version];
      const text = !run
        ? c.dim('no run')
        : run.state === 'PASSED'
          ? c.green(`PASSED ${formatRate(run.passRate)}`)
          : run.state === 'RUNNING'
            ? c.yellow('RUNNING')
            : c.red(`${run.state}${run.passRate !== undefined ? ` ${formatRate(run.passRate)}` : ''}`);
      return versions.length > 1 ? `${version} ${text}` : text;
    })
    .join(' / ');
}

export const statusCommand = defineCommand({
  name: 'status',
  description:
    "per environment: the pins and each version's latest evaluation, the deployment state, and alarm states",
  options: [
    new Option(
      '--env <env>',
      'one environment (default: every environment known from the config or stack outputs)',
    ),
  ],
  examples: ['promptops status', 'promptops status --env prod --json'],
  action: (ctx, _args, options: StatusOptions) => status(ctx, options),
});
