/**
 * Shadow deployments (docs/shadows.md):
 * - `promptops shadow <id> --env <env> [--since] [--until] [--shadow-version]`: the shadow against the primary;
 * - `promptops shadow <id>@<version> --env <env> --sample-rate <rate>`: deploy a shadow (gated like any deploy);
 * - `promptops shadow <id> --env <env> --remove`: remove it;
 * - `promptops promote <id> --env <env>`: the shadow version becomes the primary pin, the shadow goes.
 */

import { Option } from 'commander';
import type {
  DeployRequest,
  EnvironmentStatusResponse,
  ShadowReport,
  ShadowStats,
  StartedDeployment,
} from '../../core/api.ts';
import { isSampleRate, pinShadow } from '../../core/pins.ts';
import { segment } from '../api-client.ts';
import { defineCommand } from '../command.ts';
import type { CommandContext } from '../context.ts';
import { CliError, EXIT, UsageError } from '../errors.ts';
import { ENV_OPTION, WAIT_OPTIONS } from '../options.ts';
import { parsePromptId, parseVersion, parseVersionRef } from '../refs.ts';
import { type WaitOptions, waitForOutcome } from '../rollout.ts';

export interface ShadowOptions extends WaitOptions {
  readonly env?: string;
  readonly since?: string;
  readonly until?: string;
  /** The shadow version to report on (after it was promoted or removed). */
  readonly shadowVersion?: string;
  readonly sampleRate?: string;
  readonly remove?: boolean;
  readonly strategy?: string;
  readonly description?: string;
  readonly wait?: boolean;
}

const percent = (value: number | null) => (value === null ? '-' : `${(value * 100).toFixed(2)}%`);
const ms = (value: number | null) => (value === null ? '-' : `${Math.round(value)} ms`);
const num = (value: number | null, digits = 1) => (value === null ? '-' : value.toFixed(digits));
const usd = (value: number | null) => (value === null ? '-' : `$${value.toFixed(6)}`);
const signed = (value: number | null, format: (v: number) => string) =>
  value === null ? '-' : `${value > 0 ? '+' : ''}${format(value)}`;

/** A sentence a person can act on. */
export function shadowVerdict(report: ShadowReport): string {
  const { primary, shadow, comparison } = report;
  switch (comparison.verdict) {
    case 'insufficient-data':
      return `Not enough calls to tell yet: ${primary.count} for ${primary.version} and ${shadow.count} for the shadow ${shadow.version}; at least 30 each are needed.`;
    case 'no-significant-difference':
      return `No significant difference in error rate: ${shadow.version} and ${primary.version} fail at rates chance alone could explain (p = ${num(comparison.pValue, 3)}).`;
    case 'shadow-worse':
      return `${shadow.version} is worse: it fails significantly more often than ${primary.version} (p = ${num(comparison.pValue, 3)}). Do not promote it.`;
    case 'shadow-better':
      return `${shadow.version} is better: it fails significantly less often than ${primary.version} (p = ${num(comparison.pValue, 3)}).`;
  }
}

