/**
 * `promptops report feedback <id> --env <env> [--since]`: ratings per version, the positive share
 * with its 95% Wilson interval, the comparison of two versions (GET /prompts/{id}/feedback's
 * two-proportion test, with the Newcombe interval of the difference) and the trend per day from the
 * FeedbackCount and NegativeFeedback metrics (GET /prompts/{id}/metrics, daily periods).
 */
import type {
  FeedbackComparison,
  FeedbackReport as FeedbackResponse,
  MetricsHistoryResponse,
} from '../../core/api.ts';
import { differenceInterval, type Interval, wilsonInterval } from '../../core/statistics.ts';
import { segment } from '../api-client.ts';
import { chart, format, list, paragraph, type ReportDocument, table } from './document.ts';
import { fetchMetrics } from './metrics-series.ts';
import type { ReportApi } from './report-api.ts';

export interface VersionFeedbackShare {
  readonly version: string;
  readonly count: number;
  readonly positive: number;
  readonly negative: number;
  readonly mean?: number;
  /** positive / count, with its 95% Wilson interval. */
  readonly positiveShare: number;
  readonly interval: Interval;
}

export interface FeedbackDay {
  readonly day: string;
  readonly version: string;
  readonly ratings: number;
  readonly negative: number;
  /** 1 − negative / ratings. */
  readonly positiveShare: number;
}

export interface FeedbackReportData {
  readonly kind: 'feedback';
  readonly promptId: string;
  readonly environment: string;
  readonly since: string;
  readonly generatedAt: string;
  readonly versions: readonly VersionFeedbackShare[];
  readonly comparison?: FeedbackComparison & {
    /** 95% interval of the candidate's negative rate minus the baseline's. */
    readonly differenceInterval: Interval;
  };
  readonly days: readonly FeedbackDay[];
}

export interface FeedbackInputs {
  readonly promptId: string;
  readonly environment: string;
  readonly since: string;
  readonly feedback: FeedbackResponse;
  /** Daily points. */
  readonly daily: MetricsHistoryResponse;
  readonly now: Date;
}

/** The default window: the last 30 UTC days, today included. */
export function defaultSinceDay(now: Date, days = 30): string {
  return new Date(now.getTime() - (days - 1) * 86_400_000).toISOString().slice(0, 10);
}

export async function collectFeedback(
  api: ReportApi,
  promptId: string,
  query: { environment: string; since?: string },
  now: Date,
): Promise<FeedbackInputs> {
  const since = query.since ?? defaultSinceDay(now);
  const [feedback, daily] = await Promise.all([
    api.get<FeedbackResponse>(`/prompts/${segment(promptId)}/feedback`, {
      environment: query.environment,
      since,
    }),
    fetchMetrics(api, promptId, {
      environment: query.environment,
      since,
      until: now.toISOString(),
      period: 86_400,
    }),
  ]);
  return { promptId, environment: query.environment, since, feedback, daily, now };
}

export function buildFeedback(inputs: FeedbackInputs): FeedbackReportData {
  const versions = inputs.feedback.versions.map((v) => ({
    version: v.version,
    count: v.count,
    positive: v.positive,
    negative: v.negative,
    ...(v.mean !== undefined ? { mean: v.mean } : {}),
    positiveShare: v.count > 0 ? v.positive / v.count : 0,
    interval: v.count > 0 ? wilsonInterval({ successes: v.positive, trials: v.count }) : { low: 0, high: 1 },
  }));
  const c = inputs.feedback.comparison;
  const count = (version: string) => inputs.feedback.versions.find((v) => v.version === version);
  const baseline = c && count(c.baseline);
  const candidate = c && count(c.candidate);
  const days = inputs.daily.series
    .flatMap((s) =>
      s.points
        .filter((p) => p.ratings > 0)
        .map((p) => ({
          day: p.at.slice(0, 10),
          version: s.version,
          ratings: p.ratings,
          negative: p.negativeRatings,
          positiveShare: 1 - p.negativeRatings / p.ratings,
        })),
    )
    .sort((a, b) => a.day.localeCompare(b.day) || a.version.localeCompare(b.version));
  return {
    kind: 'feedback',
    promptId: inputs.promptId,
    environment: inputs.environment,
    since: inputs.since,
    generatedAt: inputs.now.toISOString(),
    versions,
    ...(c && baseline && candidate
      ? {
          comparison: {
            ...c,
            differenceInterval: differenceInterval(
              { successes: baseline.negative, trials: baseline.count },
              { successes: candidate.negative, trials: candidate.count },
            ),
          },
        }
      : {}),
    days,
  };
}

export function feedbackDocument(report: FeedbackReportData): ReportDocument {
  const c = report.comparison;
  const dayLabels = [...new Set(report.days.map((d) => d.day))];
  const dayVersions = [...new Set(report.days.map((d) => d.version))];
  const share = (day: string, version: string) => {
    const d = report.days.find((x) => x.day === day && x.version === version);
    return d ? Math.round(d.positiveShare * 1000) / 10 : null;
  };
  return {
    title: `Feedback report: ${report.promptId} in ${report.environment}`,
    summary: [`Ratings since ${report.since} (UTC days).`, `Generated ${report.generatedAt}.`],
    sections: [
      {
        heading: 'Per version',
        blocks:
          report.versions.length === 0
            ? [paragraph('No feedback in this window.')]
            : [
                table(
                  [
                    'Version',
                    'Ratings',
                    'Positive',
                    'Negative',
                    'Positive share',
                    '95% interval',
                    'Mean stars',
                  ],
                  report.versions.map((v) => [
                    v.version,
                    v.count,
                    v.positive,
                    v.negative,
                    format.percent(v.positiveShare),
                    `${format.percent(v.interval.low)} to ${format.percent(v.interval.high)}`,
                    v.mean === undefined ? '-' : v.mean.toFixed(2),
                  ]),
                  [1, 2, 3, 4, 6],
                ),
                chart('Positive share with 95% Wilson intervals', {
                  type: 'interval',
                  labels: report.versions.map((v) => v.version),
                  estimates: report.versions.map((v) => v.positiveShare * 100),
                  intervals: report.versions.map(
                    (v) => [v.interval.low * 100, v.interval.high * 100] as const,
                  ),
                  yTitle: 'positive %',
                }),
              ],
      },
      {
        heading: 'Comparison',
        blocks: c
          ? [
              list([
                `${c.candidate} against ${c.baseline}: negative rate ${format.points(c.difference)} (95% interval ${format.points(c.differenceInterval.low)} to ${format.points(c.differenceInterval.high)})`,
                `Two-proportion z-test: p = ${format.pValue(c.pValue)}, ${c.significant ? 'significant at 5%' : 'not significant at 5%'}`,
              ]),
            ]
          : [paragraph('No comparison: it needs feedback on two versions.')],
      },
      {
        heading: 'Trend per day',
        blocks:
          report.days.length === 0
            ? [paragraph('No ratings recorded per day in this window.')]
            : [
                table(
                  ['Day', 'Version', 'Ratings', 'Negative', 'Positive share'],
                  report.days.map((d) => [
                    d.day,
                    d.version,
                    d.ratings,
                    d.negative,
                    format.percent(d.positiveShare),
                  ]),
                  [2, 3, 4],
                ),
                chart('Positive share per day', {
                  type: 'line',
                  labels: dayLabels,
                  datasets: dayVersions.map((v) => ({ label: v, data: dayLabels.map((d) => share(d, v)) })),
                  yTitle: 'positive %',
                }),
              ],
      },
    ],
  };
}
