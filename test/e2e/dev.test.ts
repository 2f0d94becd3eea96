/** `promptops dev`: local mode from the CLI, announced as one JSON document, stopped cleanly by SIGINT. */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, promptops, tempDir } from './support.ts';

let dir: { path: string; remove: () => Promise<void> };
beforeAll(async () => {
  dir = await tempDir('promptops-e2e-dev-');
});
afterAll(() => dir?.remove());

describe('promptops dev', () => {
  it('starts local mode on free ports, answers, and exits 0 on SIGINT with its state kept', async () => {
    const dataDir = join(dir.path, 'state');
    const child = spawn(
      process.execPath,
      [BIN, 'dev', '--port', '0', '--data-dir', dataDir, '--no-seed', '--time-scale', '60', '--json'],
      {
        cwd: dir.path,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stdout = '';
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
    });
    const exited = new Promise<number | null>((resolve) => child.once('close', resolve));
    const ready = await new Promise<{ endpoints: { api: string }; dataDir: string }>((resolve, reject) => {
      child.stdout.on('data', (chunk: Buffer) => {
        stdout += chunk.toString('utf8');
        try {
          resolve(JSON.parse(stdout));
        } catch {
          // Not all of it yet.
        }
      });
      void exited.then((code) => reject(new Error(`promptops dev exited ${code}: ${stderr}`)));
    });
    expect(ready).toMatchObject({ ready: true, dataDir, timeScale: 60 });
    expect((await fetch(`${ready.endpoints.api}/prompts`)).status).toBe(200);

    child.kill('SIGINT');
    expect(await exited).toBe(0);
    expect(JSON.parse(stdout)).toEqual(ready);
    expect(stderr).toContain('SIGINT: stopping PromptOps local mode...');
    expect(stderr).toContain(`stopped; everything is kept in ${dataDir}`);
    expect(existsSync(join(dataDir, 'local-mode.lock'))).toBe(false);
  });

  it('refuses a data dir another local mode holds, plainly, with exit 1', async () => {
    const dataDir = join(dir.path, 'held');
    await mkdir(dataDir, { recursive: true });
    // This test process stands in for the running local mode.
    await writeFile(join(dataDir, 'local-mode.lock'), `${process.pid}\n`);
    const result = await promptops(['dev', '--port', '0', '--data-dir', dataDir], { cwd: dir.path });
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      `error: data dir ${dataDir} is in use by local mode (pid ${process.pid}); stop it or use another --data-dir / PROMPTOPS_DATA_DIR\n`,
    );
  });

  it('refuses a PROMPTOPS_SEED that is not true or false as a usage error', async () => {
    const result = await promptops(['dev', '--port', '0', '--data-dir', join(dir.path, 'unused')], {
      cwd: dir.path,
      env: { PROMPTOPS_SEED: 'maybe' },
    });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('PROMPTOPS_SEED="maybe" is invalid: use true or false');
  });
});
