/**
 * The feedback report of a prompt in one environment: per version, the sum of its daily aggregates
 * (from `since` on), and a comparison of two versions' negative rates with a two-proportion z-test.
 * One Query per aggregate shard on the aggregate index (the fixed fan-out of docs/architecture.md,
 * "Sharded feedback aggregates"); no scans, and no feedback item is read except to recount a shard
 * a failed post marked dirty, so the report is exact.
 */
import type { FeedbackReport, VersionFeedback } from '../../src/core/api.ts';
import { BadRequestError, displayValue, NotFoundError, ValidationError } from '../../src/core/errors.ts';
import { assertPromptId } from '../../src/core/ids.ts';
import { compareProportions } from '../../src/core/statistics.ts';
import { assertVersion, compareVersions } from '../../src/core/versioning.ts';
import type { DailyFeedbackTally } from '../model.ts';
import type { FeedbackDeps } from '../ports.ts';
import { assertConfiguredEnvironment } from './environments.ts';

export interface FeedbackReportQuery {
  readonly promptId: string;
  readonly environment: string;
  /** An ISO 8601 date or date-time; counts whole UTC days from the day it falls on. */
  readonly since?: string;
  /** Both or neither: the versions to compare instead of the two with the most feedback. */
  readonly baseline?: string;
  readonly candidate?: string;
}

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:\d{2})$/i;

/** The UTC day (`YYYY-MM-DD`) that `since` falls on. */
export function sinceDay(since: string): string {
  const invalid = () =>
    new BadRequestError(
      `since ${displayValue(since)} is not a date: use YYYY-MM-DD or an ISO 8601 date-time with a time zone, such as 2026-03-01 or 2026-03-01T12:00:00Z`,
    );
  const date = DATE.exec(since);
  if (date) {
    const parsed = new Date(`${since}T00:00:00Z`);
    // Rejects dates that do not exist (2026-02-30), which Date would roll over.
    if (Number.isNaN(parsed.getTime()) || parsed.toISOString().slice(0, 10) !== since) throw invalid();
    return since;
  }
  if (!DATE_TIME.test(since)) throw invalid();
  const ms = Date.parse(since);
  if (Number.isNaN(ms)) throw invalid();
  return new Date(ms).toISOString().slice(0, 10);
}

function comparedVersions(query: FeedbackReportQuery): { baseline: string; candidate: string } | undefined {
  if (query.baseline === undefined && query.candidate === undefined) return undefined;
  if (query.baseline === undefined || query.candidate === undefined)
    throw new BadRequestError(
      'Give both baseline and candidate, or neither to compare the two versions with the most feedback',
    );
  const baseline = assertVersion(query.baseline, 'baseline');
  const candidate = assertVersion(query.candidate, 'candidate');
  if (baseline === candidate) {
    const message = `baseline and candidate are both ${baseline}: compare two different versions`;
    throw new ValidationError(message, [{ path: 'candidate', message }]);
  }
  return { baseline, candidate };
}

interface Totals {
  count: number;
  positive: number;
  negative: number;
  stars: number;
  starsSum: number;
}

function totalsByVersion(tallies: readonly DailyFeedbackTally[]): Map<string, Totals> {
  const totals = new Map<string, Totals>();
  for (const day of tallies) {
    let total = totals.get(day.version);
    if (!total) {
      total = { count: 0, positive: 0, negative: 0, stars: 0, starsSum: 0 };
      totals.set(day.version, total);
    }
    total.count += day.count;
    total.positive += day.positive;
    total.negative += day.negative;
    total.stars += day.stars;
    total.starsSum += day.starsSum;
  }
  return totals;
}

/** The two versions with the most feedback (ties: the newer), older one as the baseline. */
function mostRated(totals: Map<string, Totals>): { baseline: string; candidate: string } | undefined {
  const [first, second] = [...totals.entries()]
    .filter(([, t]) => t.count > 0)
    .sort(([va, a], [vb, b]) => b.count - a.count || compareVersions(vb, va))
    .map(([version]) => version);
  if (first === undefined || second === undefined) return undefined;
  return compareVersions(first, second) < 0
    ? { baseline: first, candidate: second }
    : { baseline: second, candidate: first };
}

export async function feedbackReport(
  deps: FeedbackDeps,
  query: FeedbackReportQuery,
  environments: readonly string[],
): Promise<FeedbackReport> {
  const promptId = assertPromptId(query.promptId);
  assertConfiguredEnvironment(query.environment, environments);
  const from = query.since === undefined ? undefined : sinceDay(query.since);
  const requested = comparedVersions(query);

  const [latest, tallies, ...compared] = await Promise.all([
    deps.prompts.getLatestVersion(promptId),
    deps.feedback.listDailyTallies(query.environment, promptId, from, { settleDirty: true }),
    ...(requested
      ? [
          deps.prompts.getVersion(promptId, requested.baseline),
          deps.prompts.getVersion(promptId, requested.candidate),
        ]
      : []),
  ]);
  if (!latest) throw new NotFoundError(`Prompt ${promptId} does not exist`);
  if (requested) {
    const [baseline, candidate] = compared;
    if (!baseline) throw new NotFoundError(`Prompt ${promptId} has no version ${requested.baseline}`);
    if (!candidate) throw new NotFoundError(`Prompt ${promptId} has no version ${requested.candidate}`);
  }

  const totals = totalsByVersion(tallies);
  const versions = [...totals.entries()]
    .sort(([a], [b]) => compareVersions(b, a))
    .map(
      ([version, t]): VersionFeedback => ({
        version,
        count: t.count,
        positive: t.positive,
        negative: t.negative,
        ...(t.stars > 0 ? { mean: t.starsSum / t.stars } : {}),
      }),
    );

  const pair = requested ?? mostRated(totals);
  const baseline = pair && totals.get(pair.baseline);
  const candidate = pair && totals.get(pair.candidate);
  if (!pair || !baseline?.count || !candidate?.count) return { versions };
  const result = compareProportions(
    { successes: baseline.negative, trials: baseline.count },
    { successes: candidate.negative, trials: candidate.count },
  );
  return { versions, comparison: { baseline: pair.baseline, candidate: pair.candidate, ...result } };
}
