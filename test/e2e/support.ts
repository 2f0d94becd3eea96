/** The CLI as a user runs it (the bin shim, in a child process) and local mode on free ports. */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type RunningLocalMode, startLocalMode } from '../../src/local/local-mode.ts';

/** Parsed JSON of any shape (command output, API bodies). */
// biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary JSON documents
export type Json = any;

export const BIN = fileURLToPath(new URL('../../bin/promptops-cli.mjs', import.meta.url));

export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `promptops <args>` in `cwd` and waits for it to exit. */
export function promptops(
  args: readonly string[],
  options: { cwd: string; env?: Record<string, string> },
): Promise<CliResult> {
  const env: Record<string, string | undefined> = { ...process.env, ...options.env };
  delete env.PROMPTOPS_API_ENDPOINT;
  delete env.PROMPTOPS_DATA_DIR;
  const child = spawn(process.execPath, [BIN, ...args], {
    cwd: options.cwd,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString('utf8');
  });
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString('utf8');
  });
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

/** `promptops --json <args>`: stdout must be exactly one JSON document. */
export async function promptopsJson(
  args: readonly string[],
  options: { cwd: string; code?: number },
): Promise<{ json: Json; result: CliResult }> {
  const result = await promptops([...args, '--json'], options);
  if (result.code !== (options.code ?? 0))
    throw new Error(
      `promptops ${args.join(' ')} exited ${result.code}\nstdout: ${result.stdout}\nstderr: ${result.stderr}`,
    );
  return { json: JSON.parse(result.stdout), result };
}

export async function tempDir(prefix: string): Promise<{ path: string; remove: () => Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), prefix));
  return { path, remove: () => rm(path, { recursive: true, force: true }) };
}

/** Local mode in this process on free ports; `timeScale` 300 turns a one-minute strategy into 0.2 s. */
export function startStack(
  dataDir: string,
  options: { seed?: boolean; timeScale?: number } = {},
): Promise<RunningLocalMode> {
  return startLocalMode({
    dataDir,
    port: 0,
    timeScale: options.timeScale ?? 300,
    seed: options.seed ?? false,
    log: () => undefined,
  });
}

/** A plain HTTP call to the local API, as another program would make it. */
export async function call(
  api: string,
  method: string,
  path: string,
  body?: unknown,
  user = 'local:app',
  headers: Readonly<Record<string, string>> = {},
): Promise<{ status: number; body: Json }> {
  const response = await fetch(`${api}${path}`, {
    method,
    headers: {
      ...headers,
      'x-promptops-user': user,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined };
}

/** `npm start`'s own process (node on scripts/start.ts, as package.json execs it), so a signal reaches local mode itself. */
export interface SpawnedLocalMode {
  readonly child: ChildProcess;
  /** Everything it printed so far, stdout and stderr. */
  output(): string;
  /** Its exit, code or signal. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Resolves with endpoints.json once it printed that it is running; rejects if it exits first. */
  readonly ready: Promise<Json>;
}

export function spawnLocalMode(dataDir: string, env: Record<string, string> = {}): SpawnedLocalMode {
  const root = fileURLToPath(new URL('../..', import.meta.url));
  const child = spawn(process.execPath, ['--import', 'tsx', join(root, 'scripts', 'start.ts')], {
    cwd: root,
    env: { ...process.env, PROMPTOPS_DATA_DIR: dataDir, PROMPTOPS_PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const append = (chunk: Buffer) => {
    output += chunk.toString('utf8');
  };
  child.stdout?.on('data', append);
  child.stderr?.on('data', append);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const ready = (async () => {
    while (!output.includes('PromptOps is running locally')) {
      if (child.exitCode !== null || child.signalCode !== null)
        throw new Error(
          `local mode exited (${child.exitCode ?? child.signalCode}) before it was ready:\n${output}`,
        );
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    return JSON.parse(await readFile(join(dataDir, 'endpoints.json'), 'utf8')) as Json;
  })();
  ready.catch(() => undefined);
  return { child, output: () => output, exited, ready };
}
