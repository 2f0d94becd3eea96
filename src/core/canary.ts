/**
 * Canary analysis (docs/canary-analysis.md): a prompt's new version (the candidate) judged against
 * the version it replaces (the baseline) on the traffic each served since the deployment started.
 * Error rate and negative-feedback rate by a one-sided two-proportion z-test (is the candidate worse?),
 * latency by the ratio of p99s (of means when the source has no percentiles). Pure: the traffic is
 * given, so a segment or shadow population plugs in by passing its own traffic.
 */
import type { CanaryAnalysisEntry, CanaryMetric } from './api.ts';
import type { VersionTraffic } from './canary-traffic.ts';
import { type ProportionSample, twoProportionZTest } from './statistics.ts';

/** The thresholds of the rule, from the canary settings (src/core/settings.ts). */
export interface CanarySettings {
  /** A difference is significant when the one-sided p-value is below this. */
  readonly maxPValue: number;
  /** Invocations (ratings, for negative feedback) each side needs before it is judged. */
  readonly minSamples: number;
  /** The candidate's error rate may exceed the baseline's by this much (a fraction) and still pass. */
  readonly errorRateMargin: number;
  /** The same for the negative-feedback rate. */
  readonly negativeFeedbackMargin: number;
  /** The candidate fails when its p99 exceeds the baseline's times this. */
  readonly latencyRatio: number;
}

export interface CanaryInput {
  readonly promptId: string;
  /** The version the environment served before the deployment. */
  readonly baseline: string;
  /** The versions the deployment rolls out (every variant of a split); the baseline itself is skipped. */
  readonly candidates: readonly string[];
  /** Traffic by version; a version missing from it had none. */
  readonly traffic: Readonly<Record<string, VersionTraffic>>;
  readonly settings: CanarySettings;
}

const NO_TRAFFIC: VersionTraffic = { invocations: 0, errors: 0, ratings: 0, negativeRatings: 0 };

/** Three entries per candidate (error rate, negative feedback, latency), in that order. */
export function judgeCanary(input: CanaryInput): CanaryAnalysisEntry[] {
  const { promptId, baseline, settings } = input;
  const before = input.traffic[baseline] ?? NO_TRAFFIC;
  const entries: CanaryAnalysisEntry[] = [];
  for (const candidate of input.candidates) {
    if (candidate === baseline) continue;
    const after = input.traffic[candidate] ?? NO_TRAFFIC;
    const pair = { promptId, baseline, candidate };
    entries.push(
      {
        ...pair,
        ...judgeProportion(
          'errorRate',
          sample(before.errors, before.invocations),
          sample(after.errors, after.invocations),
          settings.errorRateMargin,
          settings,
        ),
      },
      {
        ...pair,
        ...judgeProportion(
          'negativeFeedbackRate',
          sample(before.negativeRatings, before.ratings),
          sample(after.negativeRatings, after.ratings),
          settings.negativeFeedbackMargin,
          settings,
        ),
      },
      { ...pair, ...judgeLatency(before, after, settings) },
    );
  }
  return entries;
}

/** The entries that roll the deployment back. */
export function canaryFailures(entries: readonly CanaryAnalysisEntry[]): CanaryAnalysisEntry[] {
  return entries.filter((entry) => entry.verdict === 'fail');
}

/**
 * The rollback reason: each failure with its prompt, versions, metric, both values, samples and
 * p-value. AppConfig shows it in the deployment's EventLog, and the events handler records it.
 */
export function canaryReason(failures: readonly CanaryAnalysisEntry[]): string {
  return `Canary analysis failed: ${failures.map(describeCanaryEntry).join('; ')}`;
}

const METRIC_LABEL: Readonly<Record<CanaryMetric, string>> = {
  errorRate: 'error rate',
  negativeFeedbackRate: 'negative feedback',
  latencyP99: 'p99 latency',
};

/**
 * One entry in words: prompt, candidate against baseline, metric, both values, samples and (for the
 * rates) the p-value. The rollback reason and `promptops deploy --wait` share it.
 */
