/**
 * `promptops report <kind> [target] [--format md|json|html] [--out file]`: the release plan,
 * changelog, deployment verification, performance, feedback, A/B test and model compatibility
 * reports (docs/reports.md), built from the API alone. Markdown is for pull requests and tickets,
 * JSON for programs, HTML one self-contained file with charts.
 */
import { resolve } from 'node:path';
import { InvalidArgumentError, Option } from 'commander';
import { segmentNameProblem } from '../../core/segments.ts';
import { findStrategy } from '../../core/settings.ts';
import { defineCommand } from '../command.ts';
import type { CommandContext } from '../context.ts';
import { EXIT, UsageError } from '../errors.ts';
import { writeFileAtomic } from '../files.ts';
import { ENV_OPTION, parseDuration } from '../options.ts';
import { parsePromptId, parseVersionRef } from '../refs.ts';
import { buildChangelog, changelogDocument, collectChangelog } from '../report/changelog.ts';
import { buildDeployment, collectDeployment, deploymentDocument } from '../report/deployment.ts';
import { buildExperiment, collectExperiment, experimentDocument } from '../report/experiment.ts';
import { buildFeedback, collectFeedback, feedbackDocument } from '../report/feedback.ts';
import { loadChartJs, renderHtml } from '../report/html.ts';
import {
  type BuiltReport,
  REPORT_FORMATS,
  REPORT_KINDS,
  type ReportFormat,
  type ReportKind,
} from '../report/kinds.ts';
import { renderMarkdown } from '../report/markdown.ts';
import { buildModelCompat, collectModelCompat, modelCompatDocument } from '../report/model-compat.ts';
import { buildPerformance, collectPerformance, performanceDocument } from '../report/performance.ts';
import { projectSettings } from '../report/project-settings.ts';
import { buildReleasePlan, collectReleasePlan, releasePlanDocument } from '../report/release-plan.ts';

export interface ReportOptions {
  readonly env?: string;
  readonly number?: number;
  readonly since?: string;
  /** feedback: only the items given under this segment's pin (docs/segments.md). */
  readonly segment?: string;
  readonly model?: string;
  readonly strategy?: string;
  readonly format: ReportFormat;
  readonly out?: string;
  readonly timeout?: number;
}

/** `7d`, `24h`, `90m` before now, or an ISO 8601 date or date-time as given. */
export function resolveSince(value: string | undefined, now: Date): string | undefined {
  if (value === undefined) return undefined;
  const relative = /^(\d+)(d|h|m)$/.exec(value);
  if (!relative) return value;
  const unit = { d: 86_400_000, h: 3_600_000, m: 60_000 }[relative[2] as 'd' | 'h' | 'm'];
  return new Date(now.getTime() - Number(relative[1]) * unit).toISOString();
}

function parseNumber(value: string): number {
  if (!/^\d{1,9}$/.test(value) || Number(value) < 1)
    throw new InvalidArgumentError('Give a deployment number (1, 2, ...).');
  return Number(value);
}

/** The kinds that take `<id>` and those that take `<id>@<version>`; `deployment` takes none. */
const TARGET: Record<ReportKind, 'id' | 'ref' | 'none'> = {
  'release-plan': 'ref',
  changelog: 'id',
  deployment: 'none',
  performance: 'id',
  feedback: 'id',
  experiment: 'id',
  'model-compat': 'ref',
};

function targetOf(
  kind: ReportKind,
  target: string | undefined,
): { id: string; version?: string } | undefined {
  const wants = TARGET[kind];
  if (wants === 'none') {
    if (target !== undefined)
      throw new UsageError(`report deployment takes no prompt: give --env <env> [--number n]`);
    return undefined;
  }
  if (target === undefined)
    throw new UsageError(`report ${kind} needs ${wants === 'ref' ? '<id>@<version>' : '<id>'}`, [
      `For example: promptops report ${kind} support-reply${wants === 'ref' ? '@1.2.0' : ''}`,
    ]);
  if (wants === 'ref') {
    const ref = parseVersionRef(target);
    return { id: ref.id, version: ref.version };
  }
  return { id: parsePromptId(target) };
}

