/** The Lambda side of the environment contract: read once per container, delivery's view of it. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deliveryConfigFromEnv, resolveStrategy } from '../../../lambda/delivery/config.ts';
import { configuredEnvironments, handlerEnvironment } from '../../../lambda/runtime/config.ts';
import { ENV, LIMITS } from '../../../src/core/contracts.ts';
import { readHandlerEnvironment } from '../../../src/core/handler-environment.ts';
import { FALLBACK_STRATEGY, parseSettings, settingsEnvironment } from '../../../src/core/settings.ts';

const saved = { ...process.env };

beforeAll(() => {
  Object.assign(process.env, settingsEnvironment(parseSettings({ environments: 'dev,qa,prod' })), {
    [ENV.appConfigApplicationId]: 'app1',
    [ENV.appConfigProfileId]: 'prof1',
    [ENV.appConfigEnvironmentIds]: JSON.stringify({ dev: 'env1', qa: 'env2', prod: 'env3' }),
    [ENV.strategies]: JSON.stringify({ Custom: 'strat1' }),
    [ENV.bodyBucket]: 'bodies',
  });
});

afterAll(() => {
  process.env = saved;
});

describe('Function: handlerEnvironment', () => {
  it('reads process.env once per container', () => {
    const first = handlerEnvironment();
    expect(configuredEnvironments()).toEqual(['dev', 'qa', 'prod']);
    process.env[ENV.environments] = 'changed';
    expect(handlerEnvironment()).toBe(first);
    expect(configuredEnvironments()).toEqual(['dev', 'qa', 'prod']);
  });

  it('gives each caller its own copy of the environments', () => {
    configuredEnvironments().push('mutated');
    expect(configuredEnvironments()).toEqual(['dev', 'qa', 'prod']);
  });
});

describe('Function: deliveryConfigFromEnv', () => {
  it('is the handler environment as delivery needs it', () => {
    expect(deliveryConfigFromEnv()).toEqual({
      applicationId: 'app1',
      profileId: 'prof1',
      environmentIds: { dev: 'env1', qa: 'env2', prod: 'env3' },
      environments: ['dev', 'qa', 'prod'],
      protectedEnvironments: ['prod'],
      evalGatedEnvironments: ['prod'],
      requireEvalSuite: false,
      customStrategies: { Custom: 'strat1' },
      defaultStrategies: { dev: 'AllAtOnce', qa: 'AllAtOnce', prod: 'Canary10Percent20Minutes' },
      inlineThresholdBytes: LIMITS.inlineBodyThresholdBytes,
      shadowOutputCapture: [],
      bodyBucket: 'bodies',
    });
  });

  it('fails naming the variable when an AppConfig id is missing', () => {
    expect(() =>
      deliveryConfigFromEnv(readHandlerEnvironment({ [ENV.appConfigApplicationId]: 'app1' })),
    ).toThrow('Environment variable PROMPTOPS_APPCONFIG_PROFILE_ID is not set');
  });
});

describe('Function: resolveStrategy', () => {
  const config = {
    ...deliveryConfigFromEnv(
      readHandlerEnvironment({
        [ENV.appConfigApplicationId]: 'app1',
        [ENV.appConfigProfileId]: 'prof1',
        [ENV.strategies]: JSON.stringify({ Custom: 'strat1' }),
      }),
    ),
    // An environment the default strategies leave out takes FALLBACK_STRATEGY, as the settings would.
    defaultStrategies: {},
    protectedEnvironments: ['live'],
  };

  it.each([
    ['live', FALLBACK_STRATEGY.protected],
    ['qa', FALLBACK_STRATEGY.unprotected],
    ['staging', 'Linear50PercentEvery30Seconds'],
  ])('defaults %s to %s', (environment, name) => {
    expect(resolveStrategy(config, environment)).toEqual({ name, id: `AppConfig.${name}` });
  });

  it('resolves a custom strategy to its id', () => {
    expect(resolveStrategy(config, 'qa', 'Custom')).toEqual({ name: 'Custom', id: 'strat1' });
  });
});
