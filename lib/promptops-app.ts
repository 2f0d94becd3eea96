/**
 * The PromptOps CDK app: settings from CDK context (defaults in cdk.json, `-c key=value` overrides),
 * the primary stack and, when `replicaRegion` is set, the replica stack it depends on.
 */
import { type App, Duration } from 'aws-cdk-lib';
import {
  type PromptOpsSettings,
  parseSettings,
  pickSettings,
  SETTINGS_KEYS,
  SettingsError,
} from '../src/core/settings.ts';
import { FeedbackRetention } from './feedback-retention.ts';
import { rolloutStrategy, strategyProp } from './private/strategies.ts';
import type { PromptOpsSettingsProps } from './promptops.ts';
import { PromptOpsStack } from './promptops-stack.ts';
import { PromptOpsReplicaStack } from './replica-stack.ts';

/** Id (and CloudFormation name) of the primary stack. */
export const PRIMARY_STACK_ID = 'PromptOps';
/** Id (and CloudFormation name) of the replica stack. */
export const REPLICA_STACK_ID = 'PromptOpsReplica';

/** What {@link buildPromptOpsApp} adds to the app. */
export interface PromptOpsAppStacks {
  /** The settings read from context. */
  readonly settings: PromptOpsSettings;
  /** The primary stack. */
  readonly primary: PromptOpsStack;
  /**
   * The replica stack.
   * @default - none when `replicaRegion` is not set
   */
  readonly replica?: PromptOpsReplicaStack;
}

/** Reads and checks the settings in the app's context; errors name the key and the bad value. */
export function contextSettings(app: App): PromptOpsSettings {
  const values = pickSettings(
    Object.fromEntries(SETTINGS_KEYS.map((key) => [key, app.node.tryGetContext(key)])),
  );
  let settings: PromptOpsSettings;
  try {
    settings = parseSettings(values);
  } catch (error) {
    if (error instanceof SettingsError) {
      throw new Error(`${error.message}\nFix the keys in cdk.json or override them with -c key=value.`, {
        cause: error,
      });
    }
    throw error;
  }
  if (settings.region === undefined) {
    throw new Error('CDK context "region" is empty: set it in cdk.json or pass -c region=us-east-1');
  }
  return settings;
}

/** The construct props equivalent to parsed settings: milliseconds and days become Durations, names strategies. */
export function settingsProps(settings: PromptOpsSettings): PromptOpsSettingsProps {
  const {
    region: _region,
    alarmP99LatencyMs,
    feedbackRetentionDays,
    defaultStrategies,
    customStrategies,
    ...rest
  } = settings;
  return {
    ...rest,
    defaultStrategies: Object.fromEntries(
      Object.entries(defaultStrategies).map(([env, name]) => [env, strategyProp(name)]),
    ),
    customStrategies: Object.fromEntries(customStrategies.map((spec) => [spec.name, rolloutStrategy(spec)])),
    alarmP99Latency: Duration.millis(alarmP99LatencyMs),
    feedbackRetention:
      feedbackRetentionDays === undefined
        ? FeedbackRetention.forever()
        : FeedbackRetention.after(Duration.days(feedbackRetentionDays)),
  };
}

/** Adds the PromptOps stacks to `app`, configured by its context (cdk.json and `-c key=value`). */
export function buildPromptOpsApp(app: App): PromptOpsAppStacks {
  const settings = contextSettings(app);
  const region = settings.region as string;
  const account = process.env.CDK_DEFAULT_ACCOUNT;
  const env = (stackRegion: string) => ({ region: stackRegion, ...(account ? { account } : {}) });

  const replica = settings.replicaRegion
    ? new PromptOpsReplicaStack(app, REPLICA_STACK_ID, {
        env: env(settings.replicaRegion),
        primaryRegion: region,
        description: `PromptOps replica of ${PRIMARY_STACK_ID} (${region})`,
        ...(settings.shadowOutputCapture.length > 0 && settings.feedbackRetentionDays !== undefined
          ? { shadowOutputRetention: Duration.days(settings.feedbackRetentionDays) }
          : {}),
      })
    : undefined;
  const primary = new PromptOpsStack(app, PRIMARY_STACK_ID, {
    env: env(region),
    promptOps: settingsProps(settings),
  });
  if (replica) {
    primary.addStackDependency(
      replica,
      'table replicas, bucket replication and backup copies need the replica key, bucket and vault',
    );
  }
  return { settings, primary, ...(replica ? { replica } : {}) };
}
