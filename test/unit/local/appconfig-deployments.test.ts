/**
 * The rollout as readers and operators see it: percentage over time, buckets, bake, alarm-driven and
 * manual rollback, revert, and the EventBridge deployment events.
 */
import {
  type AppConfigClient,
  CreateHostedConfigurationVersionCommand,
  type Deployment,
  GetDeploymentCommand,
  GetEnvironmentCommand,
  StartDeploymentCommand,
  StopDeploymentCommand,
} from '@aws-sdk/client-appconfig';
import {
  type AppConfigDataClient,
  GetLatestConfigurationCommand,
  StartConfigurationSessionCommand,
} from '@aws-sdk/client-appconfigdata';
import { afterEach, beforeEach, describe, expect, it, type Mock, vi } from 'vitest';
import { deploymentInfo } from '../../../lambda/adapters/appconfig-delivery.ts';
import { deploymentReference } from '../../../lambda/handlers/deployment-events.ts';
import type {
  AlarmEnvironment,
  AppConfigDeploymentEvent,
  AppConfigEmulator,
  FiredAlarm,
} from '../../../src/local/appconfig/emulator.ts';
import { CLIENT_ID_HEADER } from '../../../src/local/appconfig/emulator.ts';
import { bucketOf } from '../../../src/local/appconfig/ids.ts';
import {
  appConfigClient,
  appConfigDataClient,
  bytes,
  type ManualClock,
  manualClock,
  type RecordingLogger,
  recordingLogger,
  startEmulator,
  tempDataDir,
  tokenBucket,
  utf8,
} from './appconfig-fixtures.ts';

const V1 = '{"revision":1}';
const V2 = '{"revision":2}';
const ALARM: FiredAlarm = {
  alarmName: 'promptops-prod-ErrorRate',
  alarmArn: 'arn:aws:cloudwatch:us-east-1:000000000000:alarm:promptops-prod-ErrorRate',
  reason: 'Threshold crossed: 3 of the last 5 datapoints were greater than 5%',
};
/** Minutes become 10 seconds: a 1-minute LINEAR 25% strategy steps every 2.5 s, then bakes 10 s. */
const TIME_SCALE = 6;
/** AppConfigData's default 60 s poll interval at this time scale. */
const POLL_INTERVAL_MS = (60 / TIME_SCALE) * 1000;

let dir: Awaited<ReturnType<typeof tempDataDir>>;
let clock: ManualClock;
let logger: RecordingLogger;
let emulator: AppConfigEmulator;
let appconfig: AppConfigClient;
let data: AppConfigDataClient;
let events: AppConfigDeploymentEvent[];
let firing: FiredAlarm | undefined;
let checkAlarms: Mock<(environment: AlarmEnvironment, since: Date) => Promise<FiredAlarm | undefined>>;
let app: string;
let env: string;
let profile: string;
let linear: string;

beforeEach(async () => {
  dir = await tempDataDir();
  clock = manualClock();
  logger = recordingLogger();
  events = [];
  firing = undefined;
  checkAlarms = vi.fn(async (_environment: AlarmEnvironment, _since: Date) => firing);
  emulator = await startEmulator(dir.path, {
    clock: clock.read,
    timeScale: TIME_SCALE,
    logger,
    checkAlarms,
    onDeploymentEvent: async (event) => {
      events.push(event);
    },
  });
  appconfig = appConfigClient(emulator);
  data = appConfigDataClient(emulator);
  app = await emulator.ensureApplication('promptops');
  env = await emulator.ensureEnvironment(app, 'prod');
  profile = await emulator.ensureProfile(app, 'prompts');
  linear = await emulator.ensureStrategy({
    name: 'Linear25PercentEveryMinute',
    deploymentDurationInMinutes: 1,
    growthFactor: 25,
    growthType: 'LINEAR',
    finalBakeTimeInMinutes: 1,
  });
  for (const [content, label] of [
    [V1, 'prod-r1'],
    [V2, 'prod-r2'],
  ] as const) {
    await appconfig.send(
      new CreateHostedConfigurationVersionCommand({
        ApplicationId: app,
        ConfigurationProfileId: profile,
        Content: bytes(content),
        ContentType: 'application/json',
        VersionLabel: label,
      }),
    );
  }
});

afterEach(async () => {
  appconfig.destroy();
  data.destroy();
  await emulator.close();
  await dir.remove();
});

