/**
 * `promptops report experiment <id> --env <env>`: the results of the prompt's A/B split in that
 * environment since the split started. The success is a positive rating (GET /prompts/{id}/feedback);
 * calls and errors come from the metrics history. Each variant is compared with the first (the
 * control) by core experiment.ts: difference with its interval, p-value and a plain verdict.
 */
import type {
  EnvironmentStatusResponse,
  FeedbackReport as FeedbackResponse,
  MetricsHistoryResponse,
} from '../../core/api.ts';
import { compareVariant, type ExperimentComparison, type ExperimentOptions } from '../../core/experiment.ts';
import { type Pin, pinVariants } from '../../core/pins.ts';
import { type Interval, wilsonInterval } from '../../core/statistics.ts';
import { segment } from '../api-client.ts';
import { CliError } from '../errors.ts';
import { describePin } from '../refs.ts';
import { chart, format, list, paragraph, type ReportDocument, table } from './document.ts';
import { fetchMetrics, totalsOf, wholeWindowPeriod } from './metrics-series.ts';
import type { ReportApi } from './report-api.ts';

export interface VariantResult {
  readonly version: string;
  readonly weight: number;
  readonly calls: number;
  readonly errorRate: number | null;
  readonly ratings: number;
  readonly positive: number;
  readonly positiveRate: number | null;
  readonly interval: Interval | null;
}

export interface VariantComparison extends ExperimentComparison {
  readonly control: string;
  readonly variant: string;
  /** The sentence a reader acts on. */
  readonly summary: string;
}

export interface ExperimentReport {
  readonly kind: 'experiment';
  readonly promptId: string;
  readonly environment: string;
  readonly pin: Pin;
  /** When the environment started serving this split. */
  readonly since: string;
  readonly generatedAt: string;
  readonly metric: 'positive feedback rate';
  readonly variants: readonly VariantResult[];
  readonly comparisons: readonly VariantComparison[];
}

export interface ExperimentInputs {
  readonly promptId: string;
  readonly environment: string;
  readonly status: EnvironmentStatusResponse;
  readonly feedback: FeedbackResponse;
  readonly metrics: MetricsHistoryResponse;
  readonly since: string;
  readonly now: Date;
  readonly options?: ExperimentOptions;
}

const samePin = (a: Pin | undefined, b: Pin) => a !== undefined && JSON.stringify(a) === JSON.stringify(b);

/** The start of the run of revisions (newest backwards) that all pinned the prompt as it is now. */
export function splitStart(status: EnvironmentStatusResponse, promptId: string): string | undefined {
  const pin = status.prompts[promptId];
  if (pin === undefined) return undefined;
  let start: string | undefined;
  for (const revision of status.history) {
    if (revision.state === 'ROLLED_BACK' || revision.state === 'STARTING') continue;
    if (!samePin(revision.pins[promptId], pin)) break;
    start = revision.createdAt;
  }
  return start;
}

export async function collectExperiment(
  api: ReportApi,
  promptId: string,
  environment: string,
  now: Date,
  options?: ExperimentOptions,
): Promise<ExperimentInputs> {
  const status = await api.get<EnvironmentStatusResponse>(`/environments/${segment(environment)}`);
  const pin = status.prompts[promptId];
  if (pin === undefined || typeof pin === 'string') {
    throw new CliError(
      `${promptId} runs no A/B split in ${environment}: it is pinned to ${pin === undefined ? 'nothing' : pin}`,
      {
        details: [
          `Start one with: promptops deploy --env ${environment} --split ${promptId}=<v1>:<w1>,<v2>:<w2>`,
        ],
      },
    );
  }
  const since = splitStart(status, promptId) ?? now.toISOString();
  const until = now.toISOString();
  const [feedback, metrics] = await Promise.all([
    api.get<FeedbackResponse>(`/prompts/${segment(promptId)}/feedback`, { environment, since }),
    fetchMetrics(api, promptId, { environment, since, until, period: wholeWindowPeriod(since, until) }),
  ]);
  return { promptId, environment, status, feedback, metrics, since, now, ...(options ? { options } : {}) };
}

