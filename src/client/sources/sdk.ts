/**
 * The AppConfigData API: one session, then GetLatestConfiguration along the token chain. An empty
 * configuration means unchanged. AppConfig refuses polls before NextPollIntervalInSeconds ("Request
 * too early"), so `nextFetchAt` tells the client when it may ask again. A rejected token (expired,
 * reused, too early) starts a new session, whose first poll returns the full configuration. The SDK
 * is imported only when this source is used.
 *
 * Every call carries the caller's abort signal, and a client created here also gives up on its own
 * (connection and request timeouts), so a hung endpoint cannot hold a fetch forever. An answer that
 * arrives after the signal aborted is dropped without moving along the token chain.
 */
import '../load-path.ts';
import type { AppConfigDataClient } from '@aws-sdk/client-appconfigdata';
import { CLIENT_ENV } from '../../core/client-contract.ts';
import type { ManifestSource, SourceTarget } from './source.ts';

type AppConfigDataModule = typeof import('@aws-sdk/client-appconfigdata');

/** Per-request limits of a client created here, unless the client says otherwise. */
const DEFAULT_TIMEOUT_MS = 5000;
/** The longest a client created here waits for a connection (within the request timeout). */
const CONNECTION_TIMEOUT_MS = 1000;

export class SdkSource implements ManifestSource {
  readonly description: string;
  nextFetchAt = 0;
  readonly #target: SourceTarget;
  readonly #pollIntervalSeconds: number;
  readonly #timeoutMs: number;
  #client: AppConfigDataClient | undefined;
  #token: string | undefined;

  /**
   * `pollIntervalSeconds` is requested from AppConfig (it accepts 15 to 86400). `timeoutMs` bounds
   * each request of a client created here (one given is used as configured).
   */
  constructor(
    target: SourceTarget,
    client: AppConfigDataClient | undefined,
    pollIntervalSeconds: number,
    timeoutMs = DEFAULT_TIMEOUT_MS,
  ) {
    this.#target = target;
    this.#client = client;
    this.#pollIntervalSeconds = Math.min(86_400, Math.max(15, Math.ceil(pollIntervalSeconds)));
    this.#timeoutMs = timeoutMs;
    this.description = `AppConfigData ${target.application}/${target.environment}/${target.profile}`;
  }

  async fetch(signal?: AbortSignal): Promise<string | undefined> {
    const sdk = await import('@aws-sdk/client-appconfigdata');
    signal?.throwIfAborted();
    this.#client ??= createClient(sdk, this.#timeoutMs);
    if (this.#token === undefined) return this.#poll(sdk, await this.#startSession(sdk, signal), signal);
    try {
      return await this.#poll(sdk, this.#token, signal);
    } catch (error) {
      if ((error as Error | undefined)?.name !== 'BadRequestException') throw error;
      return this.#poll(sdk, await this.#startSession(sdk, signal), signal);
    }
  }

  /** Forgets the session: the next fetch starts a new one, which AppConfig answers at once. */
  reset(): void {
    this.#token = undefined;
    this.nextFetchAt = 0;
  }

  async #startSession(sdk: AppConfigDataModule, signal: AbortSignal | undefined): Promise<string> {
    this.#token = undefined;
    const out = await (this.#client as AppConfigDataClient).send(
      new sdk.StartConfigurationSessionCommand({
        ApplicationIdentifier: this.#target.application,
        EnvironmentIdentifier: this.#target.environment,
        ConfigurationProfileIdentifier: this.#target.profile,
        RequiredMinimumPollIntervalInSeconds: this.#pollIntervalSeconds,
      }),
      { abortSignal: signal },
    );
    signal?.throwIfAborted();
    if (!out.InitialConfigurationToken) throw new Error('StartConfigurationSession returned no token');
    return out.InitialConfigurationToken;
  }

  async #poll(
    sdk: AppConfigDataModule,
    token: string,
    signal: AbortSignal | undefined,
  ): Promise<string | undefined> {
    const out = await (this.#client as AppConfigDataClient).send(
      new sdk.GetLatestConfigurationCommand({ ConfigurationToken: token }),
      { abortSignal: signal },
    );
    // Too late: the caller has given up and will never see this configuration, so the chain must
    // not move past it (the next poll repeats this token, or starts a new session if it is spent).
    signal?.throwIfAborted();
    this.#token = out.NextPollConfigurationToken;
    this.nextFetchAt = Date.now() + (out.NextPollIntervalInSeconds ?? this.#pollIntervalSeconds) * 1000;
    // An unchanged configuration comes back as an empty body, which the SDK gives as null.
    const bytes = out.Configuration;
    return bytes === undefined || bytes === null || bytes.length === 0
      ? undefined
      : new TextDecoder().decode(bytes);
  }
}

function createClient(sdk: AppConfigDataModule, timeoutMs: number): AppConfigDataClient {
  const endpoint = process.env[CLIENT_ENV.appConfigDataEndpoint];
  return new sdk.AppConfigDataClient({
    ...(endpoint ? { endpoint } : {}),
    requestHandler: {
      connectionTimeout: Math.min(CONNECTION_TIMEOUT_MS, timeoutMs),
      requestTimeout: timeoutMs,
      throwOnRequestTimeout: true,
    },
  });
}
