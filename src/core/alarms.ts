/**
 * The alarms that guard a rollout, defined once: the CDK stack turns them into CloudWatch metric math
 * alarms (the expression below), and local mode evaluates the same rules over the metrics it receives
 * ({@link evaluateAlarm}). Each works on an environment's roll-up of the EMF metrics in metrics.ts.
 *
 * Every rule carries a minimum sample: a period with fewer invocations (or ratings) than
 * `minimumSamples` counts as not breaching, so a single failed request cannot roll a deployment back.
 */
import { DIMENSION, METRICS, type MetricDefinition } from './metrics.ts';
import type { PromptOpsSettings } from './settings.ts';

export type ThresholdAlarmName = 'ErrorRate' | 'P99Latency' | 'NegativeFeedbackRate' | 'StaleClients';

export interface ThresholdAlarmRule {
  readonly name: ThresholdAlarmName;
  readonly description: string;
  /** Its runbook, a file of docs/runbooks/ (see {@link runbookLink}). */
  readonly runbook: RunbookFile;
  /**
   * `ratio`: 100 × Sum(metric) / Sum(sampleMetric), a percentage.
   * `percentile`: the `statistic` percentile of `metric`.
   */
  readonly kind: 'ratio' | 'percentile';
  readonly metric: MetricDefinition;
  /** CloudWatch statistic of `metric`. */
  readonly statistic: 'Sum' | 'p99';
  /** Counted with Sum; the rule needs `minimumSamples` of it in a period. */
  readonly sampleMetric: MetricDefinition;
  /** The alarm fires when the value is greater than this. */
  readonly threshold: number;
  readonly unit: 'Percent' | 'Milliseconds';
  readonly minimumSamples: number;
  readonly periodSeconds: number;
  /** The alarm looks at this many most recent periods... */
  readonly evaluationPeriods: number;
  /** ...and fires when at least this many of them breach. */
  readonly datapointsToAlarm: number;
}

/** An anomaly band learned by CloudWatch; it tells operators, it does not roll back on its own. */
export interface AnomalyAlarmRule {
  readonly name: 'LatencyAnomaly';
  readonly description: string;
  readonly runbook: RunbookFile;
  readonly metric: MetricDefinition;
  readonly statistic: 'Average';
  /** Width of the expected band in standard deviations. */
  readonly bandStandardDeviations: number;
  readonly periodSeconds: number;
  readonly evaluationPeriods: number;
  readonly datapointsToAlarm: number;
}

export type AlarmThresholds = Pick<
  PromptOpsSettings,
  'alarmErrorRatePercent' | 'alarmP99LatencyMs' | 'alarmNegativeFeedbackPercent' | 'alarmMinimumSamples'
>;

/**
 * The runbooks in docs/runbooks/, one per alarm and per failure scenario: what it means, how to
 * confirm it, the decision (roll back, hold, roll forward), the commands, the follow-up.
 */
export const RUNBOOKS = {
  index: 'README.md',
  errorRate: 'error-rate.md',
  p99Latency: 'p99-latency.md',
  negativeFeedback: 'negative-feedback.md',
  latencyAnomaly: 'latency-anomaly.md',
  canaryAnalysis: 'canary-analysis-failed.md',
  deadLetters: 'dead-letters.md',
  deploymentStuck: 'appconfig-deployment-stuck.md',
  staleClients: 'stale-clients.md',
  regionLost: 'primary-region-lost.md',
} as const;

export type RunbookFile = (typeof RUNBOOKS)[keyof typeof RUNBOOKS];

/** Where a runbook is read: `<base>/<file>` when the runbooks are published, else its path in the repository. */
export function runbookLink(file: RunbookFile, baseUrl?: string): string {
  return baseUrl ? `${baseUrl.replace(/\/+$/, '')}/${file}` : `docs/runbooks/${file}`;
}

/** The rollback rules that roll `environment` back by the decision matrix; the others only notify. */
export function splitByDecision(
  rules: readonly ThresholdAlarmRule[],
  rollbackAlarms: readonly string[],
): { readonly rollback: ThresholdAlarmRule[]; readonly notifyOnly: ThresholdAlarmRule[] } {
  return {
    rollback: rules.filter((rule) => rollbackAlarms.includes(rule.name)),
    notifyOnly: rules.filter((rule) => !rollbackAlarms.includes(rule.name)),
  };
}

/** One minute periods, three breaching out of five: a rollout reacts within minutes, not seconds. */
const PERIOD_SECONDS = 60;
const EVALUATION_PERIODS = 5;
const DATAPOINTS_TO_ALARM = 3;

/** The rules whose composite alarm is an environment's AppConfig monitor: ALARM rolls back. */
export function rollbackAlarmRules(thresholds: AlarmThresholds): readonly ThresholdAlarmRule[] {
  const common = {
    minimumSamples: thresholds.alarmMinimumSamples,
    periodSeconds: PERIOD_SECONDS,
    evaluationPeriods: EVALUATION_PERIODS,
    datapointsToAlarm: DATAPOINTS_TO_ALARM,
  } as const;
  return [
    {
      name: 'ErrorRate',
      description: `Errors above ${thresholds.alarmErrorRatePercent}% of invocations`,
      runbook: RUNBOOKS.errorRate,
      kind: 'ratio',
      metric: METRICS.errors,
      statistic: 'Sum',
      sampleMetric: METRICS.invocations,
      threshold: thresholds.alarmErrorRatePercent,
      unit: 'Percent',
      ...common,
    },
    {
      name: 'P99Latency',
      description: `p99 latency above ${thresholds.alarmP99LatencyMs} ms`,
      runbook: RUNBOOKS.p99Latency,
      kind: 'percentile',
      metric: METRICS.latency,
      statistic: 'p99',
      sampleMetric: METRICS.invocations,
      threshold: thresholds.alarmP99LatencyMs,
      unit: 'Milliseconds',
      ...common,
    },
    {
      name: 'NegativeFeedbackRate',
      description: `Negative feedback above ${thresholds.alarmNegativeFeedbackPercent}% of ratings`,
      runbook: RUNBOOKS.negativeFeedback,
      kind: 'ratio',
      metric: METRICS.negativeFeedback,
      statistic: 'Sum',
      sampleMetric: METRICS.feedbackCount,
      threshold: thresholds.alarmNegativeFeedbackPercent,
      unit: 'Percent',
      ...common,
    },
  ];
}