async function report(ctx: CommandContext, id: string, options: ShadowOptions): Promise<number> {
  if (options.shadowVersion !== undefined) parseVersion(options.shadowVersion, '--shadow-version');
  const environment = await ctx.environment(options.env);
  const api = await ctx.api();
  const result = await api.get<ShadowReport>(`/prompts/${segment(id)}/shadow`, {
    environment,
    since: options.since,
    until: options.until,
    version: options.shadowVersion,
  });
  const plain = shadowVerdict(result);
  ctx.out.result({ id, ...result, verdict: plain }, () => {
    const c = ctx.out.colors;
    ctx.out.line(
      `${c.bold(id)} in ${environment} from ${result.since} to ${result.until}${result.sampleRate !== undefined ? `, shadow sampled at ${percent(result.sampleRate)}` : ''}`,
    );
    ctx.out.line();
    const rows: [string, ShadowStats][] = [
      ['primary', result.primary],
      ['shadow', result.shadow],
    ];
    ctx.out.table(rows, [
      { header: 'ROLE', value: ([role]) => role },
      { header: 'VERSION', value: ([, s]) => s.version },
      { header: 'CALLS', value: ([, s]) => String(s.count), align: 'right' },
      { header: 'ERRORS', value: ([, s]) => percent(s.errorRate), align: 'right' },
      { header: 'P50', value: ([, s]) => ms(s.latencyP50), align: 'right' },
      { header: 'P99', value: ([, s]) => ms(s.latencyP99), align: 'right' },
      { header: 'IN TOKENS', value: ([, s]) => num(s.meanInputTokens), align: 'right' },
      { header: 'OUT TOKENS', value: ([, s]) => num(s.meanOutputTokens), align: 'right' },
      { header: 'COST/CALL', value: ([, s]) => usd(s.meanCostUsd), align: 'right' },
    ]);
    ctx.out.line();
    const k = result.comparison;
    ctx.out.line(
      `Shadow - primary: errors ${signed(k.errorRateDifference, (v) => `${(v * 100).toFixed(2)} pt`)}, p50 ${signed(k.latencyP50Difference, (v) => `${Math.round(v)} ms`)}, p99 ${signed(k.latencyP99Difference, (v) => `${Math.round(v)} ms`)}, cost ${k.costRatio === null ? '-' : `x${k.costRatio.toFixed(2)}`}`,
    );
    const colour =
      k.verdict === 'shadow-worse' ? c.red : k.verdict === 'shadow-better' ? c.green : (s: string) => s;
    ctx.out.line(colour(plain));
    const outputs = result.outputs;
    if (outputs === undefined) return;
    ctx.out.line();
    ctx.out.line(outputsSummary(outputs));
    const shown = outputs.sample.slice(0, PRINTED_PAIRS);
    ctx.out.line(`Newest ${shown.length} of the pairs (--json has ${outputs.sample.length}):`);
    for (const pair of shown) {
      ctx.out.line(`  ${pair.at}`);
      ctx.out.line(`    primary: ${oneLine(pair.primary)}`);
      ctx.out.line(`    shadow:  ${oneLine(pair.shadow)}`);
    }
  });
  return EXIT.ok;
}

/** Pairs the table shows; `--json` has the report's whole sample. */
const PRINTED_PAIRS = 3;
/** Characters of an output the table shows. */
const PRINTED_OUTPUT_CHARS = 100;

/** An output on one line, cut to PRINTED_OUTPUT_CHARS. */
function oneLine(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return JSON.stringify(
    flat.length > PRINTED_OUTPUT_CHARS ? `${flat.slice(0, PRINTED_OUTPUT_CHARS)}…` : flat,
  );
}

/** The captured outputs in one sentence (docs/shadows.md). */
export function outputsSummary(outputs: NonNullable<ShadowReport['outputs']>): string {
  const { count, length, similarity } = outputs;
  return `Captured outputs: ${count} pair${count === 1 ? '' : 's'}; similarity (word-set Jaccard) mean ${similarity.mean.toFixed(2)}, p10 ${similarity.p10.toFixed(2)}, p50 ${similarity.p50.toFixed(2)}; mean length ${num(length.shadowMean)} chars for the shadow against ${num(length.primaryMean)} for the primary${length.meanRatio === null ? '' : ` (x${length.meanRatio.toFixed(2)})`}`;
}

/** Deploys `prompts` and prints or follows the deployment, as `promptops deploy` does. */
async function deployUpdate(
  ctx: CommandContext,
  environment: string,
  prompts: DeployRequest['prompts'],
  summary: string,
  options: ShadowOptions,
): Promise<number> {
  const api = await ctx.api();
  const { body: started } = await api.post<StartedDeployment>(
    `/environments/${segment(environment)}/deployments`,
    {
      prompts,
      ...(options.strategy !== undefined ? { strategy: options.strategy } : {}),
      ...(options.description !== undefined ? { description: options.description } : {}),
    } satisfies DeployRequest,
  );
  const line = `Deployment ${started.deploymentNumber} to ${environment} started (revision ${started.revision}): ${summary}`;
  if (!options.wait) {
    ctx.out.result({ ...started, prompts }, () => {
      ctx.out.line(`${ctx.out.colors.green('Started')}  ${line}`);
      ctx.out.line(`Follow it with: promptops status --env ${environment}  (or add --wait)`);
    });
    return EXIT.ok;
  }
  ctx.out.note(line);
  return waitForOutcome(ctx, api, { environment, deploymentNumber: started.deploymentNumber }, options, {
    prompts,
  });
}

