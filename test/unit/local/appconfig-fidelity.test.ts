/**
 * Fidelity: the real AWS SDK v3 clients, Powertools Parameters, the project's own AppConfig adapter
 * and client sources talk to the emulator unchanged.
 */
import {
  type AppConfigClient,
  ConflictException,
  CreateApplicationCommand,
  CreateConfigurationProfileCommand,
  CreateDeploymentStrategyCommand,
  CreateEnvironmentCommand,
  CreateHostedConfigurationVersionCommand,
  GetApplicationCommand,
  GetConfigurationCommand,
  GetConfigurationProfileCommand,
  GetDeploymentCommand,
  GetDeploymentStrategyCommand,
  GetEnvironmentCommand,
  GetHostedConfigurationVersionCommand,
  ListApplicationsCommand,
  ListConfigurationProfilesCommand,
  ListDeploymentStrategiesCommand,
  ListDeploymentsCommand,
  ListEnvironmentsCommand,
  ListHostedConfigurationVersionsCommand,
  ResourceNotFoundException,
  StartDeploymentCommand,
  StopDeploymentCommand,
} from '@aws-sdk/client-appconfig';
import {
  type AppConfigDataClient,
  BadRequestException,
  ResourceNotFoundException as DataResourceNotFoundException,
  GetLatestConfigurationCommand,
  StartConfigurationSessionCommand,
} from '@aws-sdk/client-appconfigdata';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { AppConfigDelivery } from '../../../lambda/adapters/appconfig-delivery.ts';
import { AgentSource } from '../../../src/client/sources/agent.ts';
import { SdkSource } from '../../../src/client/sources/sdk.ts';
import { APPCONFIG, PREDEFINED_STRATEGIES } from '../../../src/core/contracts.ts';
import { DeploymentInProgressError, LintFailedError } from '../../../src/core/errors.ts';
import { emptyManifest } from '../../../src/core/manifest.ts';
import type { AppConfigEmulator } from '../../../src/local/appconfig/emulator.ts';
import {
  appConfigClient,
  appConfigDataClient,
  bytes,
  startEmulator,
  tempDataDir,
  utf8,
} from './appconfig-fixtures.ts';

const MANIFEST = JSON.stringify(emptyManifest('dev', '2026-03-01T09:00:00.000Z'));

let dir: Awaited<ReturnType<typeof tempDataDir>>;
let emulator: AppConfigEmulator;
let appconfig: AppConfigClient;
let data: AppConfigDataClient;
let app: string;
let env: string;
let profile: string;

beforeEach(async () => {
  dir = await tempDataDir();
  emulator = await startEmulator(dir.path);
  appconfig = appConfigClient(emulator);
  data = appConfigDataClient(emulator);
  app = await emulator.ensureApplication(APPCONFIG.application);
  env = await emulator.ensureEnvironment(app, 'dev');
  profile = await emulator.ensureProfile(app, APPCONFIG.profile);
});

afterEach(async () => {
  vi.unstubAllEnvs();
  appconfig.destroy();
  data.destroy();
  await emulator.close();
  await dir.remove();
});

async function createVersion(content: string, label?: string, latest?: number) {
  return appconfig.send(
    new CreateHostedConfigurationVersionCommand({
      ApplicationId: app,
      ConfigurationProfileId: profile,
      Content: bytes(content),
      ContentType: APPCONFIG.contentType,
      Description: `version ${label ?? 'unlabelled'}`,
      ...(label !== undefined ? { VersionLabel: label } : {}),
      ...(latest !== undefined ? { LatestVersionNumber: latest } : {}),
    }),
  );
}

async function deployAllAtOnce(version: number) {
  return appconfig.send(
    new StartDeploymentCommand({
      ApplicationId: app,
      EnvironmentId: env,
      ConfigurationProfileId: profile,
      DeploymentStrategyId: 'AppConfig.AllAtOnce',
      ConfigurationVersion: String(version),
    }),
  );
}

