/**
 * The metrics history of GET /prompts/{id}/metrics (docs/reports.md): the window and period a query
 * asks for, checked once here for the Lambda (CloudWatch GetMetricData) and local mode (its metrics
 * store), and how one period's raw values become a point.
 */
import type { MetricPoint, MetricRole } from './api.ts';
import { BadRequestError, displayValue } from './errors.ts';
import { METRICS } from './metrics.ts';

/** A series never has more points than this: a day at one-minute resolution. */
export const MAX_POINTS_PER_SERIES = 1440;
/** Without `since`: the last day. */
export const DEFAULT_WINDOW_MS = 24 * 60 * 60 * 1000;
/** The periods chosen when none is given, finest first: the first that fits in MAX_POINTS_PER_SERIES. */
export const DEFAULT_PERIODS: readonly number[] = [60, 300, 900, 3600, 21_600, 86_400];
/** The versions a history covers: the newest that existed by `until` (9 queries each, within GetMetricData's 500). */
export const MAX_HISTORY_VERSIONS = 50;

export interface MetricsWindowInput {
  readonly since?: string;
  readonly until?: string;
  readonly period?: string;
}

export interface MetricsWindow {
  /** Start (inclusive) and end (exclusive) as asked; periods count from the start. */
  readonly start: Date;
  readonly end: Date;
  readonly periodSeconds: number;
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:\d{2})$/i;

/** BAD_REQUEST naming the query parameter in `errors`. */
export function badParameter(name: string, message: string): BadRequestError {
  return new BadRequestError(message, { errors: [{ path: name, message }] });
}

/** An ISO 8601 date-time with a time zone, or a UTC day, as epoch milliseconds; BAD_REQUEST naming `name` otherwise. */
export function parseInstant(name: 'since' | 'until', value: string): number {
  const invalid = () =>
    badParameter(
      name,
      `${name} ${displayValue(value)} is not a date: use an ISO 8601 date-time with a time zone (2026-03-01T12:00:00Z) or a UTC day (2026-03-01)`,
    );
  if (DATE.test(value)) {
    const ms = Date.parse(`${value}T00:00:00Z`);
    if (Number.isNaN(ms) || new Date(ms).toISOString().slice(0, 10) !== value) throw invalid();
    return ms;
  }
  if (!DATE_TIME.test(value)) throw invalid();
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) throw invalid();
  return ms;
}

/** Points over `[start, end)`, one per period from the start (the last one may be partial). */
function pointsIn(startMs: number, endMs: number, periodSeconds: number): number {
  return Math.ceil((endMs - startMs) / (periodSeconds * 1000));
}

/**
 * The window of a metrics query: `until` defaults to now and `since` to a day before it; the period
 * (seconds, a multiple of 60) defaults to the finest that keeps a series within
 * MAX_POINTS_PER_SERIES. A bad value is BAD_REQUEST naming the parameter, before anything is read.
 */
export function metricsWindow(input: MetricsWindowInput, now: Date): MetricsWindow {
  const until = input.until === undefined ? now.getTime() : parseInstant('until', input.until);
  const since = input.since === undefined ? until - DEFAULT_WINDOW_MS : parseInstant('since', input.since);
  if (since >= until)
    throw badParameter(
      'since',
      `since ${new Date(since).toISOString()} must be before until ${new Date(until).toISOString()}`,
    );
  let periodSeconds: number;
  if (input.period !== undefined) {
    if (!/^\d{1,7}$/.test(input.period) || Number(input.period) < 60 || Number(input.period) % 60 !== 0)
      throw badParameter(
        'period',
        `period ${displayValue(input.period)} must be a whole number of seconds, a multiple of 60 (60, 300, 3600)`,
      );
    periodSeconds = Number(input.period);
    const points = pointsIn(since, until, periodSeconds);
    if (points > MAX_POINTS_PER_SERIES) {
      const fits = DEFAULT_PERIODS.find((p) => pointsIn(since, until, p) <= MAX_POINTS_PER_SERIES);
      throw badParameter(
        'period',
        `period ${periodSeconds} gives ${points} points over this window, more than ${MAX_POINTS_PER_SERIES}: use a longer period${fits ? ` (${fits} fits)` : ''} or a shorter window`,
      );
    }
  } else {
    const fits = DEFAULT_PERIODS.find((p) => pointsIn(since, until, p) <= MAX_POINTS_PER_SERIES);
    if (fits === undefined)
      throw badParameter(
        'since',
        `The window from ${new Date(since).toISOString()} is too long for ${MAX_POINTS_PER_SERIES} daily points: give a later since`,
      );
    periodSeconds = fits;
  }
  return { start: new Date(since), end: new Date(until), periodSeconds };
}

/** The value at percentile `p` (nearest rank, as CloudWatch's pNN on raw values). */
export function nearestRankPercentile(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] as number;
}

/** Raw values of one period, by metric name (src/core/metrics.ts), as a point. */
export interface PeriodValues {
  readonly sums: ReadonlyMap<string, number>;
  readonly latencies: readonly number[];
}

export function pointOf(at: Date, values: PeriodValues): MetricPoint {
  const sum = (name: string) => values.sums.get(name) ?? 0;
  const sorted = [...values.latencies].sort((a, b) => a - b);
  return {
    at: at.toISOString(),
    count: sum(METRICS.invocations.name),
    errors: sum(METRICS.errors.name),
    latencyP50: nearestRankPercentile(sorted, 50),
    latencyP99: nearestRankPercentile(sorted, 99),
    inputTokens: sum(METRICS.inputTokens.name),
    outputTokens: sum(METRICS.outputTokens.name),
    costUsd: sum(METRICS.cost.name),
    ratings: sum(METRICS.feedbackCount.name),
    negativeRatings: sum(METRICS.negativeFeedback.name),
  };
}

export interface MetricsHistoryQuery {
  readonly environment: string;
  readonly promptId: string;
  readonly versions: readonly string[];
  /** Start inclusive, end exclusive; periods count from the start. */
  readonly start: Date;
  readonly end: Date;
  readonly periodSeconds: number;
  /** `shadow`: the versions' shadow calls (the Role=shadow metrics, docs/shadows.md). @default 'primary' */
  readonly role?: MetricRole;
}

/** Where the per-version metrics are kept: CloudWatch on AWS, the metrics store in local mode. */
export interface MetricsHistorySource {
  /** Each version's points with data, oldest first (versions without any may be left out). */
  series(query: MetricsHistoryQuery): Promise<Readonly<Record<string, readonly MetricPoint[]>>>;
}
