/** Running the CLI in-process with captured streams, and a scripted HTTP server standing in for the API. */
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CliIo } from '../../../src/cli/io.ts';
import { runCli } from '../../../src/cli/main.ts';

export interface CapturedStream {
  text: string;
  readonly isTTY: boolean;
  write(chunk: string): boolean;
}

export function capture(isTTY = false): CapturedStream {
  return {
    text: '',
    isTTY,
    write(chunk: string) {
      this.text += chunk;
      return true;
    },
  };
}

export interface RunResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export async function run(
  argv: readonly string[],
  options: { cwd?: string; env?: Record<string, string | undefined>; tty?: boolean } = {},
): Promise<RunResult> {
  const stdout = capture(options.tty);
  const stderr = capture(options.tty);
  const io: CliIo = { stdout, stderr, env: options.env ?? {}, cwd: options.cwd ?? tmpdir() };
  const code = await runCli(argv, io);
  return { code, stdout: stdout.text, stderr: stderr.text };
}

export async function tempDir(): Promise<{ path: string; remove: () => Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), 'promptops-cli-'));
  return { path, remove: () => rm(path, { recursive: true, force: true }) };
}

export interface RecordedRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingMessage['headers'];
  readonly body: string;
}

export interface Reply {
  readonly status: number;
  readonly body?: unknown;
  readonly headers?: Record<string, string>;
  /** Sent as is instead of JSON. */
  readonly text?: string;
}

export interface FakeApi {
  readonly url: string;
  readonly requests: RecordedRequest[];
  close(): Promise<void>;
}

/** An HTTP server on a free loopback port answering each request with `reply`. */
export async function fakeApi(reply: (request: RecordedRequest) => Reply): Promise<FakeApi> {
  const requests: RecordedRequest[] = [];
  const server: Server = createServer(async (req, res) => {
    let body = '';
    for await (const chunk of req) body += chunk;
    const request = { method: req.method ?? 'GET', url: req.url ?? '/', headers: req.headers, body };
    requests.push(request);
    const answer = reply(request);
    const problem = answer.status >= 400 && answer.text === undefined;
    res.writeHead(answer.status, {
      'content-type':
        answer.text !== undefined ? 'text/html' : problem ? 'application/problem+json' : 'application/json',
      ...answer.headers,
    });
    res.end(answer.text ?? (answer.body === undefined ? '' : JSON.stringify(answer.body)));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export function problem(
  status: number,
  code: string,
  detail: string,
  extra: Record<string, unknown> = {},
): Reply {
  return {
    status,
    body: {
      type: `urn:promptops:problem:${code.toLowerCase()}`,
      title: code,
      status,
      detail,
      code,
      ...extra,
    },
  };
}
