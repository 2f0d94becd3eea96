/** A manifest JSON file: for tests and local use. Read on every fetch, so edits are picked up. */
import { readFile } from 'node:fs/promises';
import type { ManifestSource } from './source.ts';

export class FileSource implements ManifestSource {
  readonly description: string;
  readonly nextFetchAt = 0;
  readonly #path: string;

  constructor(path: string) {
    this.#path = path;
    this.description = `file ${path}`;
  }

  fetch(signal?: AbortSignal): Promise<string> {
    return readFile(this.#path, signal ? { encoding: 'utf8', signal } : 'utf8');
  }

  reset(): void {}
}
