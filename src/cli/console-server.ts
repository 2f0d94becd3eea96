/**
 * `promptops console`'s server (docs/console.md): on 127.0.0.1 only, it serves the web console and
 * forwards the console's API calls to the PromptOps API, SigV4-signed with the operator's own AWS
 * credentials (or, against local mode, with the chosen `x-promptops-user`). The browser never sees
 * a credential. Only API routes (core routes.ts) are forwarded, only from the console page itself
 * (the console header, which another site's page cannot send without a preflight this server never
 * grants), and only to a Host naming this server (no DNS rebinding).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CONSOLE_REQUEST_HEADER, type ConsoleAlarmsResponse } from '../core/console-contract.ts';
import { matchRoute } from '../core/routes.ts';
import type { ServeConsole } from '../local/console-assets.ts';
import { type Auth, USER_HEADER } from './api-client.ts';
import { signRequest } from './signer.ts';

/** Where `promptops console` answers alarm states (`?environment=<env>`), beside the console's files. */
export const CONSOLE_ALARMS_PATH = '/console/api/alarms';

/** API Gateway's own limit; the handlers refuse less. */
const MAX_BODY_BYTES = 10 * 1024 * 1024;

export interface ConsoleServerOptions {
  /** 0 picks a free port. */
  readonly port: number;
  /** The PromptOps API base URL. */
  readonly endpoint: string;
  readonly auth: Auth;
  readonly serveConsole: ServeConsole;
  /** Alarm states of one environment, as `GET /console/api/alarms` answers them. */
  readonly alarms: (environment: string) => Promise<ConsoleAlarmsResponse[string]>;
  /** One line per forwarded call (`--debug`). */
  readonly log?: (line: string) => void;
  /** @default 30 000 */
  readonly timeoutMs?: number;
}

export interface RunningConsoleServer {
  /** `http://127.0.0.1:<port>`. */
  readonly url: string;
  close(): Promise<void>;
}

function problem(res: ServerResponse, status: number, title: string, detail: string, code?: string): void {
  res.writeHead(status, { 'content-type': 'application/problem+json' });
  res.end(JSON.stringify({ type: 'about:blank', title, status, detail, ...(code ? { code } : {}) }));
}

async function readBody(req: IncomingMessage): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) return undefined;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

export async function startConsoleServer(options: ConsoleServerOptions): Promise<RunningConsoleServer> {
  const upstream = options.endpoint.replace(/\/+$/, '');
  let origins: readonly string[] = [];

  const forward = async (req: IncomingMessage, res: ServerResponse, url: URL, method: string) => {
    const body = await readBody(req);
    if (body === undefined) {
      problem(
        res,
        413,
        'Payload Too Large',
        `The request body is over ${MAX_BODY_BYTES} bytes`,
        'PAYLOAD_TOO_LARGE',
      );
      return;
    }
    const target = new URL(`${upstream}${url.pathname}${url.search}`);
    const text = body.length > 0 ? body.toString('utf8') : undefined;
    // Nothing of the browser's request but its body and content type reaches the API.
    let headers: Record<string, string> = text === undefined ? {} : { 'content-type': 'application/json' };
    if (options.auth.kind === 'local') {
      const user = req.headers[USER_HEADER];
      const chosen = typeof user === 'string' && user.trim() !== '' ? user.trim() : options.auth.user;
      if (chosen) headers[USER_HEADER] = chosen;
    } else {
      headers = await signRequest(
        { method, url: target, headers, ...(text !== undefined ? { body: text } : {}) },
        options.auth.sign,
      );
    }
    const started = performance.now();
    let answer: Response;
    try {
      answer = await fetch(target, {
        method,
        headers,
        ...(text !== undefined ? { body: text } : {}),
        signal: AbortSignal.timeout(options.timeoutMs ?? 30_000),
      });
    } catch (error) {
      const reason = (error as Error & { cause?: { code?: string } }).cause?.code ?? (error as Error).message;
      problem(res, 502, 'Bad Gateway', `The PromptOps API at ${target.origin} did not answer: ${reason}`);
      return;
    }
    const payload = Buffer.from(await answer.arrayBuffer());
    options.log?.(
      `${method} ${url.pathname} -> ${answer.status} (${Math.round(performance.now() - started)} ms)`,
    );
    res.writeHead(answer.status, {
      'content-type': answer.headers.get('content-type') ?? 'application/json',
      'cache-control': 'no-store',
    });
    res.end(payload);
  };

  const server: Server = createServer(async (req, res) => {
    try {
      const method = req.method ?? 'GET';
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      // A page of another site reaching 127.0.0.1 through a name it controls sends its own Host.
      if (!origins.some((o) => new URL(o).host === req.headers.host)) {
        problem(
          res,
          421,
          'Misdirected Request',
          `This server answers only as ${origins.join(' or ')}`,
          'FORBIDDEN',
        );
        return;
      }
      if (url.pathname === '/' && method === 'GET') {
        res.writeHead(302, { location: '/console/' });
        res.end();
        return;
      }
      const fromConsole =
        req.headers[CONSOLE_REQUEST_HEADER] === '1' &&
        (req.headers.origin === undefined || origins.includes(req.headers.origin));
      if (url.pathname === CONSOLE_ALARMS_PATH) {
        if (!fromConsole) {
          problem(res, 403, 'Forbidden', 'Only the console page may call this server', 'FORBIDDEN');
          return;
        }
        const environment = url.searchParams.get('environment') ?? '';
        const states = await options.alarms(environment);
        res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' });
        res.end(JSON.stringify({ [environment]: states }));
        return;
      }
      if (await options.serveConsole(method, url.pathname, res)) return;
      if (!matchRoute(method, url.pathname)) {
        problem(res, 404, 'Not Found', `No route ${method} ${url.pathname}`, 'NOT_FOUND');
        return;
      }
      if (!fromConsole) {
        problem(
          res,
          403,
          'Forbidden',
          `Only the console page may call the API through this server (it sends ${CONSOLE_REQUEST_HEADER}: 1)`,
          'FORBIDDEN',
        );
        return;
      }
      await forward(req, res, url, method);
    } catch (error) {
      options.log?.(`console server: ${(error as Error).stack ?? String(error)}`);
      if (!res.headersSent) problem(res, 500, 'Internal Server Error', (error as Error).message, 'INTERNAL');
      else res.end();
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  origins = [`http://127.0.0.1:${port}`, `http://localhost:${port}`];
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
