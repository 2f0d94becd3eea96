/**
 * Durability: what was committed survives close and start, a deployment in flight resumes on its
 * schedule, queued events are delivered after a restart, and the state file is only ever replaced
 * whole.
 */
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  CreateHostedConfigurationVersionCommand,
  GetDeploymentCommand,
  GetHostedConfigurationVersionCommand,
  ListDeploymentsCommand,
  ListEnvironmentsCommand,
  StartDeploymentCommand,
} from '@aws-sdk/client-appconfig';
import {
  GetLatestConfigurationCommand,
  StartConfigurationSessionCommand,
} from '@aws-sdk/client-appconfigdata';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AppConfigDeploymentEvent, AppConfigEmulator } from '../../../src/local/appconfig/emulator.ts';
import {
  emptyState,
  StateFileError,
  StateStore,
  stateFilePath,
} from '../../../src/local/appconfig/state-store.ts';
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
  utf8,
} from './appconfig-fixtures.ts';

const TIME_SCALE = 6;
const STRATEGY = {
  name: 'Linear25PercentEveryMinute',
  deploymentDurationInMinutes: 1,
  growthFactor: 25,
  growthType: 'LINEAR' as const,
  finalBakeTimeInMinutes: 1,
};

let dir: Awaited<ReturnType<typeof tempDataDir>>;
let clock: ManualClock;
const running: AppConfigEmulator[] = [];

beforeEach(async () => {
  dir = await tempDataDir();
  clock = manualClock();
});

afterEach(async () => {
  await Promise.all(running.splice(0).map((e) => e.close()));
  await dir.remove();
});

async function boot(
  options: Parameters<typeof startEmulator>[1] = {},
): Promise<{ emulator: AppConfigEmulator; logger: RecordingLogger }> {
  const logger = recordingLogger();
  const emulator = await startEmulator(dir.path, {
    clock: clock.read,
    timeScale: TIME_SCALE,
    logger,
    ...options,
  });
  running.push(emulator);
  return { emulator, logger };
}

async function shutdown(emulator: AppConfigEmulator): Promise<void> {
  running.splice(running.indexOf(emulator), 1);
  await emulator.close();
}

async function provision(emulator: AppConfigEmulator) {
  const app = await emulator.ensureApplication('promptops');
  const env = await emulator.ensureEnvironment(app, 'prod');
  const profile = await emulator.ensureProfile(app, 'prompts');
  const strategy = await emulator.ensureStrategy(STRATEGY);
  return { app, env, profile, strategy };
}

async function deployVersion(
  emulator: AppConfigEmulator,
  ids: Awaited<ReturnType<typeof provision>>,
  content: string,
) {
  const client = appConfigClient(emulator);
  try {
    const version = await client.send(
      new CreateHostedConfigurationVersionCommand({
        ApplicationId: ids.app,
        ConfigurationProfileId: ids.profile,
        Content: bytes(content),
        ContentType: 'application/json',
        VersionLabel: 'prod-r1',
      }),
    );
    return await client.send(
      new StartDeploymentCommand({
        ApplicationId: ids.app,
        EnvironmentId: ids.env,
        ConfigurationProfileId: ids.profile,
        DeploymentStrategyId: ids.strategy,
        ConfigurationVersion: String(version.VersionNumber),
      }),
    );
  } finally {
    client.destroy();
  }
}

async function getDeployment(
  emulator: AppConfigEmulator,
  ids: Awaited<ReturnType<typeof provision>>,
  n: number,
) {
  const client = appConfigClient(emulator);
  try {
    return await client.send(
      new GetDeploymentCommand({ ApplicationId: ids.app, EnvironmentId: ids.env, DeploymentNumber: n }),
    );
  } finally {
    client.destroy();
  }
}

