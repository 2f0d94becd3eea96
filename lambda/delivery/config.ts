/**
 * Delivery settings from the handler environment (src/core/handler-environment.ts): AppConfig ids,
 * strategies, protected environments, the release gate and the inline body threshold.
 */
import { PREDEFINED_STRATEGIES, predefinedStrategyId } from '../../src/core/contracts.ts';
import { displayValue, NotFoundError, ValidationError } from '../../src/core/errors.ts';
import { type HandlerEnvironment, requiredResource } from '../../src/core/handler-environment.ts';
import { defaultStrategyFor } from '../../src/core/settings.ts';
import { handlerEnvironment } from '../runtime/config.ts';

export interface DeliveryConfig {
  readonly applicationId: string;
  readonly profileId: string;
  /** Environment name -> AppConfig environment id. */
  readonly environmentIds: Readonly<Record<string, string>>;
  readonly environments: readonly string[];
  readonly protectedEnvironments: readonly string[];
  /** Environments whose deploys need a PASSED evaluation run of each version deployed (evaluation-gate.ts). */
  readonly evalGatedEnvironments: readonly string[];
  /** Whether the gate refuses a prompt that has no evaluation suite. */
  readonly requireEvalSuite: boolean;
  /** Custom strategy name -> AppConfig deployment strategy id. */
  readonly customStrategies: Readonly<Record<string, string>>;
  /** Environment -> default strategy name. */
  readonly defaultStrategies: Readonly<Record<string, string>>;
  readonly inlineThresholdBytes: number;
  readonly bodyBucket?: string;
  /** Environments whose manifests tell the client to capture shadow outputs (docs/shadows.md). */
  readonly shadowOutputCapture?: readonly string[];
}

/** The delivery configuration; throws naming the variable when an AppConfig id is missing. */
export function deliveryConfigFromEnv(
  environment: HandlerEnvironment = handlerEnvironment(),
): DeliveryConfig {
  const { settings, resources } = environment;
  return {
    applicationId: requiredResource(environment, 'appConfigApplicationId'),
    profileId: requiredResource(environment, 'appConfigProfileId'),
    environmentIds: environment.appConfigEnvironmentIds,
    environments: settings.environments,
    protectedEnvironments: settings.protectedEnvironments,
    evalGatedEnvironments: settings.evalGatedEnvironments,
    requireEvalSuite: settings.requireEvalSuite,
    customStrategies: environment.customStrategyIds,
    defaultStrategies: settings.defaultStrategies,
    inlineThresholdBytes: settings.inlineBodyThreshold,
    shadowOutputCapture: settings.shadowOutputCapture,
    ...(resources.bodyBucket !== undefined ? { bodyBucket: resources.bodyBucket } : {}),
  };
}

/** The AppConfig environment id of a configured environment; 404 for any other name. */
export function environmentIdOf(config: DeliveryConfig, environment: string): string {
  const id = config.environmentIds[environment];
  if (!config.environments.includes(environment) || id === undefined) {
    throw new NotFoundError(
      `Environment ${displayValue(environment)} does not exist: configured environments are ${config.environments.join(', ')}`,
    );
  }
  return id;
}

/** The environment an AppConfig environment id belongs to; undefined for an id of no configured environment. */
export function environmentNameOf(
  config: Pick<DeliveryConfig, 'environmentIds'>,
  environmentId: string,
): string | undefined {
  return Object.entries(config.environmentIds).find(([, id]) => id === environmentId)?.[0];
}

/** A strategy name -> its AppConfig id: predefined ones by name, custom ones from configuration. */
export function resolveStrategy(
  config: DeliveryConfig,
  environment: string,
  requested?: string,
): { name: string; id: string } {
  const name =
    requested ??
    config.defaultStrategies[environment] ??
    defaultStrategyFor(environment, config.protectedEnvironments);
  const custom = Object.hasOwn(config.customStrategies, name) ? config.customStrategies[name] : undefined;
  if (custom !== undefined) return { name, id: custom };
  if (Object.hasOwn(PREDEFINED_STRATEGIES, name)) return { name, id: predefinedStrategyId(name) };
  const known = [...Object.keys(PREDEFINED_STRATEGIES), ...Object.keys(config.customStrategies)];
  const message = `unknown strategy ${displayValue(name)}: use one of ${known.join(', ')}`;
  throw new ValidationError(`Invalid deployment: ${message}`, [{ path: 'strategy', message }]);
}
