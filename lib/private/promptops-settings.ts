/**
 * The construct's typed props as the settings model (src/core/settings.ts), which the app's CDK context
 * feeds too: Durations become the model's milliseconds and days, AppConfig strategies become names.
 * Every problem, the props' own and the model's, is reported in one error.
 */
import { Duration, Token } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import type { FieldError } from '../../src/core/errors.ts';
import {
  DEFAULT_SETTINGS,
  KEEP_FOREVER,
  type PromptOpsSettings,
  parseSettings,
  SETTINGS_KEYS,
  SettingsError,
  type SettingsInput,
} from '../../src/core/settings.ts';
import type { PromptOpsSettingsProps } from '../promptops.ts';
import { strategyName, strategySpec } from './strategies.ts';

/** The settings model's limits, in the props' units. */
const MAX_P99_LATENCY_MS = 900_000;
const MAX_RETENTION_DAYS = 3650;

/** Props the settings model takes as they are. */
const PLAIN_KEYS = [
  'environments',
  'protectedEnvironments',
  'alarmErrorRatePercent',
  'alarmNegativeFeedbackPercent',
  'alarmMinimumSamples',
  'operatorEmails',
  'replicaRegion',
  'inlineBodyThreshold',
] as const satisfies readonly (keyof PromptOpsSettingsProps)[];

/**
 * The evaluation gate's props, also taken as they are. They join the settings input only once the
 * settings model accepts them (SETTINGS_KEYS names them); until then parseSettings would reject them
 * as unknown keys. The evaluation worker's Bedrock grant reads `evalModels` from the props either way
 * (see {@link evalModelsOf}).
 */
const EVAL_KEYS = [
  'evalGatedEnvironments',
  'requireEvalSuite',
  'evalModels',
] as const satisfies readonly (keyof PromptOpsSettingsProps)[];

/**
 * Canary analysis's props, taken as they are, like the evaluation gate's: they join the settings input
 * once SETTINGS_KEYS names them, and the settings model checks them. Until then they are checked here
 * (see {@link CANARY_LIMITS}), and the canary environments come from the props (see
 * {@link canaryEnvironmentsOf}).
 */
const CANARY_KEYS = [
  'canaryAnalysis',
  'canaryMaxPValue',
  'canaryMinSamples',
  'canaryErrorRateMargin',
  'canaryNegativeFeedbackMargin',
  'canaryLatencyRatio',
] as const satisfies readonly (keyof PromptOpsSettingsProps)[];

type CanaryNumberKey = Exclude<(typeof CANARY_KEYS)[number], 'canaryAnalysis'>;

/** The canary settings' ranges, as the settings model states them (docs: README, "Configuration"). */
const CANARY_LIMITS: Readonly<Record<CanaryNumberKey, { ok: (value: number) => boolean; rule: string }>> = {
  canaryMaxPValue: { ok: (v) => v > 0 && v < 1, rule: 'must be more than 0 and less than 1' },
  canaryMinSamples: { ok: (v) => Number.isInteger(v) && v >= 1, rule: 'must be a whole number, at least 1' },
  canaryErrorRateMargin: { ok: (v) => v >= 0 && v <= 1, rule: 'must be a fraction from 0 to 1' },
  canaryNegativeFeedbackMargin: { ok: (v) => v >= 0 && v <= 1, rule: 'must be a fraction from 0 to 1' },
  canaryLatencyRatio: { ok: (v) => v > 1, rule: 'must be more than 1' },
};

const acceptedBySettings = (key: string) => (SETTINGS_KEYS as readonly string[]).includes(key);

/** Bedrock model ids and cross-region inference profile ids, as they may appear in an IAM ARN. */
const BEDROCK_MODEL_ID = /^[a-z0-9][a-z0-9._:-]{0,199}$/i;

/** Props of earlier versions that took the context keys' units; untyped callers would lose them silently. */
const RENAMED_PROPS: Readonly<Record<string, string>> = {
  alarmP99LatencyMs: 'alarmP99Latency (a Duration)',
  feedbackRetentionDays:
    'feedbackRetention (FeedbackRetention.after(Duration.days(n)) or FeedbackRetention.forever())',
};

