/**
 * The construct's typed props as the settings model (src/core/settings.ts), which the app's CDK context
 * feeds too: Durations become the model's milliseconds and days, AppConfig strategies become names.
 * Every problem, the props' own and the model's, is reported in one error.
 */
import { Duration, Token } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import type { FieldError } from '../../src/core/errors.ts';
import {
  KEEP_FOREVER,
  type PromptOpsSettings,
  parseSettings,
  SETTINGS_KEYS,
  SettingsError,
  type SettingsInput,
  type SettingsKey,
} from '../../src/core/settings.ts';
import type { PromptOpsSettingsProps } from '../promptops.ts';
import { strategyName, strategySpec } from './strategies.ts';

/** The settings model's limits, in the props' units. */
const MAX_P99_LATENCY_MS = 900_000;
const MAX_RETENTION_DAYS = 3650;

/**
 * Settings keys the props do not carry as they are: the region is the stack's, and these take typed
 * values converted below (strategies, Durations).
 */
const CONVERTED_KEYS = [
  'region',
  'defaultStrategies',
  'customStrategies',
  'alarmP99LatencyMs',
  'feedbackRetentionDays',
] as const satisfies readonly SettingsKey[];

type PlainKey = Exclude<SettingsKey, (typeof CONVERTED_KEYS)[number]>;

/** Props the settings model takes as they are (it checks them and names the offending value). */
const PLAIN_KEYS: readonly (PlainKey & keyof PromptOpsSettingsProps)[] = SETTINGS_KEYS.filter(
  (key): key is PlainKey => !(CONVERTED_KEYS as readonly string[]).includes(key),
);

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

  for (const key of PLAIN_KEYS) {
    const value = props[key];
    if (value === undefined) continue;
    if (known(key, value, ...(Array.isArray(value) ? value : []))) input[key] = value;
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
