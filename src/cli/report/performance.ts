/**
 * `promptops report performance <id> --env <env> [--since]`: per version latency p50 and p99, error
 * rate, tokens, and cost per call and per day, from the metrics history (GET /prompts/{id}/metrics).
 */
import type { MetricsHistoryResponse } from '../../core/api.ts';
import { chart, format, paragraph, type ReportDocument, table } from './document.ts';
import {
  alignSeries,
  fetchMetrics,
  totalsOf,
  type VersionTotals,
  wholeWindowPeriod,
} from './metrics-series.ts';
import type { ReportApi } from './report-api.ts';

export interface VersionPerformance extends VersionTotals {
  readonly version: string;
  readonly meanInputTokens: number | null;
  readonly meanOutputTokens: number | null;
  readonly costPerCall: number | null;
  readonly costPerDay: number;
}

export interface PerformanceReport {
  readonly kind: 'performance';
  readonly promptId: string;
  readonly environment: string;
  readonly since: string;
  readonly until: string;
  readonly generatedAt: string;
  readonly versions: readonly VersionPerformance[];
  /** The chart series (GET /prompts/{id}/metrics at its default period). */
  readonly history: MetricsHistoryResponse;
}

export interface PerformanceInputs {
  readonly promptId: string;
  /** The same window as one point per version: exact percentiles. */
  readonly totals: MetricsHistoryResponse;
  readonly history: MetricsHistoryResponse;
  readonly now: Date;
}

export async function collectPerformance(
  api: ReportApi,
  promptId: string,
  query: { environment: string; since?: string },
  now: Date,
): Promise<PerformanceInputs> {
  const history = await fetchMetrics(api, promptId, {
    environment: query.environment,
    ...(query.since ? { since: query.since } : {}),
  });
  const totals = await fetchMetrics(api, promptId, {
    environment: query.environment,
    since: history.since,
    until: history.until,
    period: wholeWindowPeriod(history.since, history.until),
  });
  return { promptId, totals, history, now };
}

export function buildPerformance(inputs: PerformanceInputs): PerformanceReport {
  const { totals, history } = inputs;
  const days = Math.max(1 / 24, (Date.parse(history.until) - Date.parse(history.since)) / 86_400_000);
  return {
    kind: 'performance',
    promptId: inputs.promptId,
    environment: history.environment,
    since: history.since,
    until: history.until,
    generatedAt: inputs.now.toISOString(),
    versions: totals.series.map((s) => {
      const t = totalsOf(s.points);
      return {
        version: s.version,
        ...t,
        meanInputTokens: t.calls > 0 ? t.inputTokens / t.calls : null,
        meanOutputTokens: t.calls > 0 ? t.outputTokens / t.calls : null,
        costPerCall: t.calls > 0 ? t.costUsd / t.calls : null,
        costPerDay: t.costUsd / days,
      };
    }),
    history,
  };
}

export function performanceDocument(report: PerformanceReport): ReportDocument {
  const { history } = report;
  const calls = alignSeries(history.series, (p) => p.count);
  const p99 = alignSeries(history.series, (p) => p.latencyP99);
  const errors = alignSeries(history.series, (p) => (p.count > 0 ? (p.errors / p.count) * 100 : null));
  const cost = alignSeries(history.series, (p) => p.costUsd);
  const datasets = (aligned: typeof calls) =>
    aligned.byVersion.map((v) => ({ label: v.version, data: v.data }));
  const rows = report.versions.map((v) => [
    v.version,
    v.calls,
    format.percent(v.errorRate),
    format.ms(v.latencyP50),
    format.ms(v.latencyP99),
    v.meanInputTokens === null ? '-' : v.meanInputTokens.toFixed(0),
    v.meanOutputTokens === null ? '-' : v.meanOutputTokens.toFixed(0),
    format.usd(v.costPerCall),
    format.usd(v.costPerDay),
  ]);
  return {
    title: `Performance report: ${report.promptId} in ${report.environment}`,
    summary: [
      `From ${format.time(report.since)} to ${format.time(report.until)}, every version with traffic.`,
      `Generated ${report.generatedAt}.`,
    ],
    sections: [
      {
        heading: 'Per version',
        blocks:
          report.versions.length === 0
            ? [paragraph('No traffic recorded in this window.')]
            : [
                table(
                  [
                    'Version',
                    'Calls',
                    'Error rate',
                    'p50',
                    'p99',
                    'Input tokens/call',
                    'Output tokens/call',
                    'Cost/call',
                    'Cost/day',
                  ],
                  rows,
                  [1, 2, 3, 4, 5, 6, 7, 8],
                ),
              ],
      },
      ...(history.series.length === 0
        ? []
        : [
            {
              heading: `Over time (${history.period} s periods)`,
              blocks: [
                chart('Calls per period', {
                  type: 'line',
                  labels: calls.labels,
                  datasets: datasets(calls),
                  yTitle: 'calls',
                }),
                chart('Latency p99', {
                  type: 'line',
                  labels: p99.labels,
                  datasets: datasets(p99),
                  yTitle: 'ms',
                }),
                chart('Error rate', {
                  type: 'line',
                  labels: errors.labels,
                  datasets: datasets(errors),
                  yTitle: '%',
                }),
                chart('Cost per period', {
                  type: 'bar',
                  labels: cost.labels,
                  datasets: datasets(cost),
                  yTitle: 'USD',
                  stacked: true,
                }),
              ],
            },
          ]),
    ],
  };
}