function start(version: number, strategy = linear): Promise<Deployment> {
  return appconfig.send(
    new StartDeploymentCommand({
      ApplicationId: app,
      EnvironmentId: env,
      ConfigurationProfileId: profile,
      DeploymentStrategyId: strategy,
      ConfigurationVersion: String(version),
      Description: `deploy v${version}`,
    }),
  );
}

function deployment(number: number): Promise<Deployment> {
  return appconfig.send(
    new GetDeploymentCommand({ ApplicationId: app, EnvironmentId: env, DeploymentNumber: number }),
  );
}

/** v1 fully deployed (AllAtOnce and its bake over), so v2 has a previous version to fall back to. */
async function baseline(): Promise<void> {
  await start(1, 'AppConfig.AllAtOnce');
  clock.advance((10 * 60_000) / TIME_SCALE);
  await emulator.tick();
  expect((await deployment(1)).State).toBe('COMPLETE');
}

/** A reader on the AppConfigData token chain that remembers what it holds. */
class Session {
  token: string;
  readonly bucket: number;
  holds = '';

  private constructor(token: string) {
    this.token = token;
    this.bucket = tokenBucket(token);
  }

  static async open(): Promise<Session> {
    const out = await data.send(
      new StartConfigurationSessionCommand({
        ApplicationIdentifier: 'promptops',
        EnvironmentIdentifier: 'prod',
        ConfigurationProfileIdentifier: 'prompts',
      }),
    );
    return new Session(out.InitialConfigurationToken as string);
  }

  async poll(): Promise<string> {
    const out = await data.send(new GetLatestConfigurationCommand({ ConfigurationToken: this.token }));
    this.token = out.NextPollConfigurationToken as string;
    if (out.Configuration && out.Configuration.length > 0) this.holds = utf8(out.Configuration);
    return this.holds;
  }
}

/** A client id whose agent bucket is `bucket`. */
function clientIdInBucket(bucket: number): string {
  for (let i = 0; ; i++) if (bucketOf(`reader-${i}`) === bucket) return `reader-${i}`;
}

async function agentRead(clientId: string): Promise<string> {
  const res = await fetch(
    `${emulator.agentUrl}/applications/promptops/environments/prod/configurations/prompts`,
    {
      headers: { [CLIENT_ID_HEADER]: clientId },
    },
  );
  expect(res.status).toBe(200);
  return res.text();
}

