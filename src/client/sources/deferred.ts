/** A source chosen (and its code loaded) at the first fetch, so unused sources cost nothing at start-up. */
import type { ManifestSource } from './source.ts';

/**
 * The source `open` resolves, opened on the first fetch and named `placeholder` until then. A failed
 * open is tried again on the next fetch.
 */
export function deferredSource(placeholder: string, open: () => Promise<ManifestSource>): ManifestSource {
  let opening: Promise<ManifestSource> | undefined;
  let source: ManifestSource | undefined;
  return {
    get description() {
      return source?.description ?? placeholder;
    },
    get nextFetchAt() {
      return source?.nextFetchAt ?? 0;
    },
    async fetch(signal) {
      opening ??= open().catch((error: unknown) => {
        opening = undefined;
        throw error;
      });
      source = await opening;
      signal?.throwIfAborted();
      return source.fetch(signal);
    },
    reset() {
      source?.reset();
    },
  };
}
