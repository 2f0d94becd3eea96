/**
 * One local mode per data directory: a second start on a directory in use is refused with a plain
 * message before it opens anything (it used to crash the first one's dynalite with "Database is
 * closed"), and a lock left by a killed local mode is taken over.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DataDirInUseError, LOCK_FILE } from '../../src/local/data-dir-lock.ts';
import { type RunningLocalMode, startLocalMode } from '../../src/local/local-mode.ts';

let dataDir: string;
const running: RunningLocalMode[] = [];

const start = async () => {
  const local = await startLocalMode({ dataDir, port: 0, seed: false, log: () => undefined });
  running.push(local);
  return local;
};
const lockFile = () => path.join(dataDir, LOCK_FILE);

beforeEach(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'promptops-local-lock-'));
});
afterEach(async () => {
  for (const local of running.splice(0)) await local.close();
  await rm(dataDir, { recursive: true, force: true });
});

describe('local mode: one per data directory', () => {
  it('refuses a second local mode on a data directory in use, and the first keeps working', async () => {
    const first = await start();
    const endpoints = await readFile(path.join(dataDir, 'endpoints.json'), 'utf8');
    expect(await readFile(lockFile(), 'utf8')).toBe(`${process.pid}\n`);

    const error = await start().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DataDirInUseError);
    expect((error as Error).message).toBe(
      `data dir ${dataDir} is in use by local mode (pid ${process.pid}); stop it or use another --data-dir / PROMPTOPS_DATA_DIR`,
    );

    // The first one's storage is untouched: it publishes and reads back, and its endpoints stand.
    const published = await fetch(`${first.endpoints.api}/prompts/support-reply/versions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-promptops-user': 'local:alice' },
      body: JSON.stringify({
        document: await readFile(
          path.join(import.meta.dirname, '../../examples/prompts/support-reply.prompt.md'),
          'utf8',
        ),
      }),
    });
    expect(published.status).toBe(201);
    const versions = await fetch(`${first.endpoints.api}/prompts/support-reply/versions`);
    expect(versions.status).toBe(200);
    expect(await readFile(path.join(dataDir, 'endpoints.json'), 'utf8')).toBe(endpoints);

    // A clean stop releases the lock: the directory can be started again.
    await first.close();
    expect(existsSync(lockFile())).toBe(false);
    const again = await start();
    expect((await fetch(`${again.endpoints.api}/prompts/support-reply/versions`)).status).toBe(200);
  });

  it('takes over the lock of a local mode that was killed', async () => {
    const dead = spawnSync(process.execPath, ['-e', '']).pid as number;
    await writeFile(lockFile(), `${dead}\n`);
    const local = await start();
    expect(await readFile(lockFile(), 'utf8')).toBe(`${process.pid}\n`);
    expect((await fetch(`${local.endpoints.api}/prompts`)).status).toBe(200);
    await local.close();
    expect(existsSync(lockFile())).toBe(false);
  });
});
