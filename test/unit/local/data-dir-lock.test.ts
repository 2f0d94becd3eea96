import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DataDirInUseError, LOCK_FILE, lockDataDir } from '../../../src/local/data-dir-lock.ts';
import { parseSeedSetting } from '../../../src/local/seed.ts';

let dataDir: string;
beforeEach(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'promptops-lock-'));
});
afterEach(() => rm(dataDir, { recursive: true, force: true }));

/** The pid of a process that has already exited. */
const deadPid = () => spawnSync(process.execPath, ['-e', '']).pid as number;

describe('Function: lockDataDir', () => {
  it('writes this pid, refuses a second holder naming it, and releases on request', async () => {
    const lock = await lockDataDir(dataDir);
    expect(await readFile(path.join(dataDir, LOCK_FILE), 'utf8')).toBe(`${process.pid}\n`);
    const error = await lockDataDir(dataDir).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DataDirInUseError);
    expect((error as Error).message).toBe(
      `data dir ${dataDir} is in use by local mode (pid ${process.pid}); stop it or use another --data-dir / PROMPTOPS_DATA_DIR`,
    );
    await lock.release();
    await lock.release();
    expect(existsSync(path.join(dataDir, LOCK_FILE))).toBe(false);
    // No temporary files left behind, and the directory can be locked again.
    expect(await readdir(dataDir)).toEqual([]);
    await (await lockDataDir(dataDir)).release();
  });

  it('refuses a lock held by another running process', async () => {
    await writeFile(path.join(dataDir, LOCK_FILE), `${process.ppid}\n`);
    await expect(lockDataDir(dataDir)).rejects.toThrow(`(pid ${process.ppid})`);
    expect(await readFile(path.join(dataDir, LOCK_FILE), 'utf8')).toBe(`${process.ppid}\n`);
  });

  it('takes over a stale lock whose process is gone, or one that holds no pid', async () => {
    for (const stale of [`${deadPid()}\n`, '', 'garbage']) {
      await writeFile(path.join(dataDir, LOCK_FILE), stale);
      const lock = await lockDataDir(dataDir);
      expect(await readFile(path.join(dataDir, LOCK_FILE), 'utf8')).toBe(`${process.pid}\n`);
      await lock.release();
    }
  });

  it('leaves a lock another process took over in place on release', async () => {
    const lock = await lockDataDir(dataDir);
    await writeFile(path.join(dataDir, LOCK_FILE), `${process.ppid}\n`);
    await lock.release();
    expect(await readFile(path.join(dataDir, LOCK_FILE), 'utf8')).toBe(`${process.ppid}\n`);
  });
});

describe('Function: parseSeedSetting', () => {
  it('reads PROMPTOPS_SEED as a boolean, unset or empty as the default', () => {
    expect(parseSeedSetting(undefined)).toBeUndefined();
    expect(parseSeedSetting('')).toBeUndefined();
    for (const value of ['false', 'FALSE', '0', 'no']) expect(parseSeedSetting(value)).toBe(false);
    for (const value of ['true', '1', 'yes', ' True ']) expect(parseSeedSetting(value)).toBe(true);
    expect(() => parseSeedSetting('maybe')).toThrow('PROMPTOPS_SEED="maybe" is invalid: use true or false');
  });
});
