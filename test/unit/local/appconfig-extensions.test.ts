/**
 * The emulator's AppConfig extensions through the real SDK: CRUD of extensions and associations,
 * association resolution by ARN, PRE_START_DEPLOYMENT refusing a deployment, AT_DEPLOYMENT_TICK
 * called every tick (never overlapping) and rolling back on an error with TriggeredBy APPCONFIG and
 * the function's message, persistence across a restart; and monitors in INSUFFICIENT_DATA rolling back.
 */
import {
  type AppConfigClient,
  BadRequestException,
  ConflictException,
  CreateExtensionAssociationCommand,
  CreateExtensionCommand,
  CreateHostedConfigurationVersionCommand,
  DeleteExtensionAssociationCommand,
  DeleteExtensionCommand,
  GetDeploymentCommand,
  GetExtensionAssociationCommand,
  GetExtensionCommand,
  ListExtensionAssociationsCommand,
  ListExtensionsCommand,
  ResourceNotFoundException,
  StartDeploymentCommand,
} from '@aws-sdk/client-appconfig';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { deploymentInfo } from '../../../lambda/adapters/appconfig-delivery.ts';
import type {
  AppConfigEmulator,
  ExtensionEvent,
  FiredAlarm,
  InvokeLambda,
} from '../../../src/local/appconfig/emulator.ts';
import {
  appConfigClient,
  bytes,
  type ManualClock,
  manualClock,
  startEmulator,
  tempDataDir,
} from './appconfig-fixtures.ts';

const TICK_ARN = 'arn:aws:lambda:us-east-1:000000000000:function:canary-tick';
const GATE_ARN = 'arn:aws:lambda:us-east-1:000000000000:function:pre-start-gate';
const TIME_SCALE = 60;
const LINEAR = {
  name: 'Linear4',
  deploymentDurationInMinutes: 4,
  growthFactor: 25,
  growthType: 'LINEAR',
  finalBakeTimeInMinutes: 2,
} as const;

let dir: { path: string; remove: () => Promise<void> };
let clock: ManualClock;
let emulator: AppConfigEmulator;
let appconfig: AppConfigClient;
let invoke: ReturnType<typeof vi.fn<InvokeLambda>>;
let app: string;
let env: string;
let profile: string;
let strategy: string;

async function open(): Promise<void> {
  emulator = await startEmulator(dir.path, {
    clock: clock.read,
    timeScale: TIME_SCALE,
    invokeLambda: (arn, event) => invoke(arn, event),
  });
  appconfig = appConfigClient(emulator);
  app = await emulator.ensureApplication('promptops');
  env = await emulator.ensureEnvironment(app, 'prod');
  profile = await emulator.ensureProfile(app, 'prompts');
  strategy = await emulator.ensureStrategy(LINEAR);
}

async function reopen(): Promise<void> {
  appconfig.destroy();
  await emulator.close();
  await open();
}

beforeEach(async () => {
  dir = await tempDataDir();
  clock = manualClock();
  invoke = vi.fn<InvokeLambda>(async () => ({}));
  await open();
});

afterEach(async () => {
  appconfig.destroy();
  await emulator.close();
  await dir.remove();
});

const environmentArn = () => `arn:aws:appconfig:us-east-1:000000000000:application/${app}/environment/${env}`;

async function createExtension(point: string, uri: string, name = 'canary') {
  return appconfig.send(
    new CreateExtensionCommand({
      Name: name,
      Description: 'judges the canary',
      Actions: {
        [point]: [{ Name: `${name}-action`, Uri: uri, RoleArn: 'arn:aws:iam::000000000000:role/x' }],
      },
      Parameters: { Threshold: { Required: false, Description: 'p' } },
    }),
  );
}

async function associate(extensionId: string, resourceArn = environmentArn()) {
  return appconfig.send(
    new CreateExtensionAssociationCommand({
      ExtensionIdentifier: extensionId,
      ResourceIdentifier: resourceArn,
      Parameters: { Threshold: '0.01' },
    }),
  );
}

async function startDeployment(content = '{"v":1}') {
  const version = await appconfig.send(
    new CreateHostedConfigurationVersionCommand({
      ApplicationId: app,
      ConfigurationProfileId: profile,
      Content: bytes(content),
      ContentType: 'application/json',
    }),
  );
  return appconfig.send(
    new StartDeploymentCommand({
      ApplicationId: app,
      EnvironmentId: env,
      ConfigurationProfileId: profile,
      DeploymentStrategyId: strategy,
      ConfigurationVersion: String(version.VersionNumber),
      Description: 'canary of v1',
    }),
  );
}

