/**
 * Local mode end to end, started on free ports inside the test and driven over HTTP as a user
 * would: publish -> approve as another user -> deploy with a 10-second linear strategy -> the
 * percentage rises -> clients in different buckets see old and new versions as the percentage says
 * -> failing metrics -> automatic rollback naming the alarm -> every client back on the old version
 * -> restart -> everything still there.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  AppConfigDataClient,
  GetLatestConfigurationCommand,
  StartConfigurationSessionCommand,
} from '@aws-sdk/client-appconfigdata';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Manifest } from '../../src/core/manifest.ts';
import { type RunningLocalMode, startLocalMode } from '../../src/local/local-mode.ts';

const TIME_SCALE = 60;
const STRATEGY = 'Linear10Seconds';
let dataDir: string;
let local: RunningLocalMode;

async function api(method: string, route: string, body?: unknown, user = 'local:alice') {
  const response = await fetch(`${local.endpoints.api}${route}`, {
    method,
    headers: {
      'x-promptops-user': user,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  // biome-ignore lint/suspicious/noExplicitAny: arbitrary JSON bodies
  return { status: response.status, body: (text ? JSON.parse(text) : undefined) as any };
}

const start = () =>
  startLocalMode({
    dataDir,
    port: 0,
    timeScale: TIME_SCALE,
    log: () => undefined,
    settings: {
      // 10 minutes in steps of 20% (10 s at this time scale), then a 10-minute bake (10 s).
      customStrategies: JSON.stringify({
        [STRATEGY]: {
          deploymentDurationInMinutes: 10,
          growthFactor: 20,
          growthType: 'LINEAR',
          finalBakeTimeInMinutes: 10,
        },
      }),
    },
  });

/** A client session on `staging`, as the SDK source of the client library holds one. */
class Session {
  version: string | undefined;
  #token: string | undefined;
  #nextPollAt = 0;
  readonly client: AppConfigDataClient;
  constructor(client: AppConfigDataClient) {
    this.client = client;
  }
  async poll(): Promise<string | undefined> {
    if (!this.#token) {
      const started = await this.client.send(
        new StartConfigurationSessionCommand({
          ApplicationIdentifier: local.endpoints.application,
          EnvironmentIdentifier: 'staging',
          ConfigurationProfileIdentifier: local.endpoints.profile,
          RequiredMinimumPollIntervalInSeconds: 15,
        }),
      );
      this.#token = started.InitialConfigurationToken;
    }
    // AppConfigData refuses a poll before the interval it gave ("Request too early"): wait for it,
    // with a margin, since a timer may fire a millisecond before Date.now() reaches its deadline.
    const wait = this.#nextPollAt + 50 - Date.now();
    if (wait > 0) await sleep(wait);
    const out = await this.client.send(
      new GetLatestConfigurationCommand({ ConfigurationToken: this.#token }),
    );
    this.#token = out.NextPollConfigurationToken;
    this.#nextPollAt = Date.now() + (out.NextPollIntervalInSeconds ?? 1) * 1000;
    if (out.Configuration && out.Configuration.length > 0) {
      const manifest = JSON.parse(new TextDecoder().decode(out.Configuration)) as Manifest;
      this.version = manifest.prompts['support-reply']?.version;
    }
    return this.version;
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'promptops-local-'));
  local = await start();
});

afterAll(async () => {
  await local?.close();
  await rm(dataDir, { recursive: true, force: true });
});