describe('Class: AppConfigEmulator', () => {
  describe('AppConfigClient: hosted configuration versions', () => {
    it('reads back the content bytes, content type, label and description it was given', async () => {
      const created = await createVersion(MANIFEST, 'dev-r1');
      expect(created.VersionNumber).toBe(1);
      expect(created.$metadata.httpStatusCode).toBe(201);

      const read = await appconfig.send(
        new GetHostedConfigurationVersionCommand({
          ApplicationId: app,
          ConfigurationProfileId: profile,
          VersionNumber: 1,
        }),
      );
      expect(utf8(read.Content)).toBe(MANIFEST);
      expect(read).toMatchObject({
        ApplicationId: app,
        ConfigurationProfileId: profile,
        VersionNumber: 1,
        ContentType: 'application/json',
        VersionLabel: 'dev-r1',
        Description: 'version dev-r1',
      });
    });

    it('lists versions newest first, filters by label and pages with NextToken', async () => {
      await createVersion('{"n":1}', 'dev-r1');
      await createVersion('{"n":2}', 'prod-r1');
      await createVersion('{"n":3}', 'dev-r2');
      const all = await appconfig.send(
        new ListHostedConfigurationVersionsCommand({ ApplicationId: app, ConfigurationProfileId: profile }),
      );
      expect(all.Items?.map((i) => i.VersionNumber)).toEqual([3, 2, 1]);
      const dev = await appconfig.send(
        new ListHostedConfigurationVersionsCommand({
          ApplicationId: app,
          ConfigurationProfileId: profile,
          VersionLabel: 'dev-*',
        }),
      );
      expect(dev.Items?.map((i) => i.VersionLabel)).toEqual(['dev-r2', 'dev-r1']);
      const first = await appconfig.send(
        new ListHostedConfigurationVersionsCommand({
          ApplicationId: app,
          ConfigurationProfileId: profile,
          MaxResults: 2,
        }),
      );
      expect(first.Items).toHaveLength(2);
      const second = await appconfig.send(
        new ListHostedConfigurationVersionsCommand({
          ApplicationId: app,
          ConfigurationProfileId: profile,
          MaxResults: 2,
          NextToken: first.NextToken,
        }),
      );
      expect(second.Items?.map((i) => i.VersionNumber)).toEqual([1]);
      expect(second.NextToken).toBeUndefined();
    });

    it('refuses a configuration over the size limit with PayloadTooLargeException', async () => {
      await expect(
        createVersion('x'.repeat(APPCONFIG.maxHostedConfigurationBytes + 1)),
      ).rejects.toMatchObject({
        name: 'PayloadTooLargeException',
      });
    });

    it('refuses a LatestVersionNumber that is not the latest with ConflictException', async () => {
      await createVersion('{"n":1}', 'a-1');
      await expect(createVersion('{"n":2}', 'a-2', 1)).resolves.toMatchObject({ VersionNumber: 2 });
      await expect(createVersion('{"n":3}', 'a-3', 1)).rejects.toBeInstanceOf(ConflictException);
    });
  });

  describe('AppConfigClient: resources', () => {
    it('gets and lists what was provisioned, with stable AppConfig-style ids', async () => {
      expect(app).toMatch(/^[a-z0-9]{4,7}$/);
      expect(await appconfig.send(new GetApplicationCommand({ ApplicationId: app }))).toMatchObject({
        Id: app,
        Name: 'promptops',
      });
      expect((await appconfig.send(new ListApplicationsCommand({}))).Items?.map((a) => a.Id)).toEqual([app]);
      expect(
        await appconfig.send(new GetEnvironmentCommand({ ApplicationId: app, EnvironmentId: env })),
      ).toMatchObject({
        Id: env,
        Name: 'dev',
        State: 'READY_FOR_DEPLOYMENT',
      });
      expect(
        (await appconfig.send(new ListEnvironmentsCommand({ ApplicationId: app }))).Items?.map((e) => e.Name),
      ).toEqual(['dev']);
      expect(
        await appconfig.send(
          new GetConfigurationProfileCommand({ ApplicationId: app, ConfigurationProfileId: profile }),
        ),
      ).toMatchObject({ Id: profile, Name: 'prompts', LocationUri: 'hosted', Type: 'AWS.Freeform' });
      expect(
        (await appconfig.send(new ListConfigurationProfilesCommand({ ApplicationId: app }))).Items?.map(
          (p) => p.Id,
        ),
      ).toEqual([profile]);
    });

    it('serves the predefined strategies by their AppConfig ids with the parameters in core contracts', async () => {
      const listed = await appconfig.send(new ListDeploymentStrategiesCommand({}));
      for (const spec of Object.values(PREDEFINED_STRATEGIES)) {
        const id = `AppConfig.${spec.name}`;
        expect(listed.Items?.map((s) => s.Id)).toContain(id);
        expect(
          await appconfig.send(new GetDeploymentStrategyCommand({ DeploymentStrategyId: id })),
        ).toMatchObject({
          Id: id,
          DeploymentDurationInMinutes: spec.deploymentDurationInMinutes,
          GrowthFactor: spec.growthFactor,
          GrowthType: spec.growthType,
          FinalBakeTimeInMinutes: spec.finalBakeTimeInMinutes,
        });
      }
    });

    it('creates resources through the SDK as AppConfig does', async () => {
      const created = await appconfig.send(
        new CreateApplicationCommand({ Name: 'other', Description: 'made by the SDK' }),
      );
      const environment = await appconfig.send(
        new CreateEnvironmentCommand({
          ApplicationId: created.Id,
          Name: 'qa',
          Monitors: [{ AlarmArn: 'arn:aws:cloudwatch:us-east-1:000000000000:alarm:qa-errors' }],
        }),
      );
      const createdProfile = await appconfig.send(
        new CreateConfigurationProfileCommand({
          ApplicationId: created.Id,
          Name: 'flags',
          LocationUri: 'hosted',
        }),
      );
      const strategy = await appconfig.send(
        new CreateDeploymentStrategyCommand({
          Name: 'Exponential5',
          DeploymentDurationInMinutes: 10,
          GrowthFactor: 5,
          GrowthType: 'EXPONENTIAL',
          FinalBakeTimeInMinutes: 2,
        }),
      );
      expect(created.Id).toMatch(/^[a-z0-9]{4,7}$/);
      expect(environment.Monitors).toEqual([
        { AlarmArn: 'arn:aws:cloudwatch:us-east-1:000000000000:alarm:qa-errors' },
      ]);
      expect(createdProfile.LocationUri).toBe('hosted');
      expect(
        await appconfig.send(new GetDeploymentStrategyCommand({ DeploymentStrategyId: strategy.Id })),
      ).toMatchObject({
        Name: 'Exponential5',
        GrowthType: 'EXPONENTIAL',
      });
    });

    it('answers ResourceNotFoundException for unknown ids', async () => {
      const calls = [
        appconfig.send(new GetApplicationCommand({ ApplicationId: 'nope123' })),
        appconfig.send(new GetEnvironmentCommand({ ApplicationId: app, EnvironmentId: 'nope123' })),
        appconfig.send(
          new GetConfigurationProfileCommand({ ApplicationId: app, ConfigurationProfileId: 'nope123' }),
        ),
        appconfig.send(new GetDeploymentStrategyCommand({ DeploymentStrategyId: 'nope123' })),
        appconfig.send(
          new GetHostedConfigurationVersionCommand({
            ApplicationId: app,
            ConfigurationProfileId: profile,
            VersionNumber: 9,
          }),
        ),
        appconfig.send(
          new GetDeploymentCommand({ ApplicationId: app, EnvironmentId: env, DeploymentNumber: 9 }),
        ),
      ];
      for (const call of calls) await expect(call).rejects.toBeInstanceOf(ResourceNotFoundException);
    });
  });

  describe('AppConfigClient: deployments', () => {
    it('starts, gets, lists (newest first) and stops deployments, one at a time per environment', async () => {
      await createVersion('{"n":1}', 'dev-r1');
      await createVersion('{"n":2}', 'dev-r2');
      const first = await deployAllAtOnce(1);
      expect(first).toMatchObject({
        DeploymentNumber: 1,
        State: 'BAKING',
        PercentageComplete: 100,
        DeploymentStrategyId: 'AppConfig.AllAtOnce',
        ConfigurationVersion: '1',
        ConfigurationName: 'prompts',
        VersionLabel: 'dev-r1',
        DeploymentDurationInMinutes: 0,
        GrowthFactor: 100,
        FinalBakeTimeInMinutes: 10,
      });
      expect(first.StartedAt).toBeInstanceOf(Date);

      await expect(deployAllAtOnce(2)).rejects.toBeInstanceOf(ConflictException);

      const stopped = await appconfig.send(
        new StopDeploymentCommand({ ApplicationId: app, EnvironmentId: env, DeploymentNumber: 1 }),
      );
      expect(stopped.State).toBe('ROLLED_BACK');
      expect(stopped.EventLog?.[0]).toMatchObject({ EventType: 'ROLLBACK_COMPLETED' });
      expect(stopped.EventLog?.[1]).toMatchObject({ EventType: 'ROLLBACK_STARTED', TriggeredBy: 'USER' });

      // Nothing runs now, but the writer believes deployment 0 is the latest.
      await expect(
        appconfig.send(
          new StartDeploymentCommand({
            ApplicationId: app,
            EnvironmentId: env,
            ConfigurationProfileId: profile,
            DeploymentStrategyId: 'AppConfig.AllAtOnce',
            ConfigurationVersion: '2',
            LatestDeploymentNumber: 0,
          }),
        ),
      ).rejects.toBeInstanceOf(ConflictException);
      const second = await deployAllAtOnce(2);
      expect(second.DeploymentNumber).toBe(2);
      const listed = await appconfig.send(
        new ListDeploymentsCommand({ ApplicationId: app, EnvironmentId: env }),
      );
      expect(listed.Items?.map((d) => [d.DeploymentNumber, d.State])).toEqual([
        [2, 'BAKING'],
        [1, 'ROLLED_BACK'],
      ]);
      const got = await appconfig.send(
        new GetDeploymentCommand({ ApplicationId: app, EnvironmentId: env, DeploymentNumber: 1 }),
      );
      expect(got.CompletedAt).toBeInstanceOf(Date);
    });

    it('works with the production AppConfigDelivery adapter, validator refusals included', async () => {
      const refusing = vi.fn(async ({ content }: { content: Uint8Array }) => {
        if (utf8(content).includes('"bad"')) throw new Error('manifest.prompts: "bad" is not a prompt');
      });
      emulator.setHooks({ validate: refusing });
      const delivery = new AppConfigDelivery(appconfig, app, profile);
      const good = await delivery.createHostedVersion({
        content: MANIFEST,
        label: 'dev-r1',
        description: 'first',
      });
      const bad = await delivery.createHostedVersion({
        content: '{"bad":1}',
        label: 'dev-r2',
        description: 'second',
      });
      expect([good, bad]).toEqual([1, 2]);

      await expect(
        delivery.startDeployment({
          environmentId: env,
          strategyId: 'AppConfig.AllAtOnce',
          versionNumber: bad,
          description: 'x',
        }),
      ).rejects.toThrow(LintFailedError);
      expect(refusing).toHaveBeenCalledWith(
        expect.objectContaining({
          applicationId: app,
          configurationProfileId: profile,
          configurationVersion: '2',
        }),
      );

      const started = await delivery.startDeployment({
        environmentId: env,
        strategyId: 'AppConfig.Linear50PercentEvery30Seconds',
        versionNumber: good,
        description: 'deploy r1',
      });
      expect(started).toMatchObject({ number: 1, state: 'DEPLOYING', configurationVersion: '1' });
      await expect(
        delivery.startDeployment({
          environmentId: env,
          strategyId: 'AppConfig.AllAtOnce',
          versionNumber: good,
          description: 'y',
        }),
      ).rejects.toThrow(DeploymentInProgressError);
      const stopped = await delivery.stopDeployment(env, 1);
      expect(stopped).toMatchObject({ state: 'ROLLED_BACK', triggeredBy: 'USER' });
      expect((await delivery.getDeployment(env, 1)).reason).toMatch(/Rollback initiated by user/);

      // A writer that learned a stale latest version retries after the ConflictException.
      const stale = new AppConfigDelivery(appconfig, app, profile);
      await stale.createHostedVersion({ content: MANIFEST, label: 'dev-r3', description: 'third' });
      await delivery.createHostedVersion({ content: MANIFEST, label: 'dev-r4', description: 'fourth' });
      await expect(
        stale.createHostedVersion({ content: MANIFEST, label: 'dev-r5', description: 'fifth' }),
      ).resolves.toBe(5);
    });
  });

  describe('AppConfigDataClient', () => {
    async function session(interval?: number) {
      const started = await data.send(
        new StartConfigurationSessionCommand({
          ApplicationIdentifier: 'promptops',
          EnvironmentIdentifier: 'dev',
          ConfigurationProfileIdentifier: 'prompts',
          ...(interval !== undefined ? { RequiredMinimumPollIntervalInSeconds: interval } : {}),
        }),
      );
      expect(started.InitialConfigurationToken).toEqual(expect.any(String));
      return started.InitialConfigurationToken as string;
    }

    it('returns the configuration, then an empty one while unchanged, with a new token each time', async () => {
      await createVersion(MANIFEST, 'dev-r1');
      await deployAllAtOnce(1);
      const token = await session(30);

      const first = await data.send(new GetLatestConfigurationCommand({ ConfigurationToken: token }));
      expect(utf8(first.Configuration)).toBe(MANIFEST);
      expect(first.ContentType).toBe('application/json');
      expect(first.VersionLabel).toBe('dev-r1');
      expect(first.NextPollIntervalInSeconds).toBe(30);
      expect(first.NextPollConfigurationToken).not.toBe(token);

      // The next poll waits for the interval, as AppConfigData requires ("Request too early" before).
      vi.useFakeTimers({ toFake: ['Date'], now: Date.now() + 30_000 });
      const second = await data.send(
        new GetLatestConfigurationCommand({ ConfigurationToken: first.NextPollConfigurationToken }),
      );
      vi.useRealTimers();
      // The SDK turns the empty body into a null Configuration.
      expect(second.Configuration?.length ?? 0).toBe(0);
      expect(second.NextPollIntervalInSeconds).toBe(30);
      expect(second.NextPollConfigurationToken).not.toBe(first.NextPollConfigurationToken);
    });

    it('answers a poll before the interval has passed with BadRequestException "Request too early", and takes the same token once it has', async () => {
      await createVersion(MANIFEST, 'dev-r1');
      await deployAllAtOnce(1);
      const first = await data.send(
        new GetLatestConfigurationCommand({ ConfigurationToken: await session(15) }),
      );
      const early = data.send(
        new GetLatestConfigurationCommand({ ConfigurationToken: first.NextPollConfigurationToken }),
      );
      await expect(early).rejects.toBeInstanceOf(BadRequestException);
      await expect(early).rejects.toThrow('Request too early');
      vi.useFakeTimers({ toFake: ['Date'], now: Date.now() + 15_000 });
      try {
        const onTime = await data.send(
          new GetLatestConfigurationCommand({ ConfigurationToken: first.NextPollConfigurationToken }),
        );
        expect(onTime.Configuration?.length ?? 0).toBe(0);
      } finally {
        vi.useRealTimers();
      }
    });

    it("lets the client library's SdkSource recover from polling too early with a new session", async () => {
      await createVersion(MANIFEST, 'dev-r1');
      await deployAllAtOnce(1);
      const source = new SdkSource(
        { application: 'promptops', environment: 'dev', profile: 'prompts' },
        data,
        15,
      );
      await expect(source.fetch()).resolves.toBe(MANIFEST);
      // Ignoring nextFetchAt: AppConfigData refuses the token, the source starts over and gets it all.
      await expect(source.fetch()).resolves.toBe(MANIFEST);
    });

    it('refuses a token that was already used, and a forged one, with BadRequestException', async () => {
      const token = await session();
      const first = await data.send(new GetLatestConfigurationCommand({ ConfigurationToken: token }));
      expect(first.NextPollIntervalInSeconds).toBe(60);
      await expect(
        data.send(new GetLatestConfigurationCommand({ ConfigurationToken: token })),
      ).rejects.toBeInstanceOf(BadRequestException);
      const [body] = (first.NextPollConfigurationToken as string).split('.');
      await expect(
        data.send(new GetLatestConfigurationCommand({ ConfigurationToken: `${body}.forged` })),
      ).rejects.toBeInstanceOf(BadRequestException);
    });

    it('refuses an out-of-range poll interval and unknown resources', async () => {
      await expect(session(5)).rejects.toBeInstanceOf(BadRequestException);
      await expect(
        data.send(
          new StartConfigurationSessionCommand({
            ApplicationIdentifier: 'promptops',
            EnvironmentIdentifier: 'nowhere',
            ConfigurationProfileIdentifier: 'prompts',
          }),
        ),
      ).rejects.toBeInstanceOf(DataResourceNotFoundException);
    });

    it('divides the poll interval by the time scale, down to 1 second', async () => {
      const scaled = await startEmulator(dir.path, { timeScale: 600 });
      const client = appConfigDataClient(scaled);
      try {
        const started = await client.send(
          new StartConfigurationSessionCommand({
            ApplicationIdentifier: app,
            EnvironmentIdentifier: env,
            ConfigurationProfileIdentifier: profile,
            RequiredMinimumPollIntervalInSeconds: 15,
          }),
        );
        const out = await client.send(
          new GetLatestConfigurationCommand({ ConfigurationToken: started.InitialConfigurationToken }),
        );
        expect(out.NextPollIntervalInSeconds).toBe(1);
      } finally {
        client.destroy();
        await scaled.close();
      }
    });

    it("feeds the client library's SdkSource", async () => {
      await createVersion(MANIFEST, 'dev-r1');
      await deployAllAtOnce(1);
      const source = new SdkSource(
        { application: 'promptops', environment: 'dev', profile: 'prompts' },
        data,
        15,
      );
      await expect(source.fetch()).resolves.toBe(MANIFEST);
      expect(source.nextFetchAt).toBeGreaterThan(Date.now() + 10_000);
    });
  });

  describe('Powertools Parameters and the agent path', () => {
    beforeEach(async () => {
      await createVersion(MANIFEST, 'dev-r1');
      await deployAllAtOnce(1);
    });

    it('getAppConfig reads the manifest with its default client pointed at the emulator', async () => {
      vi.stubEnv('AWS_ENDPOINT_URL_APPCONFIGDATA', emulator.url);
      const { getAppConfig } = await import('@aws-lambda-powertools/parameters/appconfig');
      const value = await getAppConfig('prompts', {
        application: 'promptops',
        environment: 'dev',
        transform: 'json',
      });
      expect(value).toEqual(JSON.parse(MANIFEST));
    });

    it('AppConfigProvider reads the manifest through an injected AppConfigDataClient', async () => {
      const { AppConfigProvider } = await import('@aws-lambda-powertools/parameters/appconfig');
      const provider = new AppConfigProvider({ application: app, environment: env, awsSdkV3Client: data });
      expect(utf8((await provider.get(profile)) as Uint8Array)).toBe(MANIFEST);
    });

    it('the appconfig-agent getConfig reads the manifest from the agent path', async () => {
      vi.stubEnv('AWS_APPCONFIG_EXTENSION_HTTP_PORT', new URL(emulator.agentUrl).port);
      vi.stubEnv('AWS_LAMBDA_INITIALIZATION_TYPE', 'on-demand');
      vi.stubEnv('POWERTOOLS_DEV', '');
      const { getConfig } = await import('@aws-lambda-powertools/parameters/appconfig-agent');
      expect(await getConfig('prompts', { application: 'promptops', environment: 'dev' })).toBe(MANIFEST);
      expect(await getConfig('missing', { application: 'promptops', environment: 'dev' })).toBeUndefined();
    });

    it("the client library's AgentSource reads the manifest, by names or by ids", async () => {
      const byName = new AgentSource(
        { application: 'promptops', environment: 'dev', profile: 'prompts' },
        emulator.agentUrl,
      );
      const byId = new AgentSource({ application: app, environment: env, profile }, emulator.agentUrl);
      await expect(byName.fetch()).resolves.toBe(MANIFEST);
      await expect(byId.fetch()).resolves.toBe(MANIFEST);
    });

    it("answers AppConfig's deprecated GetConfiguration on the same path", async () => {
      const first = await appconfig.send(
        new GetConfigurationCommand({
          Application: app,
          Environment: env,
          Configuration: profile,
          ClientId: 'c-1',
        }),
      );
      expect(utf8(first.Content)).toBe(MANIFEST);
      expect(first.ConfigurationVersion).toBe('1');
      const again = await appconfig.send(
        new GetConfigurationCommand({
          Application: app,
          Environment: env,
          Configuration: profile,
          ClientId: 'c-1',
          ClientConfigurationVersion: '1',
        }),
      );
      expect(again.Content?.length ?? 0).toBe(0);
    });
  });
});
