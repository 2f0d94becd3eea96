/**
 * The web console's files (docs/console.md): built from console/ with Vite on demand into
 * dist/console, keyed by a hash of the sources, so `npm start`, `promptops console` and the tests
 * never need a manual build step and never serve a stale one; then served under /console by local
 * mode's gateway and by `promptops console`, with a content security policy that allows nothing
 * but the console's own origin (no CDN, no inline script).
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import path from 'node:path';
import { CONSOLE_PATH, CONSOLE_SETTINGS_PATH, type ConsoleSettings } from '../core/console-contract.ts';
import { PACKAGE_ROOT } from '../package-root.ts';

/** The console's sources (a clone has them; an installed package ships only the build). */
export const CONSOLE_SOURCE_DIR = path.join(PACKAGE_ROOT, 'console');
/** Where the build goes: dist/ is ignored by git, biome and tsc. */
export const CONSOLE_BUILD_DIR = path.join(PACKAGE_ROOT, 'dist', 'console');
/** Written last into a build: the hash of the sources it was built from. */
const HASH_FILE = '.source-hash';
/** What the console imports besides its own folder. */
const SHARED_SOURCES = [path.join(PACKAGE_ROOT, 'src', 'core')];

export class ConsoleBuildError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'ConsoleBuildError';
  }
}

export interface ConsoleBuild {
  readonly dir: string;
  readonly hash: string;
  /** False when an up-to-date build was already there. */
  readonly built: boolean;
  readonly ms: number;
}

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries
    .filter((e) => e.isFile() && !e.parentPath.split(path.sep).includes('node_modules'))
    .map((e) => path.join(e.parentPath, e.name))
    .sort();
}

/** SHA-256 over every source file's path and content, and the versions of the build tools. */
export async function consoleSourceHash(sourceDir = CONSOLE_SOURCE_DIR): Promise<string> {
  const hash = createHash('sha256');
  for (const dir of [sourceDir, ...SHARED_SOURCES]) {
    for (const file of await filesUnder(dir)) {
      hash.update(path.relative(PACKAGE_ROOT, file)).update('\0');
      hash.update(await readFile(file)).update('\0');
    }
  }
  for (const tool of ['vite', 'preact', '@preact/preset-vite']) {
    const manifest = path.join(PACKAGE_ROOT, 'node_modules', tool, 'package.json');
    if (existsSync(manifest))
      hash.update(`${tool}@${JSON.parse(await readFile(manifest, 'utf8')).version}\0`);
  }
  return hash.digest('hex');
}

async function builtHash(dir: string): Promise<string | undefined> {
  try {
    return (await readFile(path.join(dir, HASH_FILE), 'utf8')).trim();
  } catch {
    return undefined;
  }
}

/** Builds left by processes that stopped mid-build (`<out>.<pid>.<time>.tmp` of a pid no longer running). */
async function removeAbandonedBuilds(outDir: string): Promise<void> {
  const parent = path.dirname(outDir);
  const prefix = `${path.basename(outDir)}.`;
  const names = await readdir(parent).catch(() => [] as string[]);
  for (const name of names) {
    const match = /^(\d+)\.[a-z0-9]+\.tmp$|^(\d+)\.old$/.exec(name.slice(prefix.length));
    if (!name.startsWith(prefix) || !match) continue;
    const pid = Number(match[1] ?? match[2]);
    if (pid === process.pid || isRunning(pid)) continue;
    await rm(path.join(parent, name), { recursive: true, force: true });
  }
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

let pending: Promise<ConsoleBuild> | undefined;

export interface EnsureConsoleBuildOptions {
  readonly sourceDir?: string;
  readonly outDir?: string;
  /** One line per build, for a person watching. */
  readonly log?: (line: string) => void;
}

/**
 * The console's build directory, built first when missing or older than the sources. Concurrent
 * callers in one process share one build; processes race safely, as each builds into its own
 * folder and renames it into place.
 */
export function ensureConsoleBuild(options: EnsureConsoleBuildOptions = {}): Promise<ConsoleBuild> {
  if (options.sourceDir || options.outDir) return buildIfStale(options);
  pending ??= buildIfStale(options).finally(() => {
    pending = undefined;
  });
  return pending;
}

async function buildIfStale(options: EnsureConsoleBuildOptions): Promise<ConsoleBuild> {
  const started = performance.now();
  const sourceDir = options.sourceDir ?? CONSOLE_SOURCE_DIR;
  const outDir = options.outDir ?? CONSOLE_BUILD_DIR;
  if (!existsSync(path.join(sourceDir, 'index.html'))) {
    // An installed package: the build shipped with it, and there is nothing to build it from.
    const shipped = await builtHash(outDir);
    if (shipped) return { dir: outDir, hash: shipped, built: false, ms: 0 };
    throw new ConsoleBuildError(`The console is neither built (${outDir}) nor buildable (no ${sourceDir})`);
  }
  const hash = await consoleSourceHash(sourceDir);
  if ((await builtHash(outDir)) === hash)
    return { dir: outDir, hash, built: false, ms: performance.now() - started };

  await removeAbandonedBuilds(outDir);
  const temporary = `${outDir}.${process.pid}.${Date.now().toString(36)}.tmp`;
  let vite: typeof import('vite');
  try {
    vite = await import('vite');
  } catch (error) {
    throw new ConsoleBuildError('Building the console needs Vite (a dev dependency): run npm install', {
      cause: error,
    });
  }
  options.log?.('building the web console (once per change of its sources)...');
  try {
    await vite.build({
      configFile: path.join(sourceDir, 'vite.config.ts'),
      root: sourceDir,
      logLevel: 'error',
      build: { outDir: temporary, emptyOutDir: true },
    });
  } catch (error) {
    await rm(temporary, { recursive: true, force: true });
    throw new ConsoleBuildError(`The console failed to build: ${(error as Error).message}`, { cause: error });
  }
  await writeFile(path.join(temporary, HASH_FILE), `${hash}\n`);
  await mkdir(path.dirname(outDir), { recursive: true });
  // Swap: the old build aside, the new one in. Another process may have won the race: keep its build.
  const old = `${outDir}.${process.pid}.old`;
  await rename(outDir, old).catch(() => undefined);
  try {
    await rename(temporary, outDir);
  } catch (error) {
    await rm(temporary, { recursive: true, force: true });
    if ((await builtHash(outDir)) !== hash)
      throw new ConsoleBuildError('Could not install the console build', { cause: error });
  }
  await rm(old, { recursive: true, force: true });
  const ms = performance.now() - started;
  options.log?.(`web console built in ${(ms / 1000).toFixed(1)} s`);
  return { dir: outDir, hash, built: true, ms };
}

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
};