const deployment = (number: number) =>
  appconfig.send(
    new GetDeploymentCommand({ ApplicationId: app, EnvironmentId: env, DeploymentNumber: number }),
  );

describe('Class: AppConfigEmulator', () => {
  describe('Extensions API', () => {
    it('creates, gets, lists and deletes extensions and associations with AppConfig shapes', async () => {
      const created = await createExtension('AT_DEPLOYMENT_TICK', TICK_ARN);
      expect(created).toMatchObject({
        Id: expect.stringMatching(/^[a-z0-9]{7}$/),
        Name: 'canary',
        VersionNumber: 1,
        Arn: `arn:aws:appconfig:us-east-1:000000000000:extension/${created.Id}/1`,
        Actions: { AT_DEPLOYMENT_TICK: [{ Name: 'canary-action', Uri: TICK_ARN }] },
        Parameters: { Threshold: { Required: false, Description: 'p' } },
      });
      expect(await appconfig.send(new GetExtensionCommand({ ExtensionIdentifier: 'canary' }))).toMatchObject({
        Id: created.Id,
        VersionNumber: 1,
      });
      await expect(createExtension('AT_DEPLOYMENT_TICK', TICK_ARN)).rejects.toBeInstanceOf(ConflictException);
      const listed = await appconfig.send(new ListExtensionsCommand({}));
      expect(listed.Items?.map((e) => e.Name)).toEqual(['canary']);

      const association = await associate(created.Id as string);
      expect(association).toMatchObject({
        Id: expect.stringMatching(/^[a-z0-9]{7}$/),
        ExtensionArn: created.Arn,
        ResourceArn: environmentArn(),
        Parameters: { Threshold: '0.01' },
        ExtensionVersionNumber: 1,
      });
      expect(
        await appconfig.send(new GetExtensionAssociationCommand({ ExtensionAssociationId: association.Id })),
      ).toMatchObject({ Id: association.Id, ResourceArn: environmentArn() });
      const byResource = await appconfig.send(
        new ListExtensionAssociationsCommand({ ResourceIdentifier: environmentArn() }),
      );
      expect(byResource.Items).toEqual([
        { Id: association.Id, ExtensionArn: created.Arn, ResourceArn: environmentArn() },
      ]);
      await expect(
        appconfig.send(new DeleteExtensionCommand({ ExtensionIdentifier: created.Id })),
      ).rejects.toBeInstanceOf(ConflictException);
      await appconfig.send(new DeleteExtensionAssociationCommand({ ExtensionAssociationId: association.Id }));
      await appconfig.send(new DeleteExtensionCommand({ ExtensionIdentifier: created.Id }));
      await expect(
        appconfig.send(new GetExtensionCommand({ ExtensionIdentifier: created.Id })),
      ).rejects.toBeInstanceOf(ResourceNotFoundException);
    });

    it('refuses unknown action points, non-Lambda URIs and associations with unknown resources', async () => {
      await expect(createExtension('AT_LUNCH', TICK_ARN)).rejects.toBeInstanceOf(BadRequestException);
      await expect(
        createExtension('AT_DEPLOYMENT_TICK', 'arn:aws:sns:us-east-1:000000000000:topic'),
      ).rejects.toBeInstanceOf(BadRequestException);
      const created = await createExtension('AT_DEPLOYMENT_TICK', TICK_ARN);
      await expect(associate(created.Id as string, 'not-an-arn')).rejects.toBeInstanceOf(BadRequestException);
      await expect(
        associate(
          created.Id as string,
          `arn:aws:appconfig:us-east-1:000000000000:application/${app}/environment/zzzzzzz`,
        ),
      ).rejects.toBeInstanceOf(ResourceNotFoundException);
    });

    it('keeps extensions and associations across a restart', async () => {
      const created = await createExtension('AT_DEPLOYMENT_TICK', TICK_ARN);
      const association = await associate(created.Id as string);
      await reopen();
      expect(
        await appconfig.send(new GetExtensionCommand({ ExtensionIdentifier: created.Id })),
      ).toMatchObject({
        Name: 'canary',
      });
      expect(
        await appconfig.send(new GetExtensionAssociationCommand({ ExtensionAssociationId: association.Id })),
      ).toMatchObject({ ResourceArn: environmentArn() });
      await startDeployment();
      await emulator.tick();
      expect(invoke).toHaveBeenCalledWith(TICK_ARN, expect.objectContaining({ Type: 'AtDeploymentTick' }));
    });

    it('ensureExtension makes a new version only when the definition changed, and moves associations to it', async () => {
      const definition = {
        name: 'promptops-canary',
        actions: { AT_DEPLOYMENT_TICK: [{ Name: 'tick', Uri: TICK_ARN }] },
      };
      const id = await emulator.ensureExtension(definition);
      expect(await emulator.ensureExtension(definition)).toBe(id);
      await emulator.ensureExtensionAssociation({
        extensionIdentifier: id,
        resourceIdentifier: environmentArn(),
      });
      await emulator.ensureExtension({
        ...definition,
        actions: { AT_DEPLOYMENT_TICK: [{ Name: 'tick', Uri: GATE_ARN }] },
      });
      await emulator.ensureExtensionAssociation({
        extensionIdentifier: id,
        resourceIdentifier: environmentArn(),
      });
      const [association] =
        (await appconfig.send(new ListExtensionAssociationsCommand({ ResourceIdentifier: environmentArn() })))
          .Items ?? [];
      expect(association?.ExtensionArn).toMatch(/\/2$/);
    });
  });

  describe('Action point: AT_DEPLOYMENT_TICK', () => {
    it("calls the action every tick while DEPLOYING and BAKING with AppConfig's event, and a passing tick lets it complete", async () => {
      const created = await createExtension('AT_DEPLOYMENT_TICK', TICK_ARN);
      await associate(created.Id as string);
      await startDeployment();
      await emulator.tick();
      clock.advance(1_000);
      await emulator.tick();
      clock.advance(3_500);
      await emulator.tick();
      expect((await deployment(1)).State).toBe('BAKING');
      clock.advance(2_000);
      await emulator.tick();
      expect((await deployment(1)).State).toBe('COMPLETE');
      await emulator.tick();

      const events = invoke.mock.calls.map(([, event]) => event);
      expect(invoke.mock.calls.every(([arn]) => arn === TICK_ARN)).toBe(true);
      expect(events).toHaveLength(3);
      expect(events[0]).toEqual({
        InvocationId: expect.any(String),
        Type: 'AtDeploymentTick',
        Application: { Id: app },
        Environment: { Id: env },
        ConfigurationProfile: { Id: profile, Name: 'prompts' },
        DeploymentNumber: 1,
        Description: 'canary of v1',
        ConfigurationVersion: '1',
        DeploymentState: 'DEPLOYING',
        PercentageComplete: 0,
        Parameters: { Threshold: '0.01' },
      } satisfies ExtensionEvent);
      expect(events.map((e) => [e.DeploymentState, e.PercentageComplete])).toEqual([
        ['DEPLOYING', 0],
        ['DEPLOYING', 25],
        ['BAKING', 100],
      ]);
    });

    it('rolls back on an error with TriggeredBy APPCONFIG and the extension message in the EventLog', async () => {
      const created = await createExtension('AT_DEPLOYMENT_TICK', TICK_ARN);
      await associate(created.Id as string);
      await startDeployment();
      await emulator.tick();
      invoke.mockRejectedValueOnce(new Error('canary analysis: summarize@2 error rate 30.0% vs 1.0%'));
      clock.advance(2_000);
      await emulator.tick();

      const rolledBack = await deployment(1);
      expect(rolledBack.State).toBe('ROLLED_BACK');
      expect(rolledBack.EventLog?.[1]).toMatchObject({
        EventType: 'ROLLBACK_STARTED',
        TriggeredBy: 'APPCONFIG',
        Description: 'canary analysis: summarize@2 error rate 30.0% vs 1.0%',
        ActionInvocations: [
          {
            ExtensionIdentifier: created.Id,
            ActionName: 'canary-action',
            Uri: TICK_ARN,
            ErrorMessage: 'canary analysis: summarize@2 error rate 30.0% vs 1.0%',
            ErrorCode: 'LambdaError',
            InvocationId: expect.any(String),
          },
        ],
      });
      expect(deploymentInfo(rolledBack)).toMatchObject({
        state: 'ROLLED_BACK',
        triggeredBy: 'APPCONFIG',
        reason: 'canary analysis: summarize@2 error rate 30.0% vs 1.0%',
      });
      const calls = invoke.mock.calls.length;
      clock.advance(2_000);
      await emulator.tick();
      expect(invoke.mock.calls.length).toBe(calls);
    });

    it("treats AppConfig's error response {Error, Message} as an error", async () => {
      const created = await createExtension('AT_DEPLOYMENT_TICK', TICK_ARN);
      await associate(created.Id as string);
      await startDeployment();
      invoke.mockResolvedValueOnce({ Error: 'BadRequestError', Message: 'too many errors' });
      await emulator.tick();
      expect((await deployment(1)).EventLog?.[1]).toMatchObject({
        TriggeredBy: 'APPCONFIG',
        Description: 'too many errors',
        ActionInvocations: [expect.objectContaining({ ErrorCode: 'BadRequestError' })],
      });
    });

    it('never starts a tick before the previous invocation has answered', async () => {
      const created = await createExtension('AT_DEPLOYMENT_TICK', TICK_ARN);
      await associate(created.Id as string);
      await startDeployment();
      let release: () => void = () => undefined;
      let running = 0;
      let overlapped = false;
      invoke.mockImplementation(async () => {
        running++;
        overlapped ||= running > 1;
        await new Promise<void>((resolve) => {
          release = resolve;
        });
        running--;
        return {};
      });
      const first = emulator.tick();
      await vi.waitFor(() => expect(invoke).toHaveBeenCalledTimes(1));
      const second = emulator.tick();
      expect(second).toBe(first);
      release();
      await first;
      expect(overlapped).toBe(false);
    });

    it('applies extensions associated with the application or the profile too, not other environments', async () => {
      const created = await createExtension('AT_DEPLOYMENT_TICK', TICK_ARN);
      const other = await emulator.ensureEnvironment(app, 'staging');
      await associate(
        created.Id as string,
        `arn:aws:appconfig:us-east-1:000000000000:application/${app}/environment/${other}`,
      );
      await startDeployment();
      await emulator.tick();
      expect(invoke).not.toHaveBeenCalled();
      const gate = await createExtension('AT_DEPLOYMENT_TICK', GATE_ARN, 'app-wide');
      await associate(gate.Id as string, `arn:aws:appconfig:us-east-1:000000000000:application/${app}`);
      const byProfile = await createExtension('AT_DEPLOYMENT_TICK', TICK_ARN, 'by-profile');
      await associate(
        byProfile.Id as string,
        `arn:aws:appconfig:us-east-1:000000000000:application/${app}/configurationprofile/${profile}`,
      );
      await emulator.tick();
      expect(invoke.mock.calls.map(([arn]) => arn)).toEqual([GATE_ARN, TICK_ARN]);
    });
  });

  describe('Action point: PRE_START_DEPLOYMENT', () => {
    it('refuses StartDeployment with the error of the action, and starts it when the action passes', async () => {
      const created = await createExtension('PRE_START_DEPLOYMENT', GATE_ARN);
      await associate(created.Id as string);
      invoke.mockRejectedValueOnce(new Error('deployments are frozen'));
      const refused = startDeployment();
      await expect(refused).rejects.toBeInstanceOf(BadRequestException);
      await expect(refused).rejects.toThrow('deployments are frozen');
      expect(invoke).toHaveBeenCalledWith(
        GATE_ARN,
        expect.objectContaining({
          Type: 'PreStartDeployment',
          Application: { Id: app, Name: 'promptops' },
          Environment: { Id: env, Name: 'prod' },
          ConfigurationProfile: { Id: profile, Name: 'prompts' },
          DeploymentNumber: 1,
          ConfigurationVersion: '1',
          ContentType: 'application/json',
          Content: Buffer.from('{"v":1}').toString('base64'),
          Parameters: { Threshold: '0.01' },
        }),
      );
      const started = await startDeployment('{"v":2}');
      expect(started).toMatchObject({ DeploymentNumber: 1, State: 'DEPLOYING' });
    });
  });

  describe('Monitors', () => {
    it('rolls back on a monitor in INSUFFICIENT_DATA as on one in ALARM, naming the state', async () => {
      const alarm: FiredAlarm = {
        alarmName: 'promptops-prod-ErrorRate',
        alarmArn: 'arn:aws:cloudwatch:us-east-1:000000000000:alarm:promptops-prod-ErrorRate',
        reason: 'no datapoints yet',
        state: 'INSUFFICIENT_DATA',
      };
      emulator.setHooks({ checkAlarms: async () => alarm });
      await startDeployment();
      await emulator.tick();
      expect((await deployment(1)).EventLog?.[1]).toMatchObject({
        EventType: 'ROLLBACK_STARTED',
        TriggeredBy: 'CLOUDWATCH_ALARM',
        Description: `Rollback initiated by alarm ${alarm.alarmArn} (${alarm.alarmName}) in INSUFFICIENT_DATA: no datapoints yet`,
      });
    });
  });
});
