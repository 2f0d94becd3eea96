/**
 * Delivery settings from the Lambda environment (names in core contracts): AppConfig ids,
 * strategies, protected environments and the inline body threshold.
 */
import {
  DEFAULT_ENVIRONMENT_STRATEGIES,
  DEFAULT_PROTECTED_ENVIRONMENTS,
  ENV,
  LIMITS,
  PREDEFINED_STRATEGIES,
  predefinedStrategyId,
} from '../../src/core/contracts.ts';
import { displayValue, NotFoundError, ValidationError } from '../../src/core/errors.ts';
import { configuredEnvironments, requiredEnv } from '../runtime/config.ts';

export interface DeliveryConfig {
  readonly applicationId: string;
  readonly profileId: string;
  /** Environment name -> AppConfig environment id. */
  readonly environmentIds: Readonly<Record<string, string>>;
  readonly environments: readonly string[];
  readonly protectedEnvironments: readonly string[];
  /** Custom strategy name -> AppConfig deployment strategy id. */
  readonly customStrategies: Readonly<Record<string, string>>;
  /** Environment -> default strategy name. */
  readonly defaultStrategies: Readonly<Record<string, string>>;
  readonly inlineThresholdBytes: number;
  readonly bodyBucket?: string;
}

function jsonMap(name: string, fallback: Record<string, string>): Record<string, string> {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const parsed: unknown = JSON.parse(raw);
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new Error(`Environment variable ${name} must be a JSON object of strings`);
  }
  return parsed as Record<string, string>;
}

function list(name: string, fallback: readonly string[]): string[] {
  const raw = process.env[name];
  if (raw === undefined) return [...fallback];
  return raw
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

export function deliveryConfigFromEnv(): DeliveryConfig {
  const threshold = process.env[ENV.inlineBodyThreshold];
  const bucket = process.env[ENV.bodyBucket];
  return {
    applicationId: requiredEnv(ENV.appConfigApplicationId),
    profileId: requiredEnv(ENV.appConfigProfileId),
    environmentIds: jsonMap(ENV.appConfigEnvironmentIds, {}),
    environments: configuredEnvironments(),
    protectedEnvironments: list(ENV.protectedEnvironments, DEFAULT_PROTECTED_ENVIRONMENTS),
    customStrategies: jsonMap(ENV.strategies, {}),
    defaultStrategies: { ...DEFAULT_ENVIRONMENT_STRATEGIES, ...jsonMap(ENV.defaultStrategies, {}) },
    inlineThresholdBytes: threshold ? Number(threshold) : LIMITS.inlineBodyThresholdBytes,
    ...(bucket ? { bodyBucket: bucket } : {}),
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

export function environmentNameOf(config: DeliveryConfig, environmentId: string): string | undefined {
  return Object.entries(config.environmentIds).find(([, id]) => id === environmentId)?.[0];
}

/** A strategy name -> its AppConfig id: predefined ones by name, custom ones from configuration. */
export function resolveStrategy(
  config: DeliveryConfig,
  environment: string,
  requested?: string,
): { name: string; id: string } {
  const name = requested ?? config.defaultStrategies[environment] ?? 'AllAtOnce';
  const custom = Object.hasOwn(config.customStrategies, name) ? config.customStrategies[name] : undefined;
  if (custom !== undefined) return { name, id: custom };
  if (Object.hasOwn(PREDEFINED_STRATEGIES, name)) return { name, id: predefinedStrategyId(name) };
  const known = [...Object.keys(PREDEFINED_STRATEGIES), ...Object.keys(config.customStrategies)];
  const message = `unknown strategy ${displayValue(name)}: use one of ${known.join(', ')}`;
  throw new ValidationError(`Invalid deployment: ${message}`, [{ path: 'strategy', message }]);
}
