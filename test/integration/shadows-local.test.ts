/**
 * Shadow deployments through local mode (docs/shadows.md), as a user drives them: the CLI deploys a
 * shadow, the app's outcomes arrive by POST /metrics as primary and as shadow, the comparison reads
 * them apart, the app's captured output pairs land in the embedded S3 and the comparison summarizes
 * them (dev captures outputs here), and `promptops promote` makes the shadow the primary pin.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { PromptClient } from '../../src/client/index.ts';
import { type RunningLocalMode, SEED_STRATEGY, startLocalMode } from '../../src/local/local-mode.ts';
import { call } from '../e2e/support.ts';
import { run } from '../unit/cli/support.ts';

let dataDir: string;
let local: RunningLocalMode;

/** The local API as another program calls it (test/e2e/support.ts), as alice unless told. */
const api = (method: string, route: string, body?: unknown, user = 'local:alice') =>
  call(local.endpoints.api, method, route, body, user);

const cli = (...argv: string[]) =>
  run(['--endpoint', local.endpoints.api, '--user', 'local:bob', ...argv], { cwd: dataDir });

/** A new client each time, so nothing is cached between reads. */
async function served() {
  const client = new PromptClient({
    application: local.endpoints.application,
    environment: 'dev',
    profile: local.endpoints.profile,
    source: { type: 'agent', url: local.endpoints.agent },
    logger: { warn: vi.fn() },
  });
  return (await client.get('support-reply', { key: 'user-1' })).version;
}

async function settled() {
  await vi.waitFor(
    async () => {
      const status = await api('GET', '/environments/dev');
      expect(status.body.deployment?.state).toBe('COMPLETE');
    },
    { timeout: 30_000, interval: 200 },
  );
}

const outcome = (
  version: string,
  role: 'primary' | 'shadow' | undefined,
  error: boolean,
  latencyMs: number,
) => ({
  promptId: 'support-reply',
  version,
  environment: 'dev',
  ...(role === undefined ? {} : { role }),
  latencyMs,
  inputTokens: 100,
  outputTokens: role === 'shadow' ? 80 : 40,
  costUsd: role === 'shadow' ? 0.002 : 0.001,
  error,
});

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'promptops-shadows-'));
  local = await startLocalMode({
    dataDir,
    port: 0,
    timeScale: 60,
    log: () => undefined,
    settings: { shadowOutputCapture: ['dev'] },
  });
});

/** The embedded S3, as an app in local mode reaches it. */
const s3 = () =>
  new S3Client({
    endpoint: local.endpoints.s3,
    forcePathStyle: true,
    region: local.endpoints.region,
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
  });

/**
 * The app: `count` sampled calls, each from its own client (a client stores at most one pair a
 * second), running the candidate with `runShadow` and giving the primary's output.
 */
async function captureTraffic(count: number): Promise<void> {
  let captured = 0;
  for (let user = 0; captured < count; user++) {
    const client = new PromptClient({
      application: local.endpoints.application,
      environment: 'dev',
      profile: local.endpoints.profile,
      source: { type: 'agent', url: local.endpoints.agent },
      logger: { warn: vi.fn() },
      writeLine: () => undefined,
      s3Client: s3(),
      bodyBucket: local.endpoints.bucket,
    });
    const p = await client.get('support-reply', { key: `user-${user}` });
    if (p.shadow === undefined) continue;
    captured++;
    client.runShadow(p, async () => ({ output: `Your refund for order ${user} is on its way.` }), {
      primaryOutput: Promise.resolve(`The refund for order ${user} was sent.`),
    });
  }
}

afterAll(async () => {
  await local?.close();
  await rm(dataDir, { recursive: true, force: true });
});

