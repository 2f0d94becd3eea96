/**
 * The console's files: a build is reused while its sources are unchanged and redone when they change,
 * and the server hands out only the build's own files, with a policy that allows nothing from elsewhere.
 */
import { cp, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CONSOLE_SOURCE_DIR,
  consoleRoutes,
  consoleSourceHash,
  ensureConsoleBuild,
} from '../../../src/local/console-assets.ts';

let work: string;
let buildDir: string;
let server: Server;
let url: string;

beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'promptops-console-assets-'));
  buildDir = path.join(work, 'build');
  await mkdir(path.join(buildDir, 'assets'), { recursive: true });
  await writeFile(path.join(buildDir, 'index.html'), '<!doctype html><title>console</title>');
  await writeFile(path.join(buildDir, 'assets', 'index-abc123.js'), 'console.log(1)');
  await writeFile(path.join(buildDir, '.source-hash'), 'deadbeef\n');
  await writeFile(path.join(work, 'secret.txt'), 'not for the browser');
  const serve = consoleRoutes({
    build: async () => ({ dir: buildDir }),
    settings: () => ({
      mode: 'local',
      endpoint: 'http://127.0.0.1:4100',
      environments: ['dev'],
      protectedEnvironments: [],
      strategies: ['AllAtOnce'],
      alarmsPath: '/_local/alarms',
      caller: 'local:developer',
    }),
  });
  server = createServer(async (req, res) => {
    const pathname = (req.url ?? '/').split('?')[0] as string;
    if (!(await serve(req.method ?? 'GET', pathname, res))) {
      res.writeHead(418);
      res.end('not the console');
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await rm(work, { recursive: true, force: true });
});

describe('consoleRoutes', () => {
  it('serves index.html uncached and hashed assets for a year, each with the security headers', async () => {
    const page = await fetch(`${url}/console/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(page.headers.get('cache-control')).toBe('no-cache');
    expect(page.headers.get('content-security-policy')).toBe(
      "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
    );
    expect(page.headers.get('x-frame-options')).toBe('DENY');
    const asset = await fetch(`${url}/console/assets/index-abc123.js`);
    expect(asset.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(asset.headers.get('cache-control')).toContain('immutable');
    expect(await asset.text()).toBe('console.log(1)');
  });

  it('redirects /console to /console/ and answers the settings document', async () => {
    const bare = await fetch(`${url}/console`, { redirect: 'manual' });
    expect(bare.status).toBe(308);
    expect(bare.headers.get('location')).toBe('/console/');
    const settings = await fetch(`${url}/console/settings.json`);
    expect(settings.headers.get('cache-control')).toBe('no-store');
    expect(await settings.json()).toMatchObject({
      mode: 'local',
      environments: ['dev'],
      alarmsPath: '/_local/alarms',
    });
  });

  it.each([
    ['a file outside the build', '/console/..%2Fsecret.txt'],
    ['a dot file of the build', '/console/.source-hash'],
    ['a missing file', '/console/assets/nope.js'],
    ['a folder', '/console/assets'],
  ])('answers 404 for %s', async (_case, route) => {
    const response = await fetch(`${url}${route}`);
    expect(response.status).toBe(404);
    expect(await response.text()).not.toContain('not for the browser');
  });

  it('refuses writes and leaves other paths to the caller', async () => {
    expect((await fetch(`${url}/console/`, { method: 'POST' })).status).toBe(405);
    expect((await fetch(`${url}/prompts`)).status).toBe(418);
    expect((await fetch(`${url}/consoles`)).status).toBe(418);
  });
});

describe('ensureConsoleBuild', () => {
  it('keys the build on its sources: the hash changes with any file and stays while nothing changes', async () => {
    const sources = path.join(work, 'sources');
    await cp(CONSOLE_SOURCE_DIR, sources, { recursive: true });
    const first = await consoleSourceHash(sources);
    expect(await consoleSourceHash(sources)).toBe(first);
    await writeFile(path.join(sources, 'src', 'styles.css'), '/* changed */', { flag: 'a' });
    expect(await consoleSourceHash(sources)).not.toBe(first);
  });

  it('reuses a build made from the same sources without building', async () => {
    const sources = path.join(work, 'same');
    await cp(CONSOLE_SOURCE_DIR, sources, { recursive: true });
    const out = path.join(work, 'same-out');
    await mkdir(out);
    await writeFile(path.join(out, '.source-hash'), `${await consoleSourceHash(sources)}\n`);
    const lines: string[] = [];
    const result = await ensureConsoleBuild({ sourceDir: sources, outDir: out, log: (l) => lines.push(l) });
    expect(result).toMatchObject({ dir: out, built: false });
    expect(lines).toEqual([]);
  });

  it('serves a shipped build where there are no sources, and says so when there is neither', async () => {
    const shipped = await ensureConsoleBuild({ sourceDir: path.join(work, 'none'), outDir: buildDir });
    expect(shipped).toEqual({ dir: buildDir, hash: 'deadbeef', built: false, ms: 0 });
    await expect(
      ensureConsoleBuild({ sourceDir: path.join(work, 'none'), outDir: path.join(work, 'nothing') }),
    ).rejects.toThrow(/neither built .* nor buildable/);
  });
});
