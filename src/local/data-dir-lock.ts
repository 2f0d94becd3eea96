/**
 * One local mode per data directory: dynalite, s3rver and the AppConfig emulator each own files
 * under it, and a second process opening them corrupts or closes the first one's database. The lock
 * is `<data dir>/local-mode.lock` holding the owner's pid. It is created whole (written to a private
 * file, then hard-linked into place, which fails if the lock exists), so a reader never sees it
 * empty. A lock whose pid is no longer running is stale (the owner was killed) and is taken over.
 *
 * Not proper-lockfile: its staleness is an mtime a timer refreshes, so a killed owner blocks a restart
 * until the lock ages out, and a paused one (a debugger, a sleeping laptop) loses it to a second
 * process. The pid settles both at once, and names the owner in the message.
 */
import { readFileSync, unlinkSync } from 'node:fs';
import { link, readFile, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';

export const LOCK_FILE = 'local-mode.lock';

/** Another running local mode holds the data directory. */
export class DataDirInUseError extends Error {
  readonly dataDir: string;
  readonly pid: number;
  constructor(dataDir: string, pid: number) {
    super(
      `data dir ${dataDir} is in use by local mode (pid ${pid}); stop it or use another --data-dir / PROMPTOPS_DATA_DIR`,
    );
    this.name = 'DataDirInUseError';
    this.dataDir = dataDir;
    this.pid = pid;
  }
}

export interface DataDirLock {
  readonly file: string;
  /** Removes the lock if this process still holds it. Safe to call more than once. */
  release(): Promise<void>;
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function ownerOf(file: string): Promise<number | undefined> {
  try {
    const pid = Number((await readFile(file, 'utf8')).trim());
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

async function unlinkIfExists(file: string): Promise<void> {
  await unlink(file).catch((error: NodeJS.ErrnoException) => {
    if (error.code !== 'ENOENT') throw error;
  });
}

/** Takes the data directory's lock or throws DataDirInUseError naming the running owner. */
export async function lockDataDir(dataDir: string): Promise<DataDirLock> {
  const file = path.join(dataDir, LOCK_FILE);
  const content = `${process.pid}\n`;
  const temporary = `${file}.${process.pid}.${Date.now().toString(36)}.tmp`;
  await writeFile(temporary, content);
  try {
    for (let attempt = 0; ; attempt++) {
      try {
        await link(temporary, file);
        break;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
      const owner = await ownerOf(file);
      if (owner !== undefined && isRunning(owner)) throw new DataDirInUseError(dataDir, owner);
      // Stale (its owner is gone) or unreadable: take it over, once; a second loss means a race.
      if (attempt > 0) throw new DataDirInUseError(dataDir, owner ?? 0);
      await unlinkIfExists(file);
    }
  } finally {
    await unlinkIfExists(temporary);
  }

  let held = true;
  // A process that exits without close (an uncaught error) leaves no lock behind.
  const onExit = () => {
    if (!held) return;
    held = false;
    try {
      if (Number(readFileSync(file, 'utf8').trim()) === process.pid) unlinkSync(file);
    } catch {
      // Already gone.
    }
  };
  process.once('exit', onExit);
  return {
    file,
    release: async () => {
      if (!held) return;
      held = false;
      process.removeListener('exit', onExit);
      // Only our own lock: never one another process took over.
      if ((await ownerOf(file)) === process.pid) await unlinkIfExists(file);
    },
  };
}