export const LATENCY_ANOMALY_RULE: AnomalyAlarmRule = {
  name: 'LatencyAnomaly',
  description: 'Average latency outside the band CloudWatch learned from its history',
  runbook: RUNBOOKS.latencyAnomaly,
  metric: METRICS.latency,
  statistic: 'Average',
  bandStandardDeviations: 3,
  periodSeconds: 300,
  evaluationPeriods: 3,
  datapointsToAlarm: 3,
};

/**
 * Clients serving stale or fallback manifests (the client's StaleServes, 1 per stale serve): more than
 * 10% of an environment's invocations in each of three five-minute periods, with at least the
 * alarms' minimum sample. It notifies only: rolling back cannot help a client that cannot fetch.
 */
export function staleClientRule(
  thresholds: Pick<AlarmThresholds, 'alarmMinimumSamples'>,
): ThresholdAlarmRule {
  return {
    name: 'StaleClients',
    description: 'Stale or fallback manifests served above 10% of invocations',
    runbook: RUNBOOKS.staleClients,
    kind: 'ratio',
    metric: METRICS.staleServes,
    statistic: 'Sum',
    sampleMetric: METRICS.invocations,
    threshold: 10,
    unit: 'Percent',
    minimumSamples: thresholds.alarmMinimumSamples,
    periodSeconds: 300,
    evaluationPeriods: 3,
    datapointsToAlarm: 3,
  };
}

/**
 * The CloudWatch name of an environment's alarm (`ErrorRate`, `P99Latency`, `NegativeFeedbackRate`,
 * the composite `Rollback`, `LatencyAnomaly`): `<application>-<environment>-<alarm>`. The stack names its
 * alarms so, local mode reports its own so, and the CLI finds them by the prefix.
 */
export function alarmName(application: string, environment: string, alarm: string): string {
  return `${alarmNamePrefix(application, environment)}${alarm}`;
}

export function alarmNamePrefix(application: string, environment: string): string {
  return `${application}-${environment}-`;
}

/** Metric ids used by {@link alarmExpression}. */
export const EXPRESSION_IDS = { value: 'value', samples: 'samples' } as const;

/**
 * The CloudWatch metric math expression of a rule, over `value` (the rule's metric and statistic) and
 * `samples` (Sum of its sample metric). Below the minimum sample it is 0, which never breaches; a
 * period with no samples at all has no datapoint, which the alarm treats as not breaching.
 */
export function alarmExpression(rule: ThresholdAlarmRule): string {
  const { value, samples } = EXPRESSION_IDS;
  const computed = rule.kind === 'ratio' ? `100 * FILL(${value}, 0) / ${samples}` : value;
  return `IF(${samples} >= ${rule.minimumSamples}, ${computed}, 0)`;
}

/** The environment roll-up dimensions the alarms read (one of metrics.ts DIMENSION_SETS). */
export function environmentDimensions(environment: string): Record<string, string> {
  return { [DIMENSION.environment]: environment };
}

/** What one period holds for a rule, as local mode aggregates it. */
export interface PeriodStatistics {
  /** Sum of the rule's sample metric; undefined when nothing was recorded. */
  readonly samples?: number;
  /** The rule's statistic of its metric (Sum, or the percentile); undefined when nothing was recorded. */
  readonly value?: number;
}

/** The expression's value for one period, or undefined when the period has no datapoint. */
export function periodValue(rule: ThresholdAlarmRule, period: PeriodStatistics): number | undefined {
  const { samples, value } = period;
  if (samples === undefined) return undefined;
  if (samples < rule.minimumSamples) return 0;
  if (rule.kind === 'ratio') return samples === 0 ? undefined : (100 * (value ?? 0)) / samples;
  return value;
}

export type AlarmState = 'OK' | 'ALARM';

/**
 * AppConfig rolls a deployment back when a monitor is in ALARM or in INSUFFICIENT_DATA. PromptOps keeps
 * its monitors out of INSUFFICIENT_DATA by treating missing data as not breaching (a quiet environment,
 * or a period below the minimum samples, evaluates OK), so the state occurs only before an alarm's
 * first evaluation, about a period after it is created: the first deployment after a new stack (or
 * a new environment) should wait that minute. See docs/local-appconfig.md.
 *
 * CloudWatch's M-out-of-N evaluation with missing data treated as not breaching: the last
 * `evaluationPeriods` periods (oldest first) are looked at, and ALARM needs `datapointsToAlarm` of them
 * above the threshold.
 */
export function evaluateAlarm(rule: ThresholdAlarmRule, periods: readonly PeriodStatistics[]): AlarmState {
  const recent = periods.slice(-rule.evaluationPeriods);
  const breaching = recent.filter((p) => {
    const v = periodValue(rule, p);
    return v !== undefined && v > rule.threshold;
  }).length;
  return breaching >= rule.datapointsToAlarm ? 'ALARM' : 'OK';
}

/** An environment's composite alarm: ALARM when any of its rules is. */
export function compositeAlarmState(states: readonly AlarmState[]): AlarmState {
  return states.includes('ALARM') ? 'ALARM' : 'OK';
}