describe('local mode', () => {
  it('starts seeded: the example prompts published, approved and deployed to dev', async () => {
    expect(local.seeded).toBe(true);
    const endpoints = JSON.parse(await readFile(path.join(dataDir, 'endpoints.json'), 'utf8'));
    for (const key of [
      'api',
      'agent',
      'appconfig',
      'appconfigdata',
      'dynamodb',
      's3',
      'application',
      'profile',
      'environments',
    ]) {
      expect(endpoints[key], key).toBeDefined();
    }
    const dev = await api('GET', '/environments/dev');
    expect(Object.keys(dev.body.prompts).sort()).toEqual(['release-notes', 'support-reply', 'ticket-triage']);
    const agent = await fetch(
      `${local.endpoints.agent}/applications/${local.endpoints.application}/environments/dev/configurations/${local.endpoints.profile}`,
    );
    expect(((await agent.json()) as Manifest).prompts['support-reply']?.version).toBe('1.0.0');
  });

  it('rolls out gradually, rolls back on an alarm, and keeps everything across a restart', {
    timeout: 90_000,
  }, async () => {
    // The old version everywhere first.
    expect(
      (
        await api('POST', '/environments/staging/deployments', {
          prompts: { 'support-reply': '1.0.0' },
          strategy: 'LocalSeed',
        })
      ).status,
    ).toBe(202);

    const current = await api('GET', '/prompts/support-reply/versions/1.0.0');
    const document = (current.body.document as string).replace(
      'You are a support agent for Acme.',
      'You are a senior support agent for Acme.',
    );
    const published = await api(
      'POST',
      '/prompts/support-reply/versions',
      { document, message: 'Warmer role' },
      'local:alice',
    );
    expect(published.status).toBe(201);
    expect(published.body.version).toBe('1.0.1');
    expect(
      (await api('POST', '/prompts/support-reply/versions/1.0.1/approvals', {}, 'local:alice')).status,
    ).toBe(403);
    expect(
      (await api('POST', '/prompts/support-reply/versions/1.0.1/approvals', { comment: 'ok' }, 'local:bob'))
        .status,
    ).toBe(201);

    const client = new AppConfigDataClient({
      endpoint: local.endpoints.appconfigdata,
      region: 'us-east-1',
      credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
    });
    const sessions = Array.from({ length: 40 }, () => new Session(client));
    await Promise.all(sessions.map((s) => s.poll()));
    expect(sessions.every((s) => s.version === '1.0.0')).toBe(true);

    const deployed = await api('POST', '/environments/staging/deployments', {
      prompts: { 'support-reply': '1.0.1' },
      strategy: STRATEGY,
    });
    expect(deployed.status).toBe(202);

    // Watch the rollout: the percentage rises, and the share of clients on the new version follows it.
    // The rollout moves on while the sessions poll, so each point holds the percentage read just before
    // the polls and the one read just after: every session polled somewhere between the two.
    const seen: { percentage: number; after: number; onNew: number }[] = [];
    for (let i = 0; i < 60; i++) {
      const status = await api('GET', '/environments/staging');
      await Promise.all(sessions.map((s) => s.poll()));
      const after = await api('GET', '/environments/staging');
      const onNew = sessions.filter((s) => s.version === '1.0.1').length;
      seen.push({
        percentage: status.body.deployment.percentage,
        after: after.body.deployment.percentage,
        onNew,
      });
      if (status.body.deployment.state === 'BAKING') break;
      await sleep(500);
    }
    const percentages = seen.map((s) => s.percentage);
    expect(percentages).toEqual([...percentages].sort((a, b) => a - b));
    expect(percentages.some((p) => p > 0 && p < 100)).toBe(true);
    const onNew = seen.map((s) => s.onNew);
    expect(onNew).toEqual([...onNew].sort((a, b) => a - b));
    expect(seen.some((s) => s.onNew > 0 && s.onNew < sessions.length)).toBe(true);
    for (const point of seen) {
      // 40 random buckets: the share on the new version tracks the percentage. 0.3 is about four standard
      // deviations of the share of 40 sessions at 50%, beyond the range the percentage moved through.
      const share = point.onNew / sessions.length;
      expect(share).toBeGreaterThan(point.percentage / 100 - 0.3);
      expect(share).toBeLessThan(point.after / 100 + 0.3);
    }
    await Promise.all(sessions.map((s) => s.poll()));
    expect(sessions.every((s) => s.version === '1.0.1')).toBe(true);

    // Failing outcomes during the bake: the error-rate alarm fires and AppConfig rolls back.
    let state = 'BAKING';
    for (let i = 0; i < 40 && state !== 'ROLLED_BACK'; i++) {
      const records = Array.from({ length: 30 }, () => ({
        promptId: 'support-reply',
        version: '1.0.1',
        environment: 'staging',
        error: true,
        latencyMs: 900,
      }));
      expect((await api('POST', '/metrics', { records })).status).toBe(202);
      await sleep(250);
      state = (await api('GET', '/environments/staging')).body.deployment.state;
    }
    expect(state).toBe('ROLLED_BACK');
    const rolledBack = await api('GET', '/environments/staging');
    expect(rolledBack.body.deployment.reason).toContain('promptops-staging-ErrorRate');

    for (
      let i = 0;
      i < 20 && (await api('GET', '/environments/staging')).body.prompts['support-reply'] !== '1.0.0';
      i++
    )
      await sleep(250);
    expect((await api('GET', '/environments/staging')).body.prompts).toEqual({ 'support-reply': '1.0.0' });
    await Promise.all(sessions.map((s) => s.poll()));
    expect(sessions.every((s) => s.version === '1.0.0')).toBe(true);
    const audit = await api('GET', '/audit?environment=staging');
    expect(
      audit.body.items.find((e: { action: string }) => e.action === 'environment.deployment.rolled-back')
        ?.details,
    ).toMatchObject({
      alarm: 'promptops-staging-ErrorRate',
      triggeredBy: 'CLOUDWATCH_ALARM',
    });
    client.destroy();

    // Restart: every prompt, approval, deployment and the environment state are still there.
    await local.close();
    local = await start();
    expect(local.seeded).toBe(false);
    const versions = await api('GET', '/prompts/support-reply/versions');
    expect(versions.body.items.map((v: { version: string }) => v.version)).toEqual(['1.0.1', '1.0.0']);
    expect(versions.body.items[0].approvals).toMatchObject([{ by: 'local:bob', comment: 'ok' }]);
    const after = await api('GET', '/environments/staging');
    expect(after.body).toMatchObject({
      prompts: { 'support-reply': '1.0.0' },
      deployment: { state: 'ROLLED_BACK' },
    });
    expect(after.body.history.map((h: { revision: number }) => h.revision)).toEqual([2, 1]);
    const agent = await fetch(
      `${local.endpoints.agent}/applications/${local.endpoints.application}/environments/staging/configurations/${local.endpoints.profile}`,
    );
    expect(((await agent.json()) as Manifest).prompts['support-reply']?.version).toBe('1.0.0');
  });
});
