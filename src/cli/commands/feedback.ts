/**
 * `promptops feedback <id> [--env] [--since]`: ratings per version and the comparison of two versions
 * (two-proportion z-test of the negative rates) with its p-value and a plain verdict.
 */

import { Option } from 'commander';
import type { FeedbackComparison, FeedbackReport, VersionFeedback } from '../../core/api.ts';
import { LIMITS } from '../../core/contracts.ts';
import { segment } from '../api-client.ts';
import { defineCommand } from '../command.ts';
import type { CommandContext } from '../context.ts';
import { EXIT, UsageError } from '../errors.ts';
import { ENV_OPTION } from '../options.ts';
import { parsePromptId, parseVersion } from '../refs.ts';

export interface FeedbackOptions {
  readonly env?: string;
  readonly since?: string;
  readonly baseline?: string;
  readonly candidate?: string;
}

const percent = (value: number) => `${(value * 100).toFixed(1)}%`;

/** A sentence a person can act on. */
export function verdict(comparison: FeedbackComparison, versions: readonly VersionFeedback[]): string {
  const { baseline, candidate } = comparison;
  const count = (v: string) => versions.find((x) => x.version === v)?.count ?? 0;
  const fewest = Math.min(count(baseline), count(candidate));
  if (fewest < LIMITS.minSamplesForSignificance) {
    return `Not enough ratings to tell yet: ${count(baseline)} for ${baseline} and ${count(candidate)} for ${candidate}; at least ${LIMITS.minSamplesForSignificance} each are needed.`;
  }
  if (!comparison.significant) {
    return `No significant difference: ${candidate} and ${baseline} get negative feedback at rates that chance alone could explain.`;
  }
  return comparison.difference > 0
    ? `${candidate} is worse: it gets significantly more negative feedback than ${baseline}.`
    : `${candidate} is better: it gets significantly less negative feedback than ${baseline}.`;
}

export async function feedback(ctx: CommandContext, id: string, options: FeedbackOptions): Promise<number> {
  parsePromptId(id);
  if ((options.baseline === undefined) !== (options.candidate === undefined))
    throw new UsageError('Give both --baseline and --candidate, or neither');
  if (options.baseline !== undefined) parseVersion(options.baseline, '--baseline');
  if (options.candidate !== undefined) parseVersion(options.candidate, '--candidate');
  const environment = await ctx.environment(options.env);
  const api = await ctx.api();
  const report = await api.get<FeedbackReport>(`/prompts/${segment(id)}/feedback`, {
    environment,
    since: options.since,
    baseline: options.baseline,
    candidate: options.candidate,
  });
  const comparison = report.comparison;
  const plain = comparison ? verdict(comparison, report.versions) : undefined;

  ctx.out.result(
    {
      id,
      environment,
      ...(options.since ? { since: options.since } : {}),
      ...report,
      ...(plain ? { verdict: plain } : {}),
    },
    () => {
      const c = ctx.out.colors;
      ctx.out.line(`${c.bold(id)} in ${environment}${options.since ? ` since ${options.since}` : ''}`);
      ctx.out.line();
      if (report.versions.length === 0) {
        ctx.out.line('No feedback yet.');
        return;
      }
      ctx.out.table(report.versions, [
        { header: 'VERSION', value: (v) => v.version },
        { header: 'RATINGS', value: (v) => String(v.count), align: 'right' },
        { header: 'POSITIVE', value: (v) => String(v.positive), align: 'right' },
        { header: 'NEGATIVE', value: (v) => String(v.negative), align: 'right' },
        {
          header: 'NEGATIVE %',
          value: (v) => (v.count ? percent(v.negative / v.count) : '-'),
          align: 'right',
        },
        {
          header: 'MEAN STARS',
          value: (v) => (v.mean === undefined ? '' : v.mean.toFixed(2)),
          align: 'right',
        },
      ]);
      ctx.out.line();
      if (!comparison) {
        ctx.out.line('No comparison: it needs feedback on two versions.');
        return;
      }
      const sign = comparison.difference > 0 ? '+' : '';
      ctx.out.line(
        `${c.bold('Comparison')}  ${comparison.candidate} vs ${comparison.baseline}: negative rate ${sign}${(comparison.difference * 100).toFixed(1)} points, p = ${comparison.pValue < 0.0001 ? comparison.pValue.toExponential(1) : comparison.pValue.toFixed(4)}${comparison.significant ? ' (significant)' : ''}`,
      );
      ctx.out.line(`${c.bold('Verdict')}     ${plain}`);
    },
  );
  return EXIT.ok;
}

export const feedbackCommand = defineCommand({
  name: 'feedback',
  description: 'feedback per version, and the comparison of two versions with its p-value and a verdict',
  arguments: [{ name: '<id>', description: 'prompt id' }],
  options: [
    ENV_OPTION,
    new Option('--since <date>', 'from this UTC day on (YYYY-MM-DD or an ISO 8601 date-time)'),
    new Option('--baseline <version>', 'compare this version...'),
    new Option(
      '--candidate <version>',
      '...with this one (default: the two versions with the most feedback)',
    ),
  ],
  examples: ['promptops feedback support-reply --env prod --since 2026-11-01'],
  action: (ctx, [id], options: FeedbackOptions) => feedback(ctx, id, options),
});
