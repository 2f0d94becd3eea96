/**
 * Durable state for the emulator under `<dataDir>/appconfig`: `state.json` for everything but hosted
 * contents, and one immutable file per hosted configuration version. Every file is written to a
 * temporary name, flushed and renamed over the target, so a reader (or a restart after a kill) sees
 * the old file or the new one, never a part. Contents are written before the state that references
 * them. Commits are serialised and coalesced: each resolves once a snapshot taken after it is on disk.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, open, readdir, readFile, rename, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { type EmulatorState, STATE_FORMAT_VERSION } from './model.ts';

const STATE_FILE = 'state.json';
const HOSTED_DIR = 'hosted';
const TEMP_SUFFIX = '.tmp';
/** Hosted contents kept in memory; older ones are read back from their files. */
const CONTENT_CACHE_ENTRIES = 256;

export class StateFileError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'StateFileError';
  }
}

interface Waiter {
  readonly generation: number;
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
}

let tempCounter = 0;

/** Writes `data` to `path` through a temporary file in the same directory and a rename. */
export async function writeFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
  const temp = `${path}.${process.pid}.${++tempCounter}${TEMP_SUFFIX}`;
  const handle = await open(temp, 'wx');
  try {
    await handle.writeFile(data);
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}

export class StateStore {
  readonly directory: string;
  /** The live state: mutated in place by the emulator, serialised whole on every commit. */
  readonly state: EmulatorState;
  readonly #pendingContents = new Map<string, Uint8Array>();
  readonly #cache = new Map<string, Uint8Array>();
  #requested = 0;
  #written = 0;
  #running = false;
  #waiters: Waiter[] = [];

  private constructor(directory: string, state: EmulatorState) {
    this.directory = directory;
    this.state = state;
  }

  /**
   * Opens (creating) the directory, removes temporary files a killed process left behind and loads
   * the state; `initial` builds it when there is none yet. A state file that cannot be read is an
   * error, never silently replaced.
   */
  static async open(
    directory: string,
    initial: () => EmulatorState,
  ): Promise<{ store: StateStore; loaded: boolean; removedTempFiles: number }> {
    await mkdir(join(directory, HOSTED_DIR), { recursive: true });
    const removedTempFiles = await removeTempFiles(directory);
    const loaded = await loadState(join(directory, STATE_FILE));
    return {
      store: new StateStore(directory, loaded ?? initial()),
      loaded: loaded !== undefined,
      removedTempFiles,
    };
  }

  /** Queues a hosted content; it reaches the disk with the next commit, before the state does. */
  putContent(applicationId: string, profileId: string, versionNumber: number, content: Uint8Array): void {
    const key = contentKey(applicationId, profileId, versionNumber);
    this.#pendingContents.set(key, content);
    this.#remember(key, content);
  }

  async readContent(applicationId: string, profileId: string, versionNumber: number): Promise<Uint8Array> {
    const key = contentKey(applicationId, profileId, versionNumber);
    const cached = this.#cache.get(key);
    if (cached) return cached;
    const bytes = new Uint8Array(await readFile(join(this.directory, key)));
    this.#remember(key, bytes);
    return bytes;
  }

  /** Resolves when the state as it is now (and every content queued before) is on disk. */
  commit(): Promise<void> {
    const generation = ++this.#requested;
    const done = new Promise<void>((resolve, reject) => this.#waiters.push({ generation, resolve, reject }));
    void this.#pump();
    return done;
  }

  async #pump(): Promise<void> {
    if (this.#running) return;
    this.#running = true;
    try {
      while (this.#written < this.#requested) {
        const generation = this.#requested;
        const contents = [...this.#pendingContents];
        this.#pendingContents.clear();
        const text = `${JSON.stringify(this.state)}\n`;
        let failure: unknown;
        try {
          for (const [key, bytes] of contents) {
            const path = join(this.directory, key);
            await mkdir(dirname(path), { recursive: true });
            await writeFileAtomic(path, bytes);
          }
          await writeFileAtomic(join(this.directory, STATE_FILE), text);
        } catch (error) {
          failure = error;
          // Keep the contents for the next attempt unless a newer one replaced them meanwhile.
          for (const [key, bytes] of contents) {
            if (!this.#pendingContents.has(key)) this.#pendingContents.set(key, bytes);
          }
        }
        this.#written = generation;
        const settled = this.#waiters.filter((w) => w.generation <= generation);
        this.#waiters = this.#waiters.filter((w) => w.generation > generation);
        for (const waiter of settled) {
          if (failure === undefined) waiter.resolve();
          else waiter.reject(failure);
        }
      }
    } finally {
      this.#running = false;
    }
  }

  #remember(key: string, bytes: Uint8Array): void {
    this.#cache.delete(key);
    this.#cache.set(key, bytes);
    for (const oldest of this.#cache.keys()) {
      if (this.#cache.size <= CONTENT_CACHE_ENTRIES) break;
      if (!this.#pendingContents.has(oldest)) this.#cache.delete(oldest);
    }
  }
}

/** A fresh state with a new token secret. */
export function emptyState(): EmulatorState {
  return {
    formatVersion: STATE_FORMAT_VERSION,
    tokenSecret: randomBytes(32).toString('hex'),
    applications: [],
    environments: [],
    profiles: [],
    strategies: [],
    hostedVersions: [],
    deployments: [],
    outbox: [],
    extensions: [],
    extensionAssociations: [],
  };
}

export function stateFilePath(directory: string): string {
  return join(directory, STATE_FILE);
}

function contentKey(applicationId: string, profileId: string, versionNumber: number): string {
  return join(HOSTED_DIR, applicationId, profileId, `${versionNumber}.bin`);
}

async function loadState(path: string): Promise<EmulatorState | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new StateFileError(
      `Cannot read the AppConfig emulator state ${path}: ${(error as Error).message}`,
      {
        cause: error,
      },
    );
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new StateFileError(
      `The AppConfig emulator state ${path} is not valid JSON (${(error as Error).message}): restore it from a backup, or move it away to start with an empty AppConfig`,
      { cause: error },
    );
  }
  const state = value as Partial<EmulatorState> | null;
  if (state?.formatVersion !== STATE_FORMAT_VERSION || typeof state.tokenSecret !== 'string') {
    throw new StateFileError(
      `The AppConfig emulator state ${path} has format ${JSON.stringify(state?.formatVersion)}, expected ${STATE_FORMAT_VERSION}: move it away to start with an empty AppConfig`,
    );
  }
  return {
    formatVersion: STATE_FORMAT_VERSION,
    tokenSecret: state.tokenSecret,
    applications: state.applications ?? [],
    environments: state.environments ?? [],
    profiles: state.profiles ?? [],
    strategies: state.strategies ?? [],
    hostedVersions: state.hostedVersions ?? [],
    deployments: state.deployments ?? [],
    outbox: state.outbox ?? [],
    extensions: state.extensions ?? [],
    extensionAssociations: state.extensionAssociations ?? [],
  };
}

async function removeTempFiles(directory: string): Promise<number> {
  const entries = await readdir(directory, { recursive: true, withFileTypes: true });
  const temps = entries.filter((e) => e.isFile() && e.name.endsWith(TEMP_SUFFIX));
  await Promise.all(temps.map((e) => rm(join(e.parentPath, e.name), { force: true })));
  return temps.length;
}