export async function shadow(ctx: CommandContext, target: string, options: ShadowOptions): Promise<number> {
  if (target.includes('@')) {
    const { id, version } = parseVersionRef(target);
    if (options.remove) throw new UsageError('Give <id> with --remove, or <id>@<version> with --sample-rate');
    if (options.sampleRate === undefined)
      throw new UsageError(
        `--sample-rate is required to deploy a shadow: the share of calls that also run ${version}`,
        [`For example: promptops shadow ${id}@${version} --env prod --sample-rate 0.1`],
      );
    const sampleRate = Number(options.sampleRate);
    if (!/^\d*\.?\d+$/.test(options.sampleRate.trim()) || !isSampleRate(sampleRate))
      throw new UsageError(
        `Bad --sample-rate ${JSON.stringify(options.sampleRate)}: a number above 0 and at most 1 (0.1 runs the shadow on a tenth of calls)`,
      );
    const environment = await ctx.environment(options.env);
    return deployUpdate(
      ctx,
      environment,
      { [id]: { shadow: { version, sampleRate } } },
      `${id} shadow ${version} on ${percent(sampleRate)} of calls`,
      options,
    );
  }
  const id = parsePromptId(target);
  if (options.sampleRate !== undefined)
    throw new UsageError('--sample-rate goes with <id>@<version>: the version to run as the shadow');
  if (options.remove) {
    const environment = await ctx.environment(options.env);
    return deployUpdate(ctx, environment, { [id]: { shadow: null } }, `${id} shadow removed`, options);
  }
  return report(ctx, id, options);
}

export async function promote(ctx: CommandContext, target: string, options: ShadowOptions): Promise<number> {
  const id = parsePromptId(target);
  const environment = await ctx.environment(options.env);
  const api = await ctx.api();
  const status = await api.get<EnvironmentStatusResponse>(`/environments/${segment(environment)}`);
  const pin = status.prompts[id];
  const candidate = pin === undefined ? undefined : pinShadow(pin);
  if (candidate === undefined)
    throw new CliError(`${id} has no shadow in ${environment}: there is nothing to promote`, {
      exitCode: EXIT.failure,
      code: 'NO_SHADOW',
      details: [`Deploy one first: promptops shadow ${id}@<version> --env ${environment} --sample-rate 0.1`],
    });
  return deployUpdate(
    ctx,
    environment,
    { [id]: { version: candidate.version, shadow: null } },
    `${id} promoted: ${candidate.version} is the primary pin, the shadow is removed`,
    options,
  );
}

const REPORT_OPTIONS = [
  ENV_OPTION,
  new Option('--since <when>', 'start of the window: ISO 8601 date-time or UTC day (default: a day ago)'),
  new Option('--until <when>', 'end of the window (default: now)'),
  new Option('--shadow-version <version>', 'the shadow version to compare (default: the pinned shadow)'),
];
const DEPLOY_OPTIONS = [
  new Option('--strategy <name>', "AppConfig deployment strategy (default: the environment's)"),
  new Option('--description <text>', 'description recorded with the deployment'),
  ...WAIT_OPTIONS,
];

export const shadowCommand = defineCommand({
  name: 'shadow',
  description:
    "compare a prompt's shadow with its primary; with <id>@<version> and --sample-rate, deploy a shadow; with --remove, remove it",
  arguments: [{ name: '<id|id@version>', description: 'the prompt, or the version to run as its shadow' }],
  options: [
    ...REPORT_OPTIONS,
    new Option(
      '--sample-rate <rate>',
      'with <id>@<version>: the share of calls that also run the shadow, above 0 and at most 1',
    ),
    new Option('--remove', "remove the prompt's shadow (a deploy with shadow: null)"),
    ...DEPLOY_OPTIONS,
  ],
  examples: [
    'promptops shadow support-reply@1.3.0 --env prod --sample-rate 0.1',
    'promptops shadow support-reply --env prod --since 2026-12-01',
    'promptops shadow support-reply --env prod --remove',
  ],
  action: (ctx, [target], options: ShadowOptions) => shadow(ctx, target, options),
});

export const promoteCommand = defineCommand({
  name: 'promote',
  description:
    "deploy a prompt's shadow version as its primary pin (gated like any deploy) and remove the shadow",
  arguments: [{ name: '<id>', description: 'the prompt whose shadow to promote' }],
  options: [ENV_OPTION, ...DEPLOY_OPTIONS],
  examples: ['promptops promote --env prod support-reply --wait'],
  action: (ctx, [target], options: ShadowOptions) => promote(ctx, target, options),
});