export async function buildReport(
  ctx: CommandContext,
  kind: ReportKind,
  target: { id: string; version?: string } | undefined,
  options: ReportOptions,
  now: Date,
): Promise<BuiltReport> {
  const id = target?.id as string;
  const version = target?.version as string;
  const needsEnv = kind !== 'changelog' && kind !== 'model-compat';
  const environment = needsEnv ? await ctx.environment(options.env) : '';
  if (options.segment !== undefined) {
    if (kind !== 'feedback') throw new UsageError(`--segment applies to report feedback only, not ${kind}`);
    const problem = segmentNameProblem(options.segment);
    if (problem !== undefined) throw new UsageError(`--segment ${problem}`);
  }
  if (kind === 'model-compat' && options.model === undefined)
    throw new UsageError('report model-compat needs --model <candidate model id>');
  const api = await ctx.api();
  const since = resolveSince(options.since, now);
  switch (kind) {
    case 'changelog': {
      const data = buildChangelog(await collectChangelog(api, id, now));
      return { data, document: changelogDocument(data), exitCode: 0 };
    }
    case 'release-plan': {
      const settings = await projectSettings(ctx.io.cwd);
      const data = buildReleasePlan(
        await collectReleasePlan(
          api,
          { promptId: id, version, environment, ...(options.strategy ? { strategy: options.strategy } : {}) },
          settings,
          now,
        ),
      );
      return { data, document: releasePlanDocument(data), exitCode: data.ready ? 0 : 1 };
    }
    case 'deployment': {
      const { settings } = await projectSettings(ctx.io.cwd);
      const data = buildDeployment(
        await collectDeployment(api, environment, options.number, now, (name) =>
          findStrategy(settings, name),
        ),
      );
      return { data, document: deploymentDocument(data), exitCode: 0 };
    }
    case 'performance': {
      const data = buildPerformance(
        await collectPerformance(api, id, { environment, ...(since ? { since } : {}) }, now),
      );
      return { data, document: performanceDocument(data), exitCode: 0 };
    }
    case 'feedback': {
      const data = buildFeedback(
        await collectFeedback(
          api,
          id,
          {
            environment,
            ...(since ? { since } : {}),
            ...(options.segment !== undefined ? { segment: options.segment } : {}),
          },
          now,
        ),
      );
      return { data, document: feedbackDocument(data), exitCode: 0 };
    }
    case 'experiment': {
      const data = buildExperiment(await collectExperiment(api, id, environment, now));
      return { data, document: experimentDocument(data), exitCode: 0 };
    }
    case 'model-compat': {
      ctx.out.note(`running the suite of ${id}@${version} on its current model and on ${options.model}...`);
      const data = buildModelCompat(
        await collectModelCompat(
          api,
          { promptId: id, version, candidateModel: options.model as string },
          { intervalMs: 1000, timeoutMs: (options.timeout ?? 15 * 60) * 1000 },
          () => new Date(),
        ),
      );
      return { data, document: modelCompatDocument(data), exitCode: 0 };
    }
  }
}

export async function report(
  ctx: CommandContext,
  kindArgument: string,
  targetArgument: string | undefined,
  options: ReportOptions,
): Promise<number> {
  if (!(REPORT_KINDS as readonly string[]).includes(kindArgument))
    throw new UsageError(
      `Unknown report ${JSON.stringify(kindArgument)}: use one of ${REPORT_KINDS.join(', ')}`,
    );
  const kind = kindArgument as ReportKind;
  const built = await buildReport(ctx, kind, targetOf(kind, targetArgument), options, new Date());
  const format: ReportFormat = ctx.out.json ? 'json' : options.format;
  const text =
    format === 'json'
      ? `${JSON.stringify(built.data, null, 2)}\n`
      : format === 'md'
        ? renderMarkdown(built.document)
        : renderHtml(built.document, await loadChartJs());
  if (options.out !== undefined) {
    const path = resolve(ctx.io.cwd, options.out);
    await writeFileAtomic(path, text);
    if (ctx.out.json) ctx.out.writeJson({ kind, format, out: path, exitCode: built.exitCode });
    else ctx.out.line(`wrote the ${kind} report (${format}) to ${path}`);
  } else if (ctx.out.json) {
    ctx.out.writeJson(built.data);
  } else {
    ctx.io.stdout.write(text);
  }
  return built.exitCode === 1 ? EXIT.failure : EXIT.ok;
}

export const reportCommand = defineCommand({
  name: 'report',
  description:
    'release plan, changelog, deployment verification, performance, feedback, A/B and model reports',
  arguments: [
    { name: '<kind>', description: REPORT_KINDS.join(' | ') },
    {
      name: '[target]',
      description: 'the prompt: <id>, or <id>@<version> for release-plan and model-compat',
    },
  ],
  options: [
    ENV_OPTION,
    new Option('--format <format>', 'md for pull requests and tickets, json for programs, html with charts')
      .choices(REPORT_FORMATS)
      .default('md'),
    new Option('--out <file>', 'write the report to this file instead of stdout'),
    new Option('--number <n>', 'deployment: the deployment number (default: the latest)').argParser(
      parseNumber,
    ),
    new Option(
      '--since <when>',
      'performance, feedback: from 7d, 24h, 90m ago or an ISO 8601 date (default: 24h, 30 days)',
    ),
    new Option('--segment <name>', "feedback: only the feedback given under this segment's pin"),
    new Option(
      '--strategy <name>',
      "release-plan: the strategy the deploy will use (default: the environment's)",
    ),
    new Option('--model <id>', 'model-compat: the candidate model (same provider type as the current one)'),
    new Option(
      '--timeout <duration>',
      'model-compat: stop waiting for the runs after this long (default 15m)',
    ).argParser(parseDuration),
  ],
  examples: [
    'promptops report release-plan support-reply@1.3.0 --env prod',
    'promptops report changelog support-reply --out CHANGELOG.md',
    'promptops report deployment --env prod --format html --out deployment.html',
    'promptops report performance support-reply --env prod --since 7d --format json',
    'promptops report feedback support-reply --env prod',
    'promptops report feedback support-reply --env prod --segment beta',
    'promptops report experiment support-reply --env prod --format html --out ab.html',
    'promptops report model-compat support-reply@1.3.0 --model anthropic.claude-haiku-4',
  ],
  action: (ctx, [kind, target], options: ReportOptions) => report(ctx, kind, target, options),
});
