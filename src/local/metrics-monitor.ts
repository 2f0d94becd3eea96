/**
 * Local mode's CloudWatch: takes Embedded Metric Format documents (from POST /metrics, from feedback,
 * and from apps' `record()` lines sent to local mode), keeps each environment's roll-up per period,
 * and evaluates the same alarm rules and thresholds the stack creates (core alarms.ts). Periods are
 * the stack's one minute divided by the time scale, like every other duration in local mode.
 */
import {
  type AlarmThresholds,
  alarmName,
  evaluateAlarm,
  type PeriodStatistics,
  periodValue,
  rollbackAlarmRules,
  staleClientRule,
  type ThresholdAlarmRule,
} from '../core/alarms.ts';
import type { MetricPoint } from '../core/api.ts';
import type { VersionTraffic } from '../core/canary-traffic.ts';
import { APPCONFIG } from '../core/contracts.ts';
import { DIMENSION, METRIC_NAMESPACE, METRICS } from '../core/metrics.ts';
import { pointOf } from '../core/metrics-history.ts';
import { isShadowDocument } from '../core/shadow-metrics.ts';

interface PeriodTotals {
  /** Sum per metric name. */
  readonly sums: Map<string, number>;
  /** Every value per metric name, for percentiles. */
  readonly values: Map<string, number[]>;
}

export interface FiredAlarm {
  readonly alarmName: string;
  readonly alarmArn: string;
  readonly reason: string;
}

export interface AlarmStatus {
  readonly name: string;
  readonly state: 'OK' | 'ALARM';
  readonly description: string;
  /** Why, when in ALARM. */
  readonly reason?: string;
  /**
   * When the rule was first seen in its current state (epoch ms): the alarm's state-change time, as
   * CloudWatch stamps it, so a transition the notifier polls later keeps its order before the rollback
   * it caused (docs/runbooks/README.md, the incident timeline).
   */
  readonly since?: number;
}

export interface MetricsMonitorOptions {
  readonly thresholds: AlarmThresholds;
  /**
   * The decision matrix: per environment, the rules whose ALARM rolls back (`firedAlarm`); the others,
   * and the stale-clients rule, only show in `status`. @default every rollback rule everywhere
   */
  readonly rollbackAlarms?: Readonly<Record<string, readonly string[]>>;
  /** Periods are 60 s divided by this. @default 1 */
  readonly timeScale?: number;
  readonly now?: () => number;
}

/** How many periods are kept per environment (the rules look at the last five). */
const KEPT_PERIODS = 30;
/** How many periods are kept per version: a day at time scale 1, for canary windows. */
const KEPT_VERSION_PERIODS = 1440;

/** Named as the stack names them (core `alarmName`), for the local application. */
function localAlarmName(environment: string, rule: string): string {
  return alarmName(APPCONFIG.application, environment, rule);
}

export function localAlarmArn(environment: string, rule: string): string {
  return `arn:aws:cloudwatch:local:000000000000:alarm:${localAlarmName(environment, rule)}`;
}

function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] as number;
}

function versionKey(environment: string, promptId: string, version: string, role = 'primary'): string {
  return role === 'primary'
    ? JSON.stringify([environment, promptId, version])
    : JSON.stringify([environment, promptId, version, role]);
}

function add(totals: PeriodTotals, name: string, value: number): void {
  totals.sums.set(name, (totals.sums.get(name) ?? 0) + value);
  const list = totals.values.get(name) ?? [];
  list.push(value);
  totals.values.set(name, list);
}

/** `span` stored periods from `first` on, added up; undefined when none holds anything. */
function mergedTotals(
  byPeriod: Map<number, PeriodTotals> | undefined,
  first: number,
  span: number,
): PeriodTotals | undefined {
  if (span === 1) return byPeriod?.get(first);
  let merged: PeriodTotals | undefined;
  for (let p = first; p < first + span; p++) {
    const totals = byPeriod?.get(p);
    if (!totals) continue;
    merged ??= { sums: new Map(), values: new Map() };
    for (const [name, sum] of totals.sums) merged.sums.set(name, (merged.sums.get(name) ?? 0) + sum);
    for (const [name, values] of totals.values)
      merged.values.set(name, [...(merged.values.get(name) ?? []), ...values]);
  }
  return merged;
}

export class MetricsMonitor {
  readonly rules: readonly ThresholdAlarmRule[];
  /** Rules that notify only wherever they are (the stale-clients rule). */
  readonly notifyRules: readonly ThresholdAlarmRule[];
  readonly #rollbackAlarms: Readonly<Record<string, readonly string[]>> | undefined;
  readonly #periodMs: number;
  readonly #timeScale: number;
  readonly #now: () => number;
  /** Per environment and rule: the state last evaluated and since when (see `AlarmStatus.since`). */
  readonly #states = new Map<string, { state: 'OK' | 'ALARM'; since: number }>();
  /** environment -> period index -> totals */
  readonly #periods = new Map<string, Map<number, PeriodTotals>>();
  /** environment, prompt, version (JSON) -> period index -> totals */
  readonly #versionPeriods = new Map<string, Map<number, PeriodTotals>>();

