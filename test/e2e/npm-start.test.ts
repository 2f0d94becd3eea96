/**
 * `npm start` as a person (or a process manager) runs it: npm's SIGTERM reaches local mode, which
 * stops cleanly, releases its data directory and exits 0, with nothing left running. A second
 * `npm start` on the same data directory is refused plainly, and PROMPTOPS_SEED=false starts empty.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from './support.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
let dir: { path: string; remove: () => Promise<void> };
const children: ChildProcess[] = [];
/** Local mode's own pid, killed after the test should it outlive npm. */
let localPid: number | undefined;

beforeAll(async () => {
  dir = await tempDir('promptops-e2e-npm-start-');
});
afterAll(async () => {
  for (const child of children)
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  if (localPid !== undefined && isRunning(localPid)) process.kill(localPid, 'SIGKILL');
  await dir?.remove();
});

function npmStart(dataDir: string, extraEnv: Record<string, string> = {}) {
  const env: Record<string, string | undefined> = {
    ...process.env,
    PROMPTOPS_DATA_DIR: dataDir,
    PROMPTOPS_PORT: '0',
    ...extraEnv,
  };
  const child = spawn('npm', ['start'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString('utf8');
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    output += chunk.toString('utf8');
  });
  // npm's own exit (its output may outlive it if something it started is still running).
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const closed = new Promise<void>((resolve) => child.once('close', () => resolve()));
  return { child, exited, closed, output: () => output };
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('npm start', () => {
  it('exits 0 on SIGTERM to npm, leaving no process and no lock; refuses a second start on its data dir', async () => {
    const dataDir = join(dir.path, 'state');
    const first = npmStart(dataDir, { PROMPTOPS_SEED: 'false' });
    await Promise.race([
      (async () => {
        while (!first.output().includes('PromptOps is running locally'))
          await new Promise((resolve) => setTimeout(resolve, 50));
      })(),
      first.exited.then(({ code }) => {
        throw new Error(`npm start exited ${code} before it was ready:\n${first.output()}`);
      }),
    ]);
    const endpoints = JSON.parse(await readFile(join(dataDir, 'endpoints.json'), 'utf8'));
    // PROMPTOPS_SEED=false: no examples, so an archive can be imported into it.
    expect(await (await fetch(`${endpoints.api}/prompts`)).json()).toMatchObject({ items: [] });
    expect(existsSync(join(dataDir, 'seeded.json'))).toBe(false);
    const pid = Number(await readFile(join(dataDir, 'local-mode.lock'), 'utf8'));
    localPid = pid;
    expect(isRunning(pid)).toBe(true);

    const second = npmStart(dataDir);
    expect((await second.exited).code).toBe(1);
    await second.closed;
    expect(second.output()).toContain(
      `data dir ${dataDir} is in use by local mode (pid ${pid}); stop it or use another --data-dir / PROMPTOPS_DATA_DIR`,
    );
    expect(second.output()).not.toContain('Database is closed');
    expect((await fetch(`${endpoints.api}/prompts`)).status).toBe(200);

    first.child.kill('SIGTERM');
    expect(await first.exited).toEqual({ code: 0, signal: null });
    await first.closed;
    expect(first.output()).toContain('SIGTERM: stopping PromptOps local mode...');
    expect(isRunning(pid)).toBe(false);
    expect(existsSync(join(dataDir, 'local-mode.lock'))).toBe(false);
    await expect(fetch(`${endpoints.api}/prompts`)).rejects.toThrow();
  });
});
