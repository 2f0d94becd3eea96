/**
 * Local mode figures (informational; emulator figures, not AWS): `local-start`, seconds from
 * launching `npm start` to endpoints.json written (budget 5 s, median of 3 fresh data directories);
 * `local-publish-rps` and `local-feedback-rps`, requests per second through the local API with 10
 * concurrent clients.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startLocalMode } from '../src/local/local-mode.ts';
import { EXAMPLE_TEXT } from '../test/fixtures/documents.ts';
import { type BenchResult, evaluate } from './harness.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const CONCURRENCY = 10;
const SECONDS = 3;

async function coldStartSeconds(): Promise<number> {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'promptops-start-'));
  try {
    const started = performance.now();
    const child = spawn(
      process.execPath,
      [path.join(ROOT, 'node_modules/tsx/dist/cli.mjs'), 'scripts/start.ts'],
      {
        cwd: ROOT,
        env: { ...process.env, PROMPTOPS_DATA_DIR: dataDir, PROMPTOPS_PORT: '0' },
        stdio: 'ignore',
      },
    );
    const endpoints = path.join(dataDir, 'endpoints.json');
    while (!existsSync(endpoints)) {
      if (child.exitCode !== null)
        throw new Error(`npm start exited with ${child.exitCode} before writing endpoints.json`);
      if (performance.now() - started > 60_000)
        throw new Error('npm start did not write endpoints.json within 60 s');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const seconds = (performance.now() - started) / 1000;
    const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.kill('SIGINT');
    if ((await exit) !== 0) throw new Error('npm start did not exit 0 on SIGINT');
    return seconds;
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
}

/** Requests per second from `CONCURRENCY` clients looping `request(client, i)` for `SECONDS`. */
async function throughput(
  request: (client: number, i: number) => Promise<number>,
  expected: number,
): Promise<number> {
  const until = performance.now() + SECONDS * 1000;
  let done = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async (_, client) => {
      for (let i = 0; performance.now() < until; i++) {
        const status = await request(client, i);
        if (status !== expected) throw new Error(`expected ${expected}, got ${status}`);
        done++;
      }
    }),
  );
  return done / ((performance.now() - started) / 1000);
}

export default async function local(): Promise<BenchResult[]> {
  const starts = [await coldStartSeconds(), await coldStartSeconds(), await coldStartSeconds()].sort(
    (a, b) => a - b,
  );

  const dataDir = await mkdtemp(path.join(tmpdir(), 'promptops-rps-'));
  const previousLevel = process.env.POWERTOOLS_LOG_LEVEL;
  process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
  const running = await startLocalMode({ dataDir, port: 0, log: () => undefined });
  try {
    const post = async (route: string, body: unknown) =>
      (
        await fetch(`${running.endpoints.api}${route}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-promptops-user': 'local:bench' },
          body: JSON.stringify(body),
        })
      ).status;
    // Every publish is a new version: each client alternates two documents of its own prompt.
    const documents = (client: number) =>
      [EXAMPLE_TEXT, EXAMPLE_TEXT.replace('Replies to a customer support ticket', 'Replies kindly')].map(
        (text) => text.replace('id: support-reply', `id: bench-${client}`),
      );
    const publishRps = await throughput(
      (client, i) => post(`/prompts/bench-${client}/versions`, { document: documents(client)[i % 2] }),
      201,
    );
    const feedbackRps = await throughput(
      (client, i) =>
        post('/feedback', {
          promptId: 'support-reply',
          version: '1.0.0',
          environment: 'dev',
          rating: i % 2 ? 1 : -1,
          userId: `user-${client}`,
        }),
      202,
    );
    return [
      evaluate({ name: 'local-start', unit: 's', value: starts[1] as number, budget: { max: 5 } }),
      evaluate({ name: 'local-publish-rps', unit: 'req/s', value: publishRps }),
      evaluate({ name: 'local-feedback-rps', unit: 'req/s', value: feedbackRps }),
    ];
  } finally {
    await running.close();
    await rm(dataDir, { recursive: true, force: true });
    if (previousLevel === undefined) delete process.env.POWERTOOLS_LOG_LEVEL;
    else process.env.POWERTOOLS_LOG_LEVEL = previousLevel;
  }
}