  constructor(options: MetricsMonitorOptions) {
    this.rules = rollbackAlarmRules(options.thresholds);
    this.notifyRules = [staleClientRule(options.thresholds)];
    this.#rollbackAlarms = options.rollbackAlarms;
    const periodSeconds = this.rules[0]?.periodSeconds ?? 60;
    this.#periodMs = (periodSeconds * 1000) / (options.timeScale ?? 1);
    this.#timeScale = options.timeScale ?? 1;
    this.#now = options.now ?? Date.now;
  }

  get periodMs(): number {
    return this.#periodMs;
  }

  /** Takes one EMF document; anything that is not a PromptOps environment roll-up is ignored. */
  ingest(document: unknown): boolean {
    if (typeof document !== 'object' || document === null) return false;
    const doc = document as Record<string, unknown>;
    const aws = doc._aws as { Timestamp?: unknown; CloudWatchMetrics?: unknown } | undefined;
    const directives = Array.isArray(aws?.CloudWatchMetrics) ? aws.CloudWatchMetrics : [];
    const environment = doc[DIMENSION.environment];
    if (typeof environment !== 'string') return false;
    let taken = false;
    for (const directive of directives as { Namespace?: unknown; Metrics?: unknown }[]) {
      if (directive.Namespace !== METRIC_NAMESPACE || !Array.isArray(directive.Metrics)) continue;
      const at = typeof aws?.Timestamp === 'number' ? aws.Timestamp : this.#now();
      const period = Math.floor(at / this.#periodMs);
      const promptId = doc[DIMENSION.promptId];
      const version = doc[DIMENSION.promptVersion];
      // A shadow candidate's metrics (docs/shadows.md) carry only their Role=shadow set: never in the
      // roll-up the alarms read, nor in the per-version totals canary analysis reads.
      const shadow = isShadowDocument(doc);
      const totals = shadow ? [] : [this.#totals(this.#periods, environment, period, KEPT_PERIODS)];
      if (typeof promptId === 'string' && typeof version === 'string') {
        const key = versionKey(environment, promptId, version, shadow ? 'shadow' : 'primary');
        totals.push(this.#totals(this.#versionPeriods, key, period, KEPT_VERSION_PERIODS));
      }
      for (const metric of directive.Metrics as { Name?: unknown }[]) {
        if (typeof metric.Name !== 'string') continue;
        const raw = doc[metric.Name];
        const values = (Array.isArray(raw) ? raw : [raw]).filter(
          (v): v is number => typeof v === 'number' && Number.isFinite(v),
        );
        for (const value of values) {
          for (const into of totals) add(into, metric.Name, value);
          taken = true;
        }
      }
    }
    return taken;
  }

  /** Takes newline-separated EMF lines (what an app's stdout or `record()` produces). */
  ingestLines(text: string): number {
    let taken = 0;
    for (const line of text.split('\n')) {
      const trimmed = line.trim();
      if (!trimmed.startsWith('{')) continue;
      try {
        if (this.ingest(JSON.parse(trimmed))) taken++;
      } catch {
        // Not JSON: an ordinary log line.
      }
    }
    return taken;
  }

  /**
   * One version's totals over a window, at the store's period resolution (the periods the window's
   * ends fall in are included whole), as CloudWatch's GetMetricData would give them: sums of
   * Invocations, Errors, FeedbackCount and NegativeFeedback, p99 and mean of Latency.
   */
  versionTraffic(
    environment: string,
    promptId: string,
    version: string,
    since: Date,
    until: Date,
  ): VersionTraffic {
    const byPeriod = this.#versionPeriods.get(versionKey(environment, promptId, version));
    const first = Math.floor(since.getTime() / this.#periodMs);
    const last = Math.floor(until.getTime() / this.#periodMs);
    const sum = (name: string) => {
      let total = 0;
      for (const [period, totals] of byPeriod ?? []) {
        if (period >= first && period <= last) total += totals.sums.get(name) ?? 0;
      }
      return total;
    };
    const latencies: number[] = [];
    for (const [period, totals] of byPeriod ?? []) {
      if (period >= first && period <= last)
        latencies.push(...(totals.values.get(METRICS.latency.name) ?? []));
    }
    return {
      invocations: sum(METRICS.invocations.name),
      errors: sum(METRICS.errors.name),
      ratings: sum(METRICS.feedbackCount.name),
      negativeRatings: sum(METRICS.negativeFeedback.name),
      ...(latencies.length > 0
        ? {
            latencyP99: percentile(latencies, 99),
            latencyMean: latencies.reduce((a, b) => a + b, 0) / latencies.length,
          }
        : {}),
    };
  }

  /**
   * One version's points over `[start, end)` in periods of `periodSeconds` (GET /prompts/{id}/metrics),
   * from the store's periods that start inside the window; periods without data give no point. With
   * `role` shadow, the version's shadow calls only (docs/shadows.md).
   */
  versionHistory(
    environment: string,
    promptId: string,
    version: string,
    start: Date,
    end: Date,
    periodSeconds: number,
    role: 'primary' | 'shadow' = 'primary',
  ): MetricPoint[] {
    const byPeriod = this.#versionPeriods.get(versionKey(environment, promptId, version, role));
    const bucketMs = periodSeconds * 1000;
    const buckets = new Map<number, { sums: Map<string, number>; latencies: number[] }>();
    for (const [period, totals] of byPeriod ?? []) {
      const at = period * this.#periodMs;
      if (at < start.getTime() || at >= end.getTime()) continue;
      const bucket = start.getTime() + Math.floor((at - start.getTime()) / bucketMs) * bucketMs;
      const into = buckets.get(bucket) ?? { sums: new Map<string, number>(), latencies: [] };
      for (const [name, value] of totals.sums) into.sums.set(name, (into.sums.get(name) ?? 0) + value);
      into.latencies.push(...(totals.values.get(METRICS.latency.name) ?? []));
      buckets.set(bucket, into);
    }
    return [...buckets.entries()]
      .sort(([a], [b]) => a - b)
      .map(([at, values]) => pointOf(new Date(at), values));
  }

  #totals(
    store: Map<string, Map<number, PeriodTotals>>,
    key: string,
    period: number,
    kept: number,
  ): PeriodTotals {
    let byPeriod = store.get(key);
    if (!byPeriod) {
      byPeriod = new Map();
      store.set(key, byPeriod);
    }
    let totals = byPeriod.get(period);
    if (!totals) {
      totals = { sums: new Map(), values: new Map() };
      byPeriod.set(period, totals);
      for (const old of byPeriod.keys()) if (old < period - kept) byPeriod.delete(old);
    }
    return totals;
  }

  /** The rule's statistics for the last `evaluationPeriods` periods, oldest first (the current one included). */
  #statistics(environment: string, rule: ThresholdAlarmRule): PeriodStatistics[] {
    // A rule with longer periods than the store's reads several stored periods as one.
    const span = Math.max(1, Math.round((rule.periodSeconds * 1000) / this.#timeScale / this.#periodMs));
    const current = Math.floor(this.#now() / this.#periodMs / span);
    const byPeriod = this.#periods.get(environment);
    const periods: PeriodStatistics[] = [];
    for (let p = current - rule.evaluationPeriods + 1; p <= current; p++) {
      const totals = mergedTotals(byPeriod, p * span, span);
      const samples = totals?.sums.get(rule.sampleMetric.name);
      if (!totals || samples === undefined) {
        periods.push({});
        continue;
      }
      const values = totals.values.get(rule.metric.name);
      const value =
        rule.kind === 'ratio'
          ? (totals.sums.get(rule.metric.name) ?? 0)
          : values?.length
            ? percentile(values, 99)
            : undefined;
      periods.push(value === undefined ? { samples } : { samples, value });
    }
    return periods;
  }

  /** A rule's state for an environment, with the reason when it is in ALARM. */
  #evaluate(
    environment: string,
    rule: ThresholdAlarmRule,
  ): { state: 'OK' | 'ALARM'; reason?: string; since: number } {
    const result = this.#evaluateNow(environment, rule);
    const key = `${environment}\u0000${rule.name}`;
    let seen = this.#states.get(key);
    if (seen?.state !== result.state) {
      seen = { state: result.state, since: this.#now() };
      this.#states.set(key, seen);
    }
    return { ...result, since: seen.since };
  }

  #evaluateNow(environment: string, rule: ThresholdAlarmRule): { state: 'OK' | 'ALARM'; reason?: string } {
    const periods = this.#statistics(environment, rule);
    if (evaluateAlarm(rule, periods) !== 'ALARM') return { state: 'OK' };
    const values = periods.map((p) => periodValue(rule, p)).filter((v): v is number => v !== undefined);
    const worst = Math.max(...values);
    const shown = rule.unit === 'Percent' ? `${worst.toFixed(1)}%` : `${Math.round(worst)} ms`;
    return {
      state: 'ALARM',
      reason: `${rule.description}: ${shown} in ${rule.datapointsToAlarm} of the last ${rule.evaluationPeriods} periods`,
    };
  }

  /** Each rule's state for an environment (the notify-only rules last), as its CloudWatch alarm would be. */
  status(environment: string): AlarmStatus[] {
    return [...this.rules, ...this.notifyRules].map((rule) => {
      const { state, reason, since } = this.#evaluate(environment, rule);
      return {
        name: localAlarmName(environment, rule.name),
        state,
        description: rule.description,
        ...(reason ? { reason } : {}),
        since,
      };
    });
  }

  /** The first rule in ALARM for the environment (its composite alarm's reason), if any. */
  firedAlarm(environment: string): FiredAlarm | undefined {
    const rollsBack = this.#rollbackAlarms?.[environment];
    for (const rule of this.rules) {
      if (rollsBack && !rollsBack.includes(rule.name)) continue;
      const { state, reason } = this.#evaluate(environment, rule);
      if (state === 'ALARM' && reason) {
        return {
          alarmName: localAlarmName(environment, rule.name),
          alarmArn: localAlarmArn(environment, rule.name),
          reason,
        };
      }
    }
    return undefined;
  }
}
