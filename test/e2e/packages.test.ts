/**
 * The packages as a user gets them: `npm pack` of @promptops/client and of promptops, installed with
 * `npm install <tarball>` into a new app, imported, and used to read a manifest from a file source.
 * The client's tarball must install nothing else and ship no tests, fixtures, benchmarks or maps.
 */
import { execFile } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, readdir, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { supportManifest } from '../fixtures/client-manifests.ts';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const CLIENT_DIR = path.join(ROOT, 'packages/client');
const NPM_FLAGS = ['--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error'];
const SHIPPED_JUNK = /(^|\/)(test|tests|fixtures|bench|__tests__)\/|\.map$|\.test\.[cm]?[jt]s$/;

interface PackedFile {
  readonly path: string;
  readonly size: number;
}

let work: string;
let manifestPath: string;

async function npm(args: readonly string[], cwd: string): Promise<string> {
  const { stdout } = await run('npm', [...args], { cwd, maxBuffer: 64 * 1024 * 1024 });
  return stdout;
}

/** Packs the package in `dir` into `work`; returns the tarball's path and its file list. */
async function pack(dir: string): Promise<{ tarball: string; files: PackedFile[] }> {
  const out = await npm(['pack', '--json', '--pack-destination', work, ...NPM_FLAGS], dir);
  const [info] = JSON.parse(out.slice(out.indexOf('['))) as { filename: string; files: PackedFile[] }[];
  if (!info) throw new Error(`npm pack printed no result in ${dir}`);
  return { tarball: path.join(work, info.filename), files: info.files };
}

/** A new app with `package.json` only, then `npm install` of the given tarballs. */
async function newApp(
  name: string,
  tarballs: readonly string[],
  extra: readonly string[] = [],
): Promise<string> {
  const app = path.join(work, name);
  await mkdir(app, { recursive: true });
  await writeFile(
    path.join(app, 'package.json'),
    JSON.stringify({ name, version: '1.0.0', private: true, type: 'module' }),
  );
  await npm(['install', ...tarballs, ...NPM_FLAGS, ...extra], app);
  return app;
}

/** Runs an ES module in the app's directory, so its imports resolve from the app's node_modules. */
async function runInApp(app: string, source: string): Promise<unknown> {
  const file = path.join(app, 'read.mjs');
  await writeFile(file, source);
  const { stdout } = await run(process.execPath, [file], { cwd: app });
  return JSON.parse(stdout);
}

const READ_MANIFEST = (specifier: string) => `
import { PromptClient } from '${specifier}';
const prompts = new PromptClient({
  application: 'promptops',
  environment: 'prod',
  source: { type: 'file', path: ${JSON.stringify('MANIFEST')} },
});
const p = await prompts.get('support-reply');
const text = p.render({ customer_name: 'Ana', ticket: 'My order is late', tone: 'calm' });
console.log(JSON.stringify({ id: p.id, version: p.version, stale: p.stale, text }));
`;

/** The repository's files (tracked, and untracked ones git does not ignore) in a temporary folder. */
async function copyOfRepository(): Promise<string> {
  const copy = path.join(work, 'promptops-source');
  const { stdout } = await run('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], {
    cwd: ROOT,
    maxBuffer: 64 * 1024 * 1024,
  });
  // node_modules is linked below, whether it is a folder or (in a git worktree) a link git does not ignore.
  for (const file of stdout.split('\0').filter((f) => f !== '' && f !== 'node_modules')) {
    const target = path.join(copy, file);
    await mkdir(path.dirname(target), { recursive: true });
    await copyFile(path.join(ROOT, file), target).catch((error: NodeJS.ErrnoException) => {
      // A file deleted in the working tree but not yet in the index.
      if (error.code !== 'ENOENT') throw error;
    });
  }
  await symlink(path.join(ROOT, 'node_modules'), path.join(copy, 'node_modules'));
  return copy;
}

async function packageSize(dir: string): Promise<number> {
  let bytes = 0;
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (entry.isFile()) bytes += (await stat(path.join(entry.parentPath, entry.name))).size;
  }
  return bytes;
}

beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'promptops-packages-'));
  manifestPath = path.join(work, 'manifest.json');
  await writeFile(manifestPath, supportManifest('1.2.0', 'packaged').json);
});

afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

describe('Package: @promptops/client', () => {
  let packed: { tarball: string; files: PackedFile[] };
  let app: string;

  beforeAll(async () => {
    packed = await pack(CLIENT_DIR);
    app = await newApp('client-app', [packed.tarball]);
  }, 180_000);

  it('ships the bundle, its chunks and declarations, and nothing else', () => {
    const paths = packed.files.map((f) => f.path);
    expect(paths).toContain('package.json');
    expect(paths).toContain('README.md');
    expect(paths).toContain('dist/index.js');
    expect(paths).toContain('dist/types/client/index.d.ts');
    expect(paths.filter((p) => SHIPPED_JUNK.test(p))).toEqual([]);
    expect(paths.every((p) => /^(package\.json|README\.md|dist\/.+\.(js|d\.ts))$/.test(p))).toBe(true);
  });

  it('installs no other package', async () => {
    const installed = await readdir(path.join(app, 'node_modules'));
    expect(installed.filter((name) => !name.startsWith('.'))).toEqual(['@promptops']);
    expect(await readdir(path.join(app, 'node_modules/@promptops'))).toEqual(['client']);
    // The install-size budget (bench client-install-kb) is 500 KB; the test keeps a wide margin for files.
    expect(await packageSize(path.join(app, 'node_modules'))).toBeLessThan(500 * 1024);
  });

  it('reads and renders a manifest from a file source', async () => {
    const result = await runInApp(app, READ_MANIFEST('@promptops/client').replace('MANIFEST', manifestPath));
    expect(result).toMatchObject({ id: 'support-reply', version: '1.2.0', stale: false });
    expect((result as { text: string }).text).toContain('packaged: answer in a calm tone.\nMy order is late');
  });

  it('types resolve for a TypeScript app', async () => {
    await writeFile(
      path.join(app, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          module: 'nodenext',
          moduleResolution: 'nodenext',
          strict: true,
          noEmit: true,
          types: [],
        },
        files: ['check.ts'],
      }),
    );
    await writeFile(
      path.join(app, 'check.ts'),
      [
        "import { PromptClient, type Prompt } from '@promptops/client';",
        "const prompts = new PromptClient({ application: 'a', environment: 'prod', source: { type: 'file', path: 'm.json' } });",
        "export const read: Promise<Prompt> = prompts.get('support-reply');",
        '',
      ].join('\n'),
    );
    const tsc = path.join(ROOT, 'node_modules/typescript/bin/tsc');
    await expect(run(process.execPath, [tsc, '-p', app], { cwd: app })).resolves.toBeDefined();
  });
});

describe('Package: promptops', () => {
  let packed: { tarball: string; files: PackedFile[] };

  beforeAll(async () => {
    // Packed from a copy: prepack builds dist/, which the working tree's CLI would start running.
    packed = await pack(await copyOfRepository());
  }, 300_000);

  it('ships the construct, handlers, CLI and compiled client without tests, benchmarks or maps', () => {
    const paths = packed.files.map((f) => f.path);
    expect(paths).toContain('dist/src/client/index.js');
    expect(paths).toContain('bin/promptops-cli.mjs');
    expect(paths).toContain('lambda/handlers/publish.ts');
    expect(paths.filter((p) => SHIPPED_JUNK.test(p) || p.startsWith('packages/'))).toEqual([]);
  });

  it('keeps promptops/client working for existing users', async () => {
    // The CDK is a peer of the construct; an app that reads prompts does not need it here.
    const app = await newApp('promptops-app', [packed.tarball], ['--legacy-peer-deps', '--omit=optional']);
    const result = await runInApp(app, READ_MANIFEST('promptops/client').replace('MANIFEST', manifestPath));
    expect(result).toMatchObject({ id: 'support-reply', version: '1.2.0', stale: false });
  }, 300_000);
});
