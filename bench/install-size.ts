/**
 * `client-install-kb`: what an app that reads prompts gets on disk. The client's package directory
 * (`packages/client` once the client is its own workspace package, the repository root `promptops`
 * package until then) is packed with `npm pack --ignore-scripts` (the root's `prepack` build is not
 * run: the tarball then lacks `dist`, a few hundred KB that do not change the order of magnitude) and
 * installed into a fresh temporary app with
 * `npm install --omit=peer --omit=optional --no-audit --no-fund --prefer-offline --ignore-scripts`;
 * the row is the sum of the sizes of the regular files under its node_modules, in KB (1024 bytes).
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { lstat, mkdir, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** `packages/client` when it exists, else the repository root. */
export function clientPackageDir(root: string): string {
  const workspace = path.join(root, 'packages', 'client');
  return existsSync(path.join(workspace, 'package.json')) ? workspace : root;
}

async function treeBytes(dir: string): Promise<number> {
  let total = 0;
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) total += await treeBytes(full);
    else if (entry.isFile()) total += (await lstat(full)).size;
  }
  return total;
}

export interface InstallSize {
  readonly kb: number;
  readonly packages: number;
  readonly packageName: string;
}

/** Packs `packageDir` into `workDir` and installs the tarball into a fresh app there. */
export async function installSize(packageDir: string, workDir: string): Promise<InstallSize> {
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const { stdout } = await run(npm, ['pack', '--ignore-scripts', '--json', '--pack-destination', workDir], {
    cwd: packageDir,
    maxBuffer: 64 * 1024 * 1024,
  });
  const [packed] = JSON.parse(stdout) as { filename: string; name: string }[];
  if (!packed) throw new Error(`npm pack of ${packageDir} printed no tarball`);
  const app = path.join(workDir, 'app');
  await mkdir(app);
  await writeFile(path.join(app, 'package.json'), '{"name":"install-size-app","private":true}\n');
  await run(
    npm,
    [
      'install',
      '--omit=peer',
      '--omit=optional',
      '--no-audit',
      '--no-fund',
      '--prefer-offline',
      '--ignore-scripts',
      '--no-package-lock',
      path.join(workDir, packed.filename),
    ],
    { cwd: app, maxBuffer: 64 * 1024 * 1024 },
  );
  const modules = path.join(app, 'node_modules');
  const names = await readdir(modules);
  let packages = 0;
  for (const name of names) {
    if (name.startsWith('.')) continue;
    packages += name.startsWith('@') ? (await readdir(path.join(modules, name))).length : 1;
  }
  return { kb: (await treeBytes(modules)) / 1024, packages, packageName: packed.name };
}