function sentence(c: ExperimentComparison, control: string, variant: string): string {
  switch (c.verdict) {
    case 'significant-winner': {
      const [winner, loser] = c.winner === 'variant' ? [variant, control] : [control, variant];
      return `${winner} wins: its positive rate is ${format.points(Math.abs(c.difference)).replace('+', '')} higher than ${loser}'s, p = ${format.pValue(c.pValue)}.`;
    }
    case 'no-difference-detected':
      return `No difference detected between ${variant} and ${control} (p = ${format.pValue(c.pValue)}), with enough ratings to have seen one of the smallest size worth acting on.`;
    case 'not-enough-data':
      return `Not enough data yet: about ${c.moreNeeded} more ratings per variant are needed (${c.requiredPerVariant} each in all).`;
  }
}

export function buildExperiment(inputs: ExperimentInputs): ExperimentReport {
  const pin = inputs.status.prompts[inputs.promptId] as Pin;
  const variants = pinVariants(pin).map((v): VariantResult => {
    const fb = inputs.feedback.versions.find((x) => x.version === v.version);
    const series = inputs.metrics.series.find((s) => s.version === v.version);
    const totals = totalsOf(series?.points ?? []);
    const ratings = fb?.count ?? 0;
    const positive = fb?.positive ?? 0;
    return {
      version: v.version,
      weight: v.weight,
      calls: totals.calls,
      errorRate: totals.errorRate,
      ratings,
      positive,
      positiveRate: ratings > 0 ? positive / ratings : null,
      interval: ratings > 0 ? wilsonInterval({ successes: positive, trials: ratings }) : null,
    };
  });
  const [control, ...others] = variants;
  const comparisons = control
    ? others.map((v): VariantComparison => {
        const result = compareVariant(
          { successes: control.positive, trials: control.ratings },
          { successes: v.positive, trials: v.ratings },
          inputs.options,
        );
        return {
          control: control.version,
          variant: v.version,
          ...result,
          summary: sentence(result, control.version, v.version),
        };
      })
    : [];
  return {
    kind: 'experiment',
    promptId: inputs.promptId,
    environment: inputs.environment,
    pin,
    since: inputs.since,
    generatedAt: inputs.now.toISOString(),
    metric: 'positive feedback rate',
    variants,
    comparisons,
  };
}

export function experimentDocument(report: ExperimentReport): ReportDocument {
  const rated = report.variants.filter((v) => v.interval !== null);
  return {
    title: `A/B test results: ${report.promptId} in ${report.environment}`,
    summary: [
      `Split ${describePin(report.pin)}, served since ${format.time(report.since)}. Success: a positive rating.`,
      `Generated ${report.generatedAt}.`,
    ],
    sections: [
      {
        heading: 'Verdict',
        blocks:
          report.comparisons.length === 0
            ? [paragraph('The split has one variant: nothing to compare.')]
            : [list(report.comparisons.map((c) => c.summary))],
      },
      {
        heading: 'Variants',
        blocks: [
          table(
            [
              'Version',
              'Weight',
              'Calls',
              'Error rate',
              'Ratings',
              'Positive',
              'Positive rate',
              '95% interval',
            ],
            report.variants.map((v) => [
              v.version,
              `${v.weight}%`,
              v.calls,
              format.percent(v.errorRate),
              v.ratings,
              v.positive,
              format.percent(v.positiveRate),
              v.interval ? `${format.percent(v.interval.low)} to ${format.percent(v.interval.high)}` : '-',
            ]),
            [1, 2, 3, 4, 5, 6],
          ),
          ...(rated.length === 0
            ? []
            : [
                chart('Positive rate per variant with 95% Wilson intervals', {
                  type: 'interval',
                  labels: rated.map((v) => v.version),
                  estimates: rated.map((v) => (v.positiveRate ?? 0) * 100),
                  intervals: rated.map(
                    (v) => [(v.interval as Interval).low * 100, (v.interval as Interval).high * 100] as const,
                  ),
                  yTitle: 'positive %',
                }),
              ]),
        ],
      },
      {
        heading: 'Comparisons',
        blocks:
          report.comparisons.length === 0
            ? []
            : [
                table(
                  [
                    'Variant',
                    'Control',
                    'Difference',
                    '95% interval',
                    'p-value',
                    'Verdict',
                    'Needed per variant',
                  ],
                  report.comparisons.map((c) => [
                    c.variant,
                    c.control,
                    format.points(c.difference),
                    `${format.points(c.interval.low)} to ${format.points(c.interval.high)}`,
                    format.pValue(c.pValue),
                    c.verdict,
                    c.requiredPerVariant,
                  ]),
                  [2, 4, 6],
                ),
              ],
      },
    ],
  };
}
