/**
 * `client-cold-get`: the first `get` of a fresh process against a local stand-in for the AppConfig
 * Agent (node:http on 127.0.0.1 serving the manifest at the agent's configuration path).
 *
 * The client is bundled with esbuild (platform node, esm, minified, code splitting so what sits behind
 * dynamic imports stays out of the import, the AWS SDK external) into `client.mjs`, as an app's
 * bundler would, and every process is plain `node cold-get-child.mjs` on that bundle: no tsx, no
 * TypeScript transform in the timings. Two kinds of fresh process alternate, `runs` of each:
 *
 * - `get`: import of the bundle (`client-cold-get-import`), then the first `get`
 *   (`client-cold-get`, from `new PromptClient` to the resolved prompt).
 * - `steps`: the pieces of that first `get`, each run cold in its own process so that no step warms
 *   the next's code in the process that times it: a raw HTTP GET of the same URL (`-fetch`),
 *   `JSON.parse` + `parseManifest` (`-parse`), each version made ready (`-compile`: the program the
 *   manifest carries, checked and wrapped, or the body compiled where there is none). src/client
 *   exposes no hooks, so this is a re-enactment of what `get` does; the remainder
 *   (get - fetch - parse - compile) is the client's own bookkeeping and the promise hops.
 *
 * Each row is the median over the processes.
 */
import { execFile } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { build } from 'esbuild';
import type { BenchResult } from './harness.ts';

const run = promisify(execFile);
const benchDir = path.dirname(fileURLToPath(import.meta.url));

export interface ColdTarget {
  readonly application: string;
  readonly environment: string;
  readonly profile: string;
  readonly id: string;
  /** The manifest JSON the agent serves. */
  readonly json: string;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

async function bundleClient(outdir: string): Promise<void> {
  await build({
    entryPoints: {
      client: path.join(benchDir, '../src/client/index.ts'),
      'cold-probe': path.join(benchDir, 'cold-probe.ts'),
    },
    bundle: true,
    splitting: true,
    outdir,
    outExtension: { '.js': '.mjs' },
    platform: 'node',
    format: 'esm',
    minify: true,
    external: ['@aws-sdk/*', '@smithy/*'],
    logLevel: 'silent',
  });
}

export async function coldGetRows(target: ColdTarget, outdir: string, runs = 15): Promise<BenchResult[]> {
  await bundleClient(outdir);
  const agentPath = `/applications/${encodeURIComponent(target.application)}/environments/${encodeURIComponent(target.environment)}/configurations/${encodeURIComponent(target.profile)}`;
  let served = 0;
  const server = createServer((req, res) => {
    if (req.method === 'GET' && req.url === agentPath) {
      served++;
      res.writeHead(200, { 'content-type': 'application/json' }).end(target.json);
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const child = async (mode: 'get' | 'steps'): Promise<Record<string, number>> => {
    const { stdout } = await run(process.execPath, [
      path.join(benchDir, 'cold-get-child.mjs'),
      mode,
      outdir,
      origin,
      target.application,
      target.environment,
      target.profile,
      target.id,
    ]);
    return JSON.parse(stdout) as Record<string, number>;
  };
  const samples: Record<string, number[]> = { import: [], get: [], fetch: [], parse: [], compile: [] };
  try {
    // One of each first, untimed: the OS file cache holds the bundle from then on, as in a warm container image.
    await child('get');
    await child('steps');
    for (let i = 0; i < runs; i++) {
      for (const mode of ['get', 'steps'] as const) {
        for (const [key, value] of Object.entries(await child(mode))) samples[key]?.push(value);
      }
    }
  } finally {
    server.close();
  }
  if (served !== 2 * (runs + 1))
    throw new Error(`the agent served ${served} requests, expected ${2 * (runs + 1)}`);
  const row = (name: string, key: string): BenchResult => ({
    name,
    unit: 'ms',
    value: median(samples[key] as number[]),
  });
  const m = (key: string) => median(samples[key] as number[]);
  const remainder = m('get') - m('fetch') - m('parse') - m('compile');
  const span = (key: string) =>
    `${Math.min(...(samples[key] as number[])).toFixed(2)}-${Math.max(...(samples[key] as number[])).toFixed(2)}`;
  return [
    {
      ...row('client-cold-get', 'get'),
      detail: `median of ${runs} fresh node processes on the esbuild bundle (range ${span('get')} ms), from new PromptClient to the resolved first get; steps timed apart in ${runs} other fresh processes; get - fetch - parse - compile = ${remainder.toFixed(2)} ms; the import (range ${span('import')} ms) comes before`,
    },
    row('client-cold-get-import', 'import'),
    row('client-cold-get-fetch', 'fetch'),
    row('client-cold-get-parse', 'parse'),
    row('client-cold-get-compile', 'compile'),
  ];
}