/**
 * Nothing from elsewhere: scripts, styles, images and API calls from this origin only, no framing
 * (the console performs deploys and rollbacks: no clickjacking).
 */
export const CONSOLE_SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy':
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
};

export interface ConsoleRoutesOptions {
  /** The build to serve (usually `() => ensureConsoleBuild()`), awaited on each request. */
  readonly build: () => Promise<Pick<ConsoleBuild, 'dir'>>;
  /** The settings document the console reads first. */
  readonly settings: () => Promise<ConsoleSettings> | ConsoleSettings;
}

/**
 * Serves `/console` (a redirect to `/console/`), `/console/settings.json` and the build's files.
 * Returns false for any other path, which the caller then answers.
 */
export function consoleRoutes(options: ConsoleRoutesOptions) {
  return async function serveConsole(
    method: string,
    pathname: string,
    res: ServerResponse,
  ): Promise<boolean> {
    if (pathname !== CONSOLE_PATH && !pathname.startsWith(`${CONSOLE_PATH}/`)) return false;
    if (method !== 'GET' && method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain' });
      res.end('The console is read with GET\n');
      return true;
    }
    if (pathname === CONSOLE_PATH) {
      res.writeHead(308, { location: `${CONSOLE_PATH}/` });
      res.end();
      return true;
    }
    if (pathname === CONSOLE_SETTINGS_PATH) {
      const body = JSON.stringify(await options.settings());
      res.writeHead(200, {
        'content-type': 'application/json',
        'cache-control': 'no-store',
        ...CONSOLE_SECURITY_HEADERS,
      });
      res.end(method === 'HEAD' ? undefined : body);
      return true;
    }
    let build: Pick<ConsoleBuild, 'dir'>;
    try {
      build = await options.build();
    } catch (error) {
      res.writeHead(503, { 'content-type': 'text/plain; charset=utf-8' });
      res.end(`The web console is not available: ${(error as Error).message}\n`);
      return true;
    }
    let relative: string;
    try {
      relative = decodeURIComponent(pathname.slice(CONSOLE_PATH.length + 1)) || 'index.html';
    } catch {
      relative = '';
    }
    const file = path.resolve(build.dir, relative);
    // No way out of the build directory, and no dot files (the source hash).
    const inside = file.startsWith(`${build.dir}${path.sep}`) && !path.basename(file).startsWith('.');
    const info = inside ? await stat(file).catch(() => undefined) : undefined;
    if (!info?.isFile()) {
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' });
      res.end(`No console file ${pathname}\n`);
      return true;
    }
    const hashed = relative.startsWith('assets/');
    res.writeHead(200, {
      'content-type': CONTENT_TYPES[path.extname(file)] ?? 'application/octet-stream',
      'content-length': String(info.size),
      // Asset names carry their content hash; index.html names the current ones.
      'cache-control': hashed ? 'public, max-age=31536000, immutable' : 'no-cache',
      ...CONSOLE_SECURITY_HEADERS,
    });
    res.end(method === 'HEAD' ? undefined : await readFile(file));
    return true;
  };
}

export type ServeConsole = ReturnType<typeof consoleRoutes>;