describe('Class: AppConfigEmulator', () => {
  describe('Method: rollout', () => {
    it('raises the percentage along a linear strategy, bakes, then completes', async () => {
      await baseline();
      const started = await start(2);
      expect(started).toMatchObject({ DeploymentNumber: 2, State: 'DEPLOYING', PercentageComplete: 0 });
      const seen: [string | undefined, number | undefined][] = [];
      for (let i = 0; i < 8; i++) {
        clock.advance(2500);
        const d = await deployment(2);
        seen.push([d.State, d.PercentageComplete]);
      }
      expect(seen).toEqual([
        ['DEPLOYING', 25],
        ['DEPLOYING', 50],
        ['DEPLOYING', 75],
        ['BAKING', 100],
        ['BAKING', 100],
        ['BAKING', 100],
        ['BAKING', 100],
        ['COMPLETE', 100],
      ]);
      const done = await deployment(2);
      expect(done.CompletedAt?.getTime()).toBe((started.StartedAt as Date).getTime() + 20_000);
      expect(done.EventLog?.map((e) => e.EventType)).toEqual([
        'DEPLOYMENT_COMPLETED',
        'BAKE_TIME_STARTED',
        'PERCENTAGE_UPDATED',
        'PERCENTAGE_UPDATED',
        'PERCENTAGE_UPDATED',
        'PERCENTAGE_UPDATED',
        'DEPLOYMENT_STARTED',
      ]);
      expect(done.EventLog?.[2]?.OccurredAt?.getTime()).toBe((started.StartedAt as Date).getTime() + 10_000);
    });

    it('serves the new version to low buckets before high buckets, and to everyone once complete', async () => {
      await baseline();
      const sessions = await Promise.all(Array.from({ length: 30 }, () => Session.open()));
      const low = clientIdInBucket(10);
      const high = clientIdInBucket(90);
      for (const s of sessions) expect(await s.poll()).toBe(V1);
      await start(2);
      for (const percentage of [0, 25, 50, 75, 100]) {
        // Steps come faster than the poll interval: new sessions (new buckets) look at each one.
        const readers = await Promise.all(Array.from({ length: 30 }, () => Session.open()));
        for (const s of readers) expect(await s.poll()).toBe(s.bucket < percentage ? V2 : V1);
        expect(await agentRead(low)).toBe(percentage > 10 ? V2 : V1);
        expect(await agentRead(high)).toBe(percentage === 100 ? V2 : V1);
        clock.advance(2500);
      }
      clock.advance(10_000);
      expect((await deployment(2)).State).toBe('COMPLETE');
      for (const s of sessions) expect(await s.poll()).toBe(V2);
    });

    it('serves nothing to buckets the first deployment of an environment has not reached', async () => {
      await start(1);
      clock.advance(2500);
      const res = await fetch(
        `${emulator.agentUrl}/applications/promptops/environments/prod/configurations/prompts`,
        {
          headers: { [CLIENT_ID_HEADER]: clientIdInBucket(60) },
        },
      );
      expect(res.status).toBe(404);
      expect(await agentRead(clientIdInBucket(5))).toBe(V1);
    });
  });

  describe('Method: alarms', () => {
    it('rolls back when an alarm fires during bake, names the alarm, and serves the old version to everyone', async () => {
      await baseline();
      const sessions = await Promise.all(Array.from({ length: 10 }, () => Session.open()));
      const started = await start(2);
      clock.advance(12_000);
      for (const s of sessions) expect(await s.poll()).toBe(V2);
      await emulator.tick();
      expect((await deployment(2)).State).toBe('BAKING');

      firing = ALARM;
      await emulator.tick();
      clock.advance(POLL_INTERVAL_MS);
      const rolledBack = await deployment(2);
      expect(rolledBack.State).toBe('ROLLED_BACK');
      expect(rolledBack.EventLog?.[0]).toMatchObject({ EventType: 'ROLLBACK_COMPLETED' });
      expect(rolledBack.EventLog?.[1]).toMatchObject({
        EventType: 'ROLLBACK_STARTED',
        TriggeredBy: 'CLOUDWATCH_ALARM',
        Description: expect.stringContaining(`Rollback initiated by alarm ${ALARM.alarmArn}`),
      });
      expect(deploymentInfo(rolledBack)).toMatchObject({
        state: 'ROLLED_BACK',
        triggeredBy: 'CLOUDWATCH_ALARM',
        reason: expect.stringContaining(ALARM.reason),
      });
      expect(checkAlarms).toHaveBeenCalledWith(
        { applicationId: app, environmentId: env, name: 'prod' },
        started.StartedAt,
      );
      for (const s of sessions) expect(await s.poll()).toBe(V1);
      expect(await agentRead(clientIdInBucket(0))).toBe(V1);
      expect(
        (await appconfig.send(new GetEnvironmentCommand({ ApplicationId: app, EnvironmentId: env }))).State,
      ).toBe('ROLLED_BACK');
      expect(logger.lines.some((l) => l.includes('ROLLED_BACK') && l.includes(ALARM.alarmArn))).toBe(true);
    });

    it('rolls back when an alarm fires during the rollout, and stops polling alarms once a deployment ends', async () => {
      await baseline();
      await start(2);
      clock.advance(5000);
      firing = ALARM;
      await emulator.tick();
      expect((await deployment(2)).State).toBe('ROLLED_BACK');
      const calls = checkAlarms.mock.calls.length;
      await emulator.tick();
      expect(checkAlarms.mock.calls.length).toBe(calls);
    });

    it('keeps going when the alarm check itself fails, and says so once', async () => {
      checkAlarms.mockRejectedValue(new Error('metrics store unavailable'));
      await start(2);
      await emulator.tick();
      await emulator.tick();
      expect((await deployment(1)).State).toBe('DEPLOYING');
      expect(logger.lines.filter((l) => l.includes('metrics store unavailable'))).toHaveLength(1);
    });
  });

  describe('Method: StopDeployment', () => {
    it('rolls an active deployment back as the user', async () => {
      await baseline();
      await start(2);
      clock.advance(5000);
      const stopped = await appconfig.send(
        new StopDeploymentCommand({ ApplicationId: app, EnvironmentId: env, DeploymentNumber: 2 }),
      );
      expect(stopped.State).toBe('ROLLED_BACK');
      expect(stopped.EventLog?.[1]).toMatchObject({ EventType: 'ROLLBACK_STARTED', TriggeredBy: 'USER' });
      expect(await agentRead(clientIdInBucket(0))).toBe(V1);
    });

    it('reverts the latest COMPLETE deployment only with AllowRevert', async () => {
      await baseline();
      await start(2);
      clock.advance(20_000);
      const stop = (allowRevert?: boolean) =>
        appconfig.send(
          new StopDeploymentCommand({
            ApplicationId: app,
            EnvironmentId: env,
            DeploymentNumber: 2,
            ...(allowRevert !== undefined ? { AllowRevert: allowRevert } : {}),
          }),
        );
      await expect(stop()).rejects.toMatchObject({ name: 'BadRequestException' });
      const reverted = await stop(true);
      expect(reverted.State).toBe('REVERTED');
      expect(reverted.EventLog?.[0]).toMatchObject({ EventType: 'REVERT_COMPLETED', TriggeredBy: 'USER' });
      expect(await agentRead(clientIdInBucket(99))).toBe(V1);
    });
  });

  describe('Method: onDeploymentEvent', () => {
    it('delivers start, complete and rollback as the EventBridge extension does', async () => {
      await baseline();
      await start(2);
      clock.advance(5000);
      firing = ALARM;
      await emulator.tick();
      await emulator.settled();

      expect(events.map((e) => [e['detail-type'], e.detail.DeploymentNumber])).toEqual([
        ['On Deployment Start', 1],
        ['On Deployment Complete', 1],
        ['On Deployment Start', 2],
        ['On Deployment Rollback', 2],
      ]);
      const rollback = events[3] as AppConfigDeploymentEvent;
      expect(rollback).toMatchObject({
        source: 'aws.appconfig',
        account: '000000000000',
        region: 'us-east-1',
        detail: {
          Application: { Id: app, Name: 'promptops' },
          Environment: { Id: env, Name: 'prod' },
          ConfigurationProfile: { Id: profile, Name: 'prompts' },
          DeploymentNumber: 2,
          ConfigurationVersion: '2',
          DeploymentState: 'ROLLED_BACK',
        },
      });
      expect(rollback.time).toBe(new Date(clock.now).toISOString().replace('.000Z', 'Z'));
      expect(deploymentReference(rollback.detail)).toEqual({
        applicationId: app,
        environmentId: env,
        deploymentNumber: 2,
      });
      expect(new Set(events.map((e) => e.id)).size).toBe(4);
    });

    it('retries a failing hook, then drops the event with a log line and delivers the next', async () => {
      let failures = 0;
      emulator.setHooks({
        onDeploymentEvent: async (event) => {
          if (event['detail-type'] === 'On Deployment Start') {
            failures++;
            throw new Error('handler crashed');
          }
          events.push(event);
        },
      });
      await start(1, 'AppConfig.AllAtOnce');
      clock.advance(100_000);
      await emulator.tick();
      await emulator.settled();
      expect(failures).toBe(3);
      expect(events.map((e) => e['detail-type'])).toEqual(['On Deployment Complete']);
      expect(logger.lines.some((l) => l.startsWith('error') && l.includes('dropped after 3 attempts'))).toBe(
        true,
      );
    });
  });

  describe('Method: start with real timers', () => {
    it('completes a deployment on its own, timed by the ticker and the time scale', async () => {
      const realDir = await tempDataDir();
      let resolveCompleted: (event: AppConfigDeploymentEvent) => void = () => {};
      const completed = new Promise<AppConfigDeploymentEvent>((resolve) => {
        resolveCompleted = resolve;
      });
      const real = await startEmulator(realDir.path, {
        timeScale: 600,
        tickIntervalMs: 10,
        onDeploymentEvent: async (event) => {
          if (event['detail-type'] === 'On Deployment Complete') resolveCompleted(event);
        },
      });
      const client = appConfigClient(real);
      try {
        const realApp = await real.ensureApplication('promptops');
        const realEnv = await real.ensureEnvironment(realApp, 'staging');
        const realProfile = await real.ensureProfile(realApp, 'prompts');
        await client.send(
          new CreateHostedConfigurationVersionCommand({
            ApplicationId: realApp,
            ConfigurationProfileId: realProfile,
            Content: bytes(V1),
            ContentType: 'application/json',
          }),
        );
        const begun = Date.now();
        await client.send(
          new StartDeploymentCommand({
            ApplicationId: realApp,
            EnvironmentId: realEnv,
            ConfigurationProfileId: realProfile,
            DeploymentStrategyId: 'AppConfig.Linear50PercentEvery30Seconds',
            ConfigurationVersion: '1',
          }),
        );
        const event = await completed;
        // 1 minute of rollout and 1 of bake, divided by 600: 200 ms.
        expect(Date.now() - begun).toBeGreaterThanOrEqual(190);
        expect(event.detail.DeploymentState).toBe('COMPLETE');
      } finally {
        client.destroy();
        await real.close();
        await realDir.remove();
      }
    });
  });
});