describe('Class: AppConfigEmulator', () => {
  describe('Method: start (restart)', () => {
    it('keeps resources, hosted versions and deployments, with the same ids for the same names', async () => {
      const first = await boot();
      const ids = await provision(first.emulator);
      await deployVersion(first.emulator, ids, '{"revision":1}');
      await shutdown(first.emulator);

      const second = await boot();
      expect(await provision(second.emulator)).toEqual(ids);
      const client = appConfigClient(second.emulator);
      try {
        const version = await client.send(
          new GetHostedConfigurationVersionCommand({
            ApplicationId: ids.app,
            ConfigurationProfileId: ids.profile,
            VersionNumber: 1,
          }),
        );
        expect(utf8(version.Content)).toBe('{"revision":1}');
        expect(version.VersionLabel).toBe('prod-r1');
        expect(
          (await client.send(new ListEnvironmentsCommand({ ApplicationId: ids.app }))).Items,
        ).toHaveLength(1);
        const listed = await client.send(
          new ListDeploymentsCommand({ ApplicationId: ids.app, EnvironmentId: ids.env }),
        );
        expect(listed.Items?.map((d) => d.DeploymentNumber)).toEqual([1]);
      } finally {
        client.destroy();
      }
    });

    it('derives ids from names, so a wiped state gives the same ids again', async () => {
      const first = await boot();
      const ids = await provision(first.emulator);
      await shutdown(first.emulator);
      await dir.remove();
      const second = await boot();
      expect(await provision(second.emulator)).toEqual(ids);
    });

    it('resumes a deployment in flight at close on its original schedule, and says so', async () => {
      const first = await boot();
      const ids = await provision(first.emulator);
      const started = await deployVersion(first.emulator, ids, '{"revision":1}');
      clock.advance(5000);
      expect((await getDeployment(first.emulator, ids, 1)).PercentageComplete).toBe(50);
      await shutdown(first.emulator);

      clock.advance(3000);
      const second = await boot();
      expect(second.logger.lines.some((l) => l.includes('resuming deployment 1 to prod'))).toBe(true);
      const resumed = await getDeployment(second.emulator, ids, 1);
      expect(resumed).toMatchObject({ State: 'DEPLOYING', PercentageComplete: 75 });
      expect(resumed.StartedAt).toEqual(started.StartedAt);
      clock.advance(20_000);
      const done = await getDeployment(second.emulator, ids, 1);
      expect(done.State).toBe('COMPLETE');
      expect(done.CompletedAt?.getTime()).toBe((started.StartedAt as Date).getTime() + 20_000);
    });

    it('completes at start a deployment whose schedule ended while stopped, and reports it', async () => {
      const first = await boot();
      const ids = await provision(first.emulator);
      await deployVersion(first.emulator, ids, '{"revision":1}');
      await shutdown(first.emulator);

      clock.advance(60 * 60_000);
      const events: AppConfigDeploymentEvent[] = [];
      const second = await boot({
        onDeploymentEvent: async (event) => {
          events.push(event);
        },
      });
      await second.emulator.settled();
      expect((await getDeployment(second.emulator, ids, 1)).State).toBe('COMPLETE');
      expect(second.logger.lines.some((l) => l.includes('deployment 1 to prod COMPLETE'))).toBe(true);
      // The start event had no hook to go to before the restart; both are delivered now, in order.
      expect(events.map((e) => e['detail-type'])).toEqual(['On Deployment Start', 'On Deployment Complete']);
    });

    it('accepts a session token issued before the restart', async () => {
      const first = await boot();
      const ids = await provision(first.emulator);
      await deployVersion(first.emulator, ids, '{"revision":1}');
      const data = appConfigDataClient(first.emulator);
      const session = await data.send(
        new StartConfigurationSessionCommand({
          ApplicationIdentifier: ids.app,
          EnvironmentIdentifier: ids.env,
          ConfigurationProfileIdentifier: ids.profile,
        }),
      );
      data.destroy();
      await shutdown(first.emulator);

      const second = await boot();
      const again = appConfigDataClient(second.emulator);
      try {
        const out = await again.send(
          new GetLatestConfigurationCommand({ ConfigurationToken: session.InitialConfigurationToken }),
        );
        expect(out.NextPollConfigurationToken).toEqual(expect.any(String));
      } finally {
        again.destroy();
      }
    });
  });

  describe('Method: state file', () => {
    it('removes temporary files an interrupted write left behind, and starts from the committed state', async () => {
      const first = await boot();
      const ids = await provision(first.emulator);
      await shutdown(first.emulator);
      const stateDir = join(dir.path, 'appconfig');
      await writeFile(join(stateDir, 'state.json.4242.7.tmp'), '{"formatVersion":1,"applica');
      await mkdir(join(stateDir, 'hosted', ids.app, ids.profile), { recursive: true });
      await writeFile(join(stateDir, 'hosted', ids.app, ids.profile, '1.bin.4242.8.tmp'), '{"half');

      const second = await boot();
      expect(await provision(second.emulator)).toEqual(ids);
      const left = await readdir(stateDir, { recursive: true });
      expect(left.filter((name) => name.endsWith('.tmp'))).toEqual([]);
      expect(second.logger.lines.some((l) => l.includes('removed 2 unfinished temporary file(s)'))).toBe(
        true,
      );
    });

    it('refuses to start over a state file that is not valid JSON, naming the file', async () => {
      const first = await boot();
      await provision(first.emulator);
      await shutdown(first.emulator);
      const path = stateFilePath(join(dir.path, 'appconfig'));
      await writeFile(path, '{"formatVersion":1,"applications":[');
      await expect(boot()).rejects.toThrow(StateFileError);
      await expect(boot()).rejects.toThrow(path);
    });

    it('never lets a reader see a partly written state file while commits replace it', async () => {
      const directory = join(dir.path, 'store');
      const { store } = await StateStore.open(directory, emptyState);
      const path = stateFilePath(directory);
      // A state of a few megabytes takes more than one write call to put on disk.
      for (let i = 0; i < 20_000; i++) {
        store.state.hostedVersions.push({
          applicationId: 'app1234',
          profileId: 'pro1234',
          versionNumber: i + 1,
          contentType: 'application/json',
          size: 100,
          description: `version ${i} ${'x'.repeat(80)}`,
        });
      }
      await store.commit();
      let writing = true;
      const reads = (async () => {
        let count = 0;
        while (writing) {
          const text = await readFile(path, 'utf8');
          const parsed = JSON.parse(text) as { hostedVersions: unknown[] };
          expect(parsed.hostedVersions.length).toBeGreaterThanOrEqual(20_000);
          count++;
        }
        return count;
      })();
      const commits: Promise<void>[] = [];
      for (let i = 0; i < 30; i++) {
        store.state.outbox.push({
          id: `event-${i}`,
          detailType: 'On Deployment Start',
          applicationId: 'app1234',
          environmentId: 'env1234',
          deploymentNumber: i,
          occurredAt: i,
        });
        commits.push(store.commit());
        await new Promise((resolve) => setImmediate(resolve));
      }
      await Promise.all(commits);
      writing = false;
      expect(await reads).toBeGreaterThan(0);
      const final = JSON.parse(await readFile(path, 'utf8')) as { outbox: unknown[] };
      expect(final.outbox).toHaveLength(30);
      expect((await readdir(directory)).filter((n) => n.endsWith('.tmp'))).toEqual([]);
    });
  });
});
