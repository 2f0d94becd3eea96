/**
 * `promptops console`'s server: forwards only the console's own API calls, signed with the operator's
 * credentials (the signature verifies on the wire), passes the API's answers through unchanged, and
 * refuses anything else without reaching the API.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Auth } from '../../../src/cli/api-client.ts';
import {
  CONSOLE_ALARMS_PATH,
  type RunningConsoleServer,
  startConsoleServer,
} from '../../../src/cli/console-server.ts';
import { CONSOLE_REQUEST_HEADER } from '../../../src/core/console-contract.ts';
import { consoleRoutes } from '../../../src/local/console-assets.ts';
import { verifyRequest } from './sigv4-verifier.ts';
import { type FakeApi, fakeApi, problem } from './support.ts';

const CREDENTIALS = {
  accessKeyId: 'AKIDEXAMPLE',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
};
const FROM_CONSOLE = { [CONSOLE_REQUEST_HEADER]: '1' };

let api: FakeApi;
let buildDir: string;
const servers: RunningConsoleServer[] = [];

async function start(auth: Auth): Promise<RunningConsoleServer> {
  const server = await startConsoleServer({
    port: 0,
    endpoint: `${api.url}/`,
    auth,
    serveConsole: consoleRoutes({
      build: async () => ({ dir: buildDir }),
      settings: () => ({
        mode: 'aws',
        endpoint: api.url,
        environments: ['dev'],
        protectedEnvironments: [],
        strategies: [],
        alarmsPath: CONSOLE_ALARMS_PATH,
        caller: 'your AWS credentials',
      }),
    }),
    alarms: async (environment) =>
      environment === 'dev' ? [{ name: 'promptops-dev-ErrorRate', state: 'OK' }] : { unavailable: 'unknown' },
  });
  servers.push(server);
  return server;
}

beforeAll(async () => {
  buildDir = await mkdtemp(path.join(tmpdir(), 'promptops-console-build-'));
  await mkdir(path.join(buildDir, 'assets'));
  await writeFile(path.join(buildDir, 'index.html'), '<!doctype html><title>console</title>');
  api = await fakeApi((request) =>
    request.url.startsWith('/environments/prod/deployments')
      ? problem(
          422,
          'NOT_APPROVED',
          'support-reply@1.1.0 has no approval; prod accepts approved versions only',
        )
      : { status: request.method === 'POST' ? 202 : 200, body: { seen: request.url } },
  );
});

afterAll(async () => {
  for (const server of servers) await server.close();
  await api.close();
  await rm(buildDir, { recursive: true, force: true });
});

describe('startConsoleServer', () => {
  it('forwards an API call signed with the operator credentials, dropping what the browser sent', async () => {
    const server = await start({ kind: 'sigv4', sign: { region: 'eu-west-1', credentials: CREDENTIALS } });
    const before = api.requests.length;
    const response = await fetch(`${server.url}/environments/dev/deployments`, {
      method: 'POST',
      headers: {
        ...FROM_CONSOLE,
        'content-type': 'application/json',
        'x-promptops-user': 'local:mallory',
        cookie: 'session=secret',
      },
      body: JSON.stringify({ prompts: { 'support-reply': '1.1.0' } }),
    });
    expect(response.status).toBe(202);
    expect(await response.json()).toEqual({ seen: '/environments/dev/deployments' });
    const received = api.requests[before];
    expect(received?.headers.authorization).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/eu-west-1\/execute-api\//,
    );
    expect(received?.headers['x-promptops-user']).toBeUndefined();
    expect(received?.headers.cookie).toBeUndefined();
    expect(received?.headers[CONSOLE_REQUEST_HEADER]).toBeUndefined();
    expect(
      verifyRequest(received as NonNullable<typeof received>, {
        region: 'eu-west-1',
        service: 'execute-api',
        ...CREDENTIALS,
      }),
    ).toBeUndefined();
  });

  it('passes a refusal through as the API answered it', async () => {
    const server = await start({ kind: 'sigv4', sign: { region: 'eu-west-1', credentials: CREDENTIALS } });
    const response = await fetch(`${server.url}/environments/prod/deployments`, {
      method: 'POST',
      headers: { ...FROM_CONSOLE, 'content-type': 'application/json' },
      body: '{"prompts":{"support-reply":"1.1.0"}}',
    });
    expect(response.status).toBe(422);
    expect(response.headers.get('content-type')).toBe('application/problem+json');
    expect(await response.json()).toMatchObject({
      code: 'NOT_APPROVED',
      detail: expect.stringContaining('prod accepts approved'),
    });
  });

  it('forwards the chosen x-promptops-user to local mode, unsigned', async () => {
    const server = await start({ kind: 'local' });
    const before = api.requests.length;
    const response = await fetch(`${server.url}/prompts?limit=5`, {
      headers: { ...FROM_CONSOLE, 'x-promptops-user': 'local:bob' },
    });
    expect(response.status).toBe(200);
    expect(api.requests[before]).toMatchObject({
      url: '/prompts?limit=5',
      headers: { 'x-promptops-user': 'local:bob' },
    });
    expect(api.requests[before]?.headers.authorization).toBeUndefined();
  });

  it.each([
    ['without the console header (another site posting a form)', '/environments/dev/rollback', {}, 403],
    [
      'from another origin',
      '/environments/dev/rollback',
      { ...FROM_CONSOLE, origin: 'https://evil.example' },
      403,
    ],
    ['to a path that is no API route', '/_local/alarms', FROM_CONSOLE, 404],
  ])('refuses a call %s and never reaches the API', async (_case, route, headers, status) => {
    const server = await start({ kind: 'sigv4', sign: { region: 'eu-west-1', credentials: CREDENTIALS } });
    const before = api.requests.length;
    const response = await fetch(`${server.url}${route}`, { method: 'POST', headers, body: '{}' });
    expect(response.status).toBe(status);
    expect(response.headers.get('content-type')).toBe('application/problem+json');
    expect(api.requests.length).toBe(before);
  });

  it('answers only to its own Host name (no DNS rebinding)', async () => {
    const server = await start({ kind: 'sigv4', sign: { region: 'eu-west-1', credentials: CREDENTIALS } });
    const before = api.requests.length;
    const { port } = new URL(server.url);
    const status = await new Promise<number>((resolve, reject) => {
      const req = httpRequest(
        {
          host: '127.0.0.1',
          port,
          path: '/prompts',
          headers: { host: `attacker.example:${port}`, ...FROM_CONSOLE },
        },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      );
      req.on('error', reject);
      req.end();
    });
    expect(status).toBe(421);
    expect(api.requests.length).toBe(before);
  });

  it('serves the console, its settings and alarm states, and listens on loopback only', async () => {
    const server = await start({ kind: 'sigv4', sign: { region: 'eu-west-1', credentials: CREDENTIALS } });
    expect(new URL(server.url).hostname).toBe('127.0.0.1');
    const root = await fetch(`${server.url}/`, { redirect: 'manual' });
    expect(root.headers.get('location')).toBe('/console/');
    const page = await fetch(`${server.url}/console/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toContain("default-src 'self'");
    expect(await (await fetch(`${server.url}/console/settings.json`)).json()).toMatchObject({ mode: 'aws' });
    const alarms = await fetch(`${server.url}${CONSOLE_ALARMS_PATH}?environment=dev`, {
      headers: FROM_CONSOLE,
    });
    expect(await alarms.json()).toEqual({ dev: [{ name: 'promptops-dev-ErrorRate', state: 'OK' }] });
    expect((await fetch(`${server.url}${CONSOLE_ALARMS_PATH}?environment=dev`)).status).toBe(403);
  });
});
