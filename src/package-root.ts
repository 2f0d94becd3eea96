/**
 * Where this package lives on disk, so handler entries and the lock file resolve the same way whether
 * PromptOps is synthesized from its own repository or embedded from node_modules by another app.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

function readPackage(dir: string): { name?: string; version?: string } | undefined {
  const file = path.join(dir, 'package.json');
  return existsSync(file)
    ? (JSON.parse(readFileSync(file, 'utf8')) as { name?: string; version?: string })
    : undefined;
}

/** The nearest directory above this file whose package.json is this package's: the clone, or the installed copy. */
function findPackageRoot(from: string): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    if (readPackage(dir)?.name === 'promptops') return dir;
    if (path.dirname(dir) === dir) throw new Error(`No promptops package.json above ${from}`);
  }
}

// From src/ in a clone, or dist/src/ in the built package: the same root either way.
export const PACKAGE_ROOT = findPackageRoot(path.dirname(fileURLToPath(import.meta.url)));

export const PACKAGE_VERSION: string = readPackage(PACKAGE_ROOT)?.version ?? '0.0.0';

/** An absolute path for `entry`, which may be relative to the package root. */
export function packagePath(entry: string): string {
  return path.isAbsolute(entry) ? entry : path.join(PACKAGE_ROOT, entry);
}

/** The package's lock file when it ships one (a clone does; an npm-installed copy does not). */
export function packageLockFile(): string | undefined {
  const lock = path.join(PACKAGE_ROOT, 'package-lock.json');
  return existsSync(lock) ? lock : undefined;
}
