import {
  CreateHostedConfigurationVersionCommand,
  GetDeploymentCommand,
  StartDeploymentCommand,
} from '@aws-sdk/client-appconfig';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { canarySettingsOf } from '../../../src/core/canary.ts';
import { readHandlerEnvironment } from '../../../src/core/handler-environment.ts';
import type { AppConfigEmulator, ExtensionEvent } from '../../../src/local/appconfig/emulator.ts';
import {
  CANARY_TICK_FUNCTION_ARN,
  LocalLambdas,
  provisionCanaryExtension,
} from '../../../src/local/local-canary.ts';
import { appConfigClient, bytes, manualClock, startEmulator, tempDataDir } from './appconfig-fixtures.ts';

describe('Module: local-canary', () => {
  let dir: { path: string; remove: () => Promise<void> };
  let emulator: AppConfigEmulator;
  const lambdas = new LocalLambdas();
  const tick = vi.fn(async (_event: ExtensionEvent): Promise<unknown> => ({}));
  lambdas.register(CANARY_TICK_FUNCTION_ARN, tick);

  beforeEach(async () => {
    dir = await tempDataDir();
    emulator = await startEmulator(dir.path, { clock: manualClock().read, invokeLambda: lambdas.invoke });
  });

  afterEach(async () => {
    await emulator.close();
    await dir.remove();
  });

  it('provisions the extension for the canary environments only, and routes its ARN to the registered function', async () => {
    const app = await emulator.ensureApplication('promptops');
    const prod = await emulator.ensureEnvironment(app, 'prod');
    const dev = await emulator.ensureEnvironment(app, 'dev');
    const profile = await emulator.ensureProfile(app, 'prompts');
    const id = await provisionCanaryExtension(emulator, app, [prod]);
    expect(await provisionCanaryExtension(emulator, app, [prod])).toBe(id);
    const client = appConfigClient(emulator);
    try {
      await client.send(
        new CreateHostedConfigurationVersionCommand({
          ApplicationId: app,
          ConfigurationProfileId: profile,
          Content: bytes('{}'),
          ContentType: 'application/json',
        }),
      );
      for (const env of [dev, prod]) {
        await client.send(
          new StartDeploymentCommand({
            ApplicationId: app,
            EnvironmentId: env,
            ConfigurationProfileId: profile,
            DeploymentStrategyId: 'AppConfig.Canary10Percent20Minutes',
            ConfigurationVersion: '1',
          }),
        );
      }
      tick.mockRejectedValueOnce(new Error('canary analysis failed'));
      await emulator.tick();
      expect(tick).toHaveBeenCalledTimes(1);
      expect(tick.mock.calls[0]?.[0]).toMatchObject({ Type: 'AtDeploymentTick', Environment: { Id: prod } });
      const rolledBack = await client.send(
        new GetDeploymentCommand({ ApplicationId: app, EnvironmentId: prod, DeploymentNumber: 1 }),
      );
      expect(rolledBack.State).toBe('ROLLED_BACK');
      const untouched = await client.send(
        new GetDeploymentCommand({ ApplicationId: app, EnvironmentId: dev, DeploymentNumber: 1 }),
      );
      expect(untouched.State).toBe('DEPLOYING');
    } finally {
      client.destroy();
    }
  });

  it('fails an unknown function ARN as Lambda would', async () => {
    await expect(
      lambdas.invoke('arn:aws:lambda:us-east-1:000000000000:function:nope', {} as ExtensionEvent),
    ).rejects.toThrow('Function not found');
  });

  it('reads the canary settings from the handler environment, with the defaults for those unset', () => {
    const read = (env: Record<string, string>) => canarySettingsOf(readHandlerEnvironment(env).settings);
    expect(read({ PROMPTOPS_CANARY_MIN_SAMPLES: '20' })).toEqual({
      maxPValue: 0.01,
      minSamples: 20,
      errorRateMargin: 0.02,
      negativeFeedbackMargin: 0.1,
      latencyRatio: 1.5,
    });
  });
});
