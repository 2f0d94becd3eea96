/**
 * Deployment strategies between the construct's AppConfig types and the settings model, which knows
 * strategies by name (predefined ones are `AppConfig.<name>`) and custom ones by whole minutes.
 */
import { Duration } from 'aws-cdk-lib';
import * as appconfig from 'aws-cdk-lib/aws-appconfig';
import {
  type DeploymentStrategySpec,
  PREDEFINED_STRATEGIES,
  predefinedStrategyId,
} from '../../src/core/contracts.ts';

const PREDEFINED_ID_PREFIX = predefinedStrategyId('');

/** The settings' name of a strategy prop: the predefined strategy's name, or a custom strategy's name. */
export function strategyName(strategy: appconfig.DeploymentStrategyId | string): string {
  if (typeof strategy === 'string') return strategy;
  return strategy.id.startsWith(PREDEFINED_ID_PREFIX)
    ? strategy.id.slice(PREDEFINED_ID_PREFIX.length)
    : strategy.id;
}

/** The strategy prop of a settings name: a `DeploymentStrategyId` for a predefined one, else the name. */
export function strategyProp(name: string): appconfig.DeploymentStrategyId | string {
  return PREDEFINED_STRATEGIES[name]
    ? appconfig.DeploymentStrategyId.fromString(predefinedStrategyId(name))
    : name;
}

/** A custom strategy as the settings model checks it (minutes may come out fractional, which it reports). */
export function strategySpec(rollout: appconfig.RolloutStrategy): Record<string, unknown> {
  return {
    deploymentDurationInMinutes: rollout.deploymentDuration.toMinutes({ integral: false }),
    growthFactor: rollout.growthFactor,
    growthType: rollout.growthType ?? appconfig.GrowthType.LINEAR,
    finalBakeTimeInMinutes: rollout.finalBakeTime?.toMinutes({ integral: false }) ?? 0,
  };
}

/** The AppConfig rollout of a checked custom strategy. */
export function rolloutStrategy(spec: DeploymentStrategySpec): appconfig.RolloutStrategy {
  return (
    spec.growthType === 'EXPONENTIAL'
      ? appconfig.RolloutStrategy.exponential
      : appconfig.RolloutStrategy.linear
  )({
    growthFactor: spec.growthFactor,
    deploymentDuration: Duration.minutes(spec.deploymentDurationInMinutes),
    finalBakeTime: Duration.minutes(spec.finalBakeTimeInMinutes),
  });
}