/** Checks the props and resolves them into settings; throws one error naming `scope` and every problem. */
export function promptOpsSettings(scope: IConstruct, props: PromptOpsSettingsProps): PromptOpsSettings {
  const input: Record<string, unknown> = {};
  const tokens: string[] = [];
  const problems: FieldError[] = [];
  const known = (key: string, ...values: unknown[]) => {
    const isToken = values.some((value) =>
      value instanceof Duration ? value.isUnresolved() : Token.isUnresolved(value),
    );
    if (isToken) tokens.push(key);
    return !isToken;
  };

  for (const key of [...PLAIN_KEYS, ...EVAL_KEYS, ...CANARY_KEYS]) {
    const value = props[key];
    if (value === undefined) continue;
    const isKnown = known(key, value, ...(Array.isArray(value) ? value : []));
    if (isKnown && acceptedBySettings(key)) input[key] = value;
  }
  // The worker's role is built from these ids: nothing that widens an ARN (`*`, `/`) may get in.
  for (const model of props.evalModels ?? []) {
    if (typeof model === 'string' && !Token.isUnresolved(model) && !BEDROCK_MODEL_ID.test(model)) {
      problems.push({
        path: 'evalModels',
        message: `"${model}" is not a Bedrock model id or inference profile id (letters, digits, ".", ":", "_", "-")`,
      });
    }
  }
  problems.push(...canaryProblems(props));
  if (props.defaultStrategies !== undefined) {
    const names = Object.entries(props.defaultStrategies).map(([env, strategy]) => [
      env,
      strategyName(strategy),
    ]);
    if (known('defaultStrategies', ...names.map(([, name]) => name))) {
      input.defaultStrategies = Object.fromEntries(names);
    }
  }
  if (props.customStrategies !== undefined) {
    const rollouts = Object.values(props.customStrategies);
    const durations = rollouts.flatMap((r) => [r.deploymentDuration, r.finalBakeTime]);
    if (known('customStrategies', ...durations, ...rollouts.map((r) => r.growthFactor))) {
      input.customStrategies = Object.fromEntries(
        Object.entries(props.customStrategies).map(([name, rollout]) => [name, strategySpec(rollout)]),
      );
    }
  }
  for (const [old, renamed] of Object.entries(RENAMED_PROPS)) {
    if (old in props) problems.push({ path: old, message: `is now ${renamed}` });
  }
  const latency = props.alarmP99Latency;
  if (latency !== undefined && known('alarmP99Latency', latency)) {
    const ms = latency.toMilliseconds({ integral: false });
    if (ms > 0 && ms <= MAX_P99_LATENCY_MS) input.alarmP99LatencyMs = ms;
    else {
      problems.push({
        path: 'alarmP99Latency',
        message: `must be greater than 0 and at most 15 minutes (got ${latency.toHumanString()})`,
      });
    }
  }
  const retention = props.feedbackRetention;
  if (retention !== undefined) {
    const duration = retention.duration;
    if (duration === undefined) input.feedbackRetentionDays = KEEP_FOREVER;
    else if (known('feedbackRetention', duration)) {
      const days = duration.toDays({ integral: false });
      if (Number.isInteger(days) && days >= 1 && days <= MAX_RETENTION_DAYS)
        input.feedbackRetentionDays = days;
      else {
        problems.push({
          path: 'feedbackRetention',
          message: `must be a whole number of days from 1 to ${MAX_RETENTION_DAYS}, or FeedbackRetention.forever() (got ${duration.toHumanString()})`,
        });
      }
    }
  }
  if (tokens.length > 0) {
    throw new Error(
      `${scope.node.path}: ${tokens.join(', ')} must be known at synth (got a token): PromptOps creates resources from them`,
    );
  }

  let settings: PromptOpsSettings | undefined;
  let cause: unknown;
  try {
    settings = parseSettings(input as SettingsInput);
  } catch (error) {
    if (!(error instanceof SettingsError)) throw error;
    cause = error;
    problems.unshift(...(error.errors ?? []));
  }
  if (problems.length > 0 || settings === undefined) {
    const error = new SettingsError(problems);
    throw new Error(`${scope.node.path}: ${error.message}`, { cause: cause ?? error });
  }
  return settings;
}

/**
 * The Bedrock models the evaluation worker may invoke: the `evalModels` prop, which the app fills
 * from its context key through settingsProps.
 */
export function evalModelsOf(props: PromptOpsSettingsProps): readonly string[] {
  return props.evalModels ?? [];
}

/** The canary props' problems the settings model does not report yet (it reports those it accepts). */
function canaryProblems(props: PromptOpsSettingsProps): FieldError[] {
  const problems: FieldError[] = [];
  for (const [key, limit] of Object.entries(CANARY_LIMITS) as [
    CanaryNumberKey,
    (typeof CANARY_LIMITS)[CanaryNumberKey],
  ][]) {
    const value = props[key];
    if (value === undefined || acceptedBySettings(key) || Token.isUnresolved(value)) continue;
    if (typeof value !== 'number' || !Number.isFinite(value) || !limit.ok(value)) {
      problems.push({
        path: key,
        message: `${limit.rule} (got ${typeof value === 'number' ? value : JSON.stringify(value)})`,
      });
    }
  }
  if (props.canaryAnalysis !== undefined && !acceptedBySettings('canaryAnalysis')) {
    const environments = props.environments ?? DEFAULT_SETTINGS.environments;
    for (const env of props.canaryAnalysis) {
      if (typeof env === 'string' && Token.isUnresolved(env)) continue;
      if (!environments.includes(env)) {
        problems.push({
          path: 'canaryAnalysis',
          message: `"${env}" is not a configured environment (configured: ${environments.join(', ')})`,
        });
      }
    }
  }
  return problems;
}

/**
 * The environments canary analysis judges: the settings' `canaryAnalysis` once the settings model has
 * it, else the `canaryAnalysis` prop (which the app fills from its context key through settingsProps),
 * else the protected environments.
 */
export function canaryEnvironmentsOf(
  props: PromptOpsSettingsProps,
  settings: PromptOpsSettings,
): readonly string[] {
  const fromSettings = (settings as { readonly canaryAnalysis?: readonly string[] }).canaryAnalysis;
  return [...new Set(fromSettings ?? props.canaryAnalysis ?? settings.protectedEnvironments)];
}