describe('shadows in local mode', () => {
  it('deploys a shadow, compares its calls with the primary, and promotes it', async () => {
    await settled();
    const current = await api('GET', '/prompts/support-reply/versions/1.0.0');
    const document = (current.body.document as string).replace(
      'You are a support agent for Acme.',
      'You are a concise support agent for Acme.',
    );
    const published = await api('POST', '/prompts/support-reply/versions', { document, message: 'Concise' });
    expect(published.status).toBe(201);
    const candidate = published.body.version as string;
    const approved = await api(
      'POST',
      `/prompts/support-reply/versions/${candidate}/approvals`,
      { comment: 'ok' },
      'local:bob',
    );
    expect(approved.status).toBe(201);

    // A bad sample rate is refused by the service too, and nothing is deployed.
    const refused = await api('POST', '/environments/dev/deployments', {
      prompts: { 'support-reply': { shadow: { version: candidate, sampleRate: 0 } } },
    });
    expect(refused.status).toBe(400);
    expect(refused.body.errors[0].path).toBe('prompts.support-reply.shadow.sampleRate');
    const revisionBefore = (await api('GET', '/environments/dev')).body.revision;

    const deployed = await cli(
      'shadow',
      `support-reply@${candidate}`,
      '--env',
      'dev',
      '--sample-rate',
      '0.5',
      '--strategy',
      SEED_STRATEGY.name,
    );
    expect(deployed.code, deployed.stderr).toBe(0);
    await settled();
    const pinned = await api('GET', '/environments/dev');
    expect(pinned.body.revision).toBe(revisionBefore + 1);
    expect(pinned.body.prompts['support-reply']).toEqual({
      version: '1.0.0',
      shadow: { version: candidate, sampleRate: 0.5 },
    });
    // Callers are still served the primary.
    expect(await served()).toBe('1.0.0');
    // Output capture is on in dev: the app's sampled calls store their pairs in the embedded S3.
    await captureTraffic(3);
    await vi.waitFor(
      async () => {
        const listed = await s3().send(
          new ListObjectsV2Command({
            Bucket: local.endpoints.bucket,
            Prefix: 'shadow-outputs/dev/support-reply/',
          }),
        );
        expect(listed.Contents ?? []).toHaveLength(3);
      },
      { timeout: 30_000, interval: 200 },
    );
    const status = await cli('status', '--env', 'dev');
    expect(status.code, status.stderr).toBe(0);
    expect(status.stdout).toMatch(
      new RegExp(`support-reply\\s+1\\.0\\.0  shadow: ${candidate.replace(/\./g, '\\.')} \\(sampled 50%\\)`),
    );

    // The app's outcomes: 40 primary calls (1 failed), 40 shadow calls (20 failed), slower.
    const records = [
      ...Array.from({ length: 40 }, (_, i) => outcome('1.0.0', i % 2 ? 'primary' : undefined, i === 0, 200)),
      ...Array.from({ length: 40 }, (_, i) => outcome(candidate, 'shadow', i % 2 === 0, 500)),
    ];
    expect((await api('POST', '/metrics', { records })).status).toBe(202);
    // A bad role is refused and nothing of its batch is counted.
    const badRole = await api('POST', '/metrics', {
      records: [
        outcome(candidate, 'shadow', true, 1),
        { ...outcome(candidate, 'shadow', true, 1), role: 'canary' },
      ],
    });
    expect(badRole.status).toBe(400);
    expect(badRole.body.errors[0].path).toBe('records.1.role');

    const report = await api('GET', '/prompts/support-reply/shadow?environment=dev');
    expect(report.status, JSON.stringify(report.body)).toBe(200);
    expect(report.body).toMatchObject({
      environment: 'dev',
      sampleRate: 0.5,
      primary: {
        version: '1.0.0',
        count: 40,
        errorRate: 0.025,
        latencyP50: 200,
        latencyP99: 200,
        meanOutputTokens: 40,
      },
      shadow: {
        version: candidate,
        count: 40,
        errorRate: 0.5,
        latencyP50: 500,
        latencyP99: 500,
        meanOutputTokens: 80,
      },
      comparison: { significant: true, verdict: 'shadow-worse', latencyP50Difference: 300, costRatio: 2 },
    });
    // {the, refund, for, order, <n>, was, sent} against {your, refund, for, order, <n>, is, on, its, way}: 4 of 12.
    const similarity = Math.round((4 / 12) * 1000) / 1000;
    expect(report.body.outputs).toMatchObject({
      count: 3,
      similarity: { mean: similarity, p10: similarity, p50: similarity },
    });
    expect(report.body.outputs.sample).toHaveLength(3);
    expect(report.body.outputs.sample[0]).toEqual({
      primary: expect.stringMatching(/^The refund for order \d+ was sent\.$/),
      shadow: expect.stringMatching(/^Your refund for order \d+ is on its way\.$/),
      at: expect.any(String),
    });
    expect(report.body.outputs.length.meanRatio).toBeGreaterThan(1);
    expect((await api('GET', '/prompts/support-reply/shadow?environment=dev&since=soon')).status).toBe(400);
    expect((await api('GET', '/prompts/support-reply/shadow?environment=nowhere')).status).toBe(400);
    // The shadow calls stay out of the per-version series callers were served.
    const history = await api('GET', '/prompts/support-reply/metrics?environment=dev');
    const series = history.body.series as { version: string; points: { count: number }[] }[];
    expect(series.find((s) => s.version === candidate)).toBeUndefined();
    expect(series.find((s) => s.version === '1.0.0')?.points.reduce((n, p) => n + p.count, 0)).toBe(40);

    const printed = await cli('shadow', 'support-reply', '--env', 'dev');
    expect(printed.code, printed.stderr).toBe(0);
    expect(printed.stdout).toContain(`${candidate} is worse`);
    expect(printed.stdout).toContain('Captured outputs: 3 pairs');
    const printedJson = await cli('shadow', 'support-reply', '--env', 'dev', '--json');
    expect(JSON.parse(printedJson.stdout).outputs.count).toBe(3);

    const promoted = await cli('promote', 'support-reply', '--env', 'dev', '--strategy', SEED_STRATEGY.name);
    expect(promoted.code, promoted.stderr).toBe(0);
    await settled();
    const after = await api('GET', '/environments/dev');
    expect(after.body.prompts['support-reply']).toBe(candidate);
    expect(await served()).toBe(candidate);
    const audit = await api('GET', '/audit?promptId=support-reply&environment=dev');
    expect(
      (audit.body.items as { details?: { shadow?: unknown } }[]).some((e) => e.details?.shadow === null),
    ).toBe(true);

    // No shadow left: the report needs the version named.
    expect((await api('GET', '/prompts/support-reply/shadow?environment=dev')).status).toBe(404);
    const named = await api('GET', `/prompts/support-reply/shadow?environment=dev&version=${candidate}`);
    expect(named.status).toBe(200);
    expect(named.body.shadow.count).toBe(40);
    const again = await cli('promote', 'support-reply', '--env', 'dev');
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('has no shadow in dev');
  });
});
