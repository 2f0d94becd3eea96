/**
 * Operators end to end, against local mode (time scale 300): a canary deployment that the ErrorRate
 * alarm rolls back produces a notification naming the version, the alarm and the next commands, and
 * `promptops incident` shows the deploy, the alarm and the rollback in order (docs/runbooks/README.md).
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningLocalMode } from '../../src/local/local-mode.ts';
import { call, type Json, promptops, promptopsJson, startStack, tempDir } from './support.ts';

const ID = 'welcome-message';
const ENV = 'staging';

let project: { path: string; remove: () => Promise<void> };
let local: RunningLocalMode;
let api: string;
const cli = (...args: string[]) => promptops(args, { cwd: project.path });
const cliJson = (args: string[], code = 0) => promptopsJson(args, { cwd: project.path, code });

beforeAll(async () => {
  project = await tempDir('promptops-incident-');
  local = await startStack(join(project.path, '.promptops'));
  api = local.endpoints.api;
  expect((await cli('init', '--endpoint', api, '--env', ENV)).code).toBe(0);
  expect((await cli('publish', '-m', 'First')).code).toBe(0);
  const first = await cli(
    'deploy',
    '--env',
    ENV,
    `${ID}@1.0.0`,
    '--strategy',
    'AllAtOnce',
    '--wait',
    '--interval',
    '0.05',
  );
  expect(first.code).toBe(0);
  const file = join(project.path, 'prompts', `${ID}.prompt.md`);
  await writeFile(
    file,
    (await readFile(file, 'utf8')).replace('## instructions\n', '## instructions\nBe brief.\n'),
  );
  const second = await cliJson(['publish', '-m', 'Briefer']);
  expect(second.json.results[0]).toMatchObject({ id: ID, result: 'published' });
});

afterAll(async () => {
  await local?.close();
  await project?.remove();
});

async function notifications(): Promise<Json[]> {
  return (await call(api, 'GET', '/_local/notifications')).body.items;
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, ms = 10_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('an alarm rolls a canary back: the notification and the timeline', () => {
  let candidate: string;

  it('tells operators the version, the alarm and the next command', async () => {
    candidate = (await cliJson(['history', ID])).json.latestVersion;
    expect(candidate).not.toBe('1.0.0');
    const deploying = cli(
      'deploy',
      '--env',
      ENV,
      `${ID}@${candidate}`,
      '--strategy',
      'Canary10Percent20Minutes',
      '--wait',
      '--interval',
      '0.05',
    );
    let done = false;
    void deploying.then(() => {
      done = true;
    });
    // The app starts failing once the canary is out, as a bad version would.
    await until('deployment 2 to start', async () => {
      const status = await call(api, 'GET', `/environments/${ENV}`);
      return status.body.deployment?.number === 2 ? true : undefined;
    });
    const records = Array.from({ length: 30 }, () => ({
      promptId: ID,
      version: candidate,
      environment: ENV,
      latencyMs: 20,
      error: true,
    }));
    while (!done) {
      expect((await call(api, 'POST', '/metrics', { records })).status).toBe(202);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect((await deploying).code).toBe(3);

    const alarm = await until('the ErrorRate notification', async () =>
      (await notifications()).find((n) => n.subject.includes('ALARM: ErrorRate')),
    );
    expect(alarm.subject).toBe(`[PromptOps ${ENV}] ALARM: ErrorRate (rolls back) during ${ID}@${candidate}`);
    expect(alarm.body).toContain(`${ID} 1.0.0 -> ${candidate}`);
    expect(alarm.body).toContain('Alarm promptops-staging-ErrorRate went from OK to ALARM');
    expect(alarm.body).toContain(`promptops status --env ${ENV}`);
    expect(alarm.body).toContain('Runbook: docs/runbooks/error-rate.md');

    const rolledBack = await until('the rollback notification', async () =>
      (await notifications()).find((n) => n.subject.includes('rolled back')),
    );
    expect(rolledBack.subject).toBe(`[PromptOps ${ENV}] deployment 2 rolled back: ${ID}@${candidate}`);
    expect(rolledBack.body).toContain('promptops-staging-ErrorRate');
    expect(rolledBack.body).toContain(`  promptops incident --env ${ENV} --since 1h`);
    expect(rolledBack.chatbot).toMatchObject({ version: '1.0', source: 'custom' });

    // Each transition once: the watcher keeps running, nothing is told again.
    await new Promise((resolve) => setTimeout(resolve, 500));
    const subjects = (await notifications()).map((n) => n.subject);
    expect(subjects.filter((s) => s === alarm.subject)).toHaveLength(1);
    expect(subjects.filter((s) => s === rolledBack.subject)).toHaveLength(1);
  });

  it('promptops incident shows the deploy, the alarm and the rollback in order', async () => {
    const { json } = await cliJson(['incident', '--env', ENV, '--since', '10m']);
    const entries: Json[] = json.entries;
    const ats = entries.map((e) => Date.parse(e.at));
    expect(ats).toEqual([...ats].sort((a, b) => a - b));
    const index = (predicate: (e: Json) => boolean) => {
      const i = entries.findIndex(predicate);
      expect(i, JSON.stringify(entries, null, 2)).toBeGreaterThanOrEqual(0);
      return i;
    };
    const started = index(
      (e) => e.kind === 'deployment' && e.deploymentNumber === 2 && /deploy started/.test(e.summary),
    );
    const fired = index((e) => e.kind === 'alarm' && /ErrorRate OK -> ALARM/.test(e.summary));
    const rolled = index((e) => e.deploymentNumber === 2 && /rolled-back/.test(e.summary));
    expect(started).toBeLessThan(fired);
    expect(fired).toBeLessThan(rolled);

    const table = await cli('incident', '--env', ENV, '--since', '10m');
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/^AT +KIND +DEPLOYMENT +WHO +WHAT$/m);
    expect(table.stdout).toMatch(/alarm +\d* +cloudwatch +alarm ErrorRate OK -> ALARM/);
  });

  it('refuses a since it cannot read with a 400, and an unknown environment with a 404', async () => {
    const bad = await call(api, 'GET', `/environments/${ENV}/incident?since=yesterday`);
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ code: 'BAD_REQUEST' });
    expect((await call(api, 'GET', '/environments/qa/incident')).status).toBe(404);
  });
});
