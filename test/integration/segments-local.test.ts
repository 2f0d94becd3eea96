/**
 * Segments through local mode (docs/segments.md), as a user drives them: the CLI pins a new version
 * for `beta` only, the client reads through the agent endpoint as `beta` and as nobody, the CLI rolls
 * back `beta` only, and the default pin is the same throughout.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { PromptClient } from '../../src/client/index.ts';
import { type RunningLocalMode, SEED_STRATEGY, startLocalMode } from '../../src/local/local-mode.ts';
import { run } from '../unit/cli/support.ts';

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

const cli = (...argv: string[]) =>
  run(['--endpoint', local.endpoints.api, '--user', 'local:bob', ...argv], { cwd: dataDir });

/** A new client each time, so nothing is cached between reads. */
async function read(segment?: string) {
  const client = new PromptClient({
    application: local.endpoints.application,
    environment: 'dev',
    profile: local.endpoints.profile,
    source: { type: 'agent', url: local.endpoints.agent },
    logger: { warn: vi.fn() },
  });
  const p = await client.get('support-reply', { key: 'user-1', segment });
  return { version: p.version, segment: p.segment };
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

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'promptops-segments-'));
  local = await startLocalMode({ dataDir, port: 0, timeScale: 60, log: () => undefined });
});

afterAll(async () => {
  await local?.close();
  await rm(dataDir, { recursive: true, force: true });
});

describe('segments in local mode', () => {
  it('deploys a segment pin, serves it to beta only, and rolls back beta only', async () => {
    await settled();
    const current = await api('GET', '/prompts/support-reply/versions/1.0.0');
    const document = (current.body.document as string).replace(
      'You are a support agent for Acme.',
      'You are a beta support agent for Acme.',
    );
    const published = await api('POST', '/prompts/support-reply/versions', {
      document,
      message: 'Beta role',
    });
    expect(published.status).toBe(201);
    const candidate = published.body.version as string;
    expect(
      (
        await api(
          'POST',
          `/prompts/support-reply/versions/${candidate}/approvals`,
          { comment: 'ok' },
          'local:bob',
        )
      ).status,
    ).toBe(201);

    const deployed = await cli(
      'deploy',
      '--env',
      'dev',
      `support-reply@${candidate}`,
      '--segment',
      'beta',
      '--strategy',
      SEED_STRATEGY.name,
    );
    expect(deployed.code, deployed.stderr).toBe(0);
    expect(deployed.stdout).toContain('for segment beta');
    await settled();

    expect(await read('beta')).toEqual({ version: candidate, segment: 'beta' });
    expect(await read()).toEqual({ version: '1.0.0', segment: undefined });
    expect(await read('eu')).toEqual({ version: '1.0.0', segment: undefined });

    const status = await cli('status', '--env', 'dev');
    expect(status.code, status.stderr).toBe(0);
    expect(status.stdout).toMatch(
      new RegExp(`support-reply\\s+1\\.0\\.0  beta: ${candidate.replace(/\./g, '\\.')}`),
    );

    const rolledBack = await cli('rollback', '--env', 'dev', '--segment', 'beta', 'support-reply');
    expect(rolledBack.code, rolledBack.stderr).toBe(0);
    expect(rolledBack.stdout).toContain('segment beta of support-reply');
    await settled();

    expect(await read('beta')).toEqual({ version: '1.0.0', segment: undefined });
    expect(await read()).toEqual({ version: '1.0.0', segment: undefined });
    const after = await api('GET', '/environments/dev');
    expect(after.body.prompts['support-reply']).toBe('1.0.0');
    expect(after.body.history[0]).toMatchObject({
      kind: 'rollback',
      restoresSegments: { 'support-reply': { beta: expect.any(Number) } },
    });

    const none = await cli('rollback', '--env', 'dev', '--segment', 'beta', 'support-reply');
    expect(none.code).not.toBe(0);
    expect(none.stderr).toContain('NOTHING_TO_ROLL_BACK');
  });
});
