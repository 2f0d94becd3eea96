/** A source chosen (and its code loaded) at the first fetch, so unused sources cost nothing at start-up. */
import type { ManifestSource } from './source.ts';

export class DeferredSource implements ManifestSource {
  readonly #placeholder: string;
  readonly #choose: () => Promise<ManifestSource>;
  #chosen: Promise<ManifestSource> | undefined;
  #source: ManifestSource | undefined;

  constructor(placeholder: string, choose: () => Promise<ManifestSource>) {
    this.#placeholder = placeholder;
    this.#choose = choose;
  }

  get description(): string {
    return this.#source?.description ?? this.#placeholder;
  }

  get nextFetchAt(): number {
    return this.#source?.nextFetchAt ?? 0;
  }

  /** The source in use, chosen on the first call; a failed choice is retried on the next. */
  choose(): Promise<ManifestSource> {
    this.#chosen ??= this.#choose().then(
      (source) => {
        this.#source = source;
        return source;
      },
      (error: unknown) => {
        this.#chosen = undefined;
        throw error;
      },
    );
    return this.#chosen;
  }

  async fetch(signal?: AbortSignal): Promise<string | undefined> {
    const source = await this.choose();
    signal?.throwIfAborted();
    return source.fetch(signal);
  }

  reset(): void {
    this.#source?.reset();
  }
}
