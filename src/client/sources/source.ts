/** Where the manifest comes from: the AppConfig Agent, the AppConfigData API or a file. */
export interface ManifestSource {
  /** Names the source in warnings and errors, e.g. `agent http://localhost:2772/...`. */
  readonly description: string;
  /**
   * Fetches the manifest text. Resolves `undefined` when the source knows the configuration has not
   * changed since its last answer (AppConfigData's empty response). Rejects on any failure. When
   * `signal` aborts, the source stops its requests and keeps nothing from an answer that comes later.
   */
  fetch(signal?: AbortSignal): Promise<string | undefined>;
  /**
   * Epoch milliseconds before which the source must not be asked again (AppConfigData answers
   * "Request too early"); 0 when it may be asked at any time.
   */
  readonly nextFetchAt: number;
  /**
   * Forgets what the source delivered last, so the next fetch returns the full configuration. That
   * fetch starts over (a new AppConfig session), so `nextFetchAt` no longer holds it back.
   */
  reset(): void;
}

/** What the client passes to every source. */
export interface SourceTarget {
  readonly application: string;
  readonly environment: string;
  readonly profile: string;
}