export function describeCanaryEntry(entry: CanaryAnalysisEntry): string {
  const value = (v: number | undefined) =>
    v === undefined ? 'n/a' : entry.metric === 'latencyP99' ? `${round(v, 1)} ms` : `${round(v * 100, 2)}%`;
  const p = entry.pValue === undefined ? '' : `, p=${entry.pValue.toPrecision(3)}`;
  return (
    `${entry.promptId} ${entry.candidate} vs ${entry.baseline}: ${METRIC_LABEL[entry.metric]} ` +
    `${value(entry.candidateValue)} vs ${value(entry.baselineValue)} ` +
    `(samples ${entry.samples.candidate} vs ${entry.samples.baseline}${p})`
  );
}

function round(value: number, digits: number): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}

/** Metric sums are counts; a source out of step (more errors than calls) is clamped, never thrown on. */
function sample(successes: number, trials: number): ProportionSample {
  const whole = Math.max(0, Math.round(trials));
  return { trials: whole, successes: Math.min(whole, Math.max(0, Math.round(successes))) };
}

type Judgement = Omit<CanaryAnalysisEntry, 'promptId' | 'baseline' | 'candidate'>;

function judgeProportion(
  metric: CanaryMetric,
  before: ProportionSample,
  after: ProportionSample,
  margin: number,
  settings: CanarySettings,
): Judgement {
  const samples = { baseline: before.trials, candidate: after.trials };
  const values = {
    ...(before.trials > 0 ? { baselineValue: before.successes / before.trials } : {}),
    ...(after.trials > 0 ? { candidateValue: after.successes / after.trials } : {}),
  };
  if (before.trials < settings.minSamples || after.trials < settings.minSamples) {
    return { metric, ...values, samples, verdict: 'insufficient-data' };
  }
  // One-sided, candidate worse: a better candidate must never fail, and the whole of
  // maxPValue goes to the side that matters. The p-value shown is this one.
  const { pValue } = twoProportionZTest(before, after, 'greater');
  const difference = after.successes / after.trials - before.successes / before.trials;
  const verdict = pValue < settings.maxPValue && difference > margin ? 'fail' : 'pass';
  return { metric, ...values, samples, pValue, verdict };
}

function judgeLatency(before: VersionTraffic, after: VersionTraffic, settings: CanarySettings): Judgement {
  const samples = { baseline: before.invocations, candidate: after.invocations };
  // Like for like: p99 against p99 when both have one, else mean against mean.
  const bothP99 = before.latencyP99 !== undefined && after.latencyP99 !== undefined;
  const baselineValue = bothP99 ? before.latencyP99 : before.latencyMean;
  const candidateValue = bothP99 ? after.latencyP99 : after.latencyMean;
  const values = {
    ...(baselineValue !== undefined ? { baselineValue } : {}),
    ...(candidateValue !== undefined ? { candidateValue } : {}),
  };
  if (
    before.invocations < settings.minSamples ||
    after.invocations < settings.minSamples ||
    baselineValue === undefined ||
    candidateValue === undefined
  ) {
    return { metric: 'latencyP99', ...values, samples, verdict: 'insufficient-data' };
  }
  const verdict = candidateValue > baselineValue * settings.latencyRatio ? 'fail' : 'pass';
  return { metric: 'latencyP99', ...values, samples, verdict };
}

/** The judgement's settings from the resolved PromptOps settings. */
export function canarySettingsOf(settings: {
  readonly canaryMaxPValue: number;
  readonly canaryMinSamples: number;
  readonly canaryErrorRateMargin: number;
  readonly canaryNegativeFeedbackMargin: number;
  readonly canaryLatencyRatio: number;
}): CanarySettings {
  return {
    maxPValue: settings.canaryMaxPValue,
    minSamples: settings.canaryMinSamples,
    errorRateMargin: settings.canaryErrorRateMargin,
    negativeFeedbackMargin: settings.canaryNegativeFeedbackMargin,
    latencyRatio: settings.canaryLatencyRatio,
  };
}
