/**
 * The AppConfigData API: one session, then GetLatestConfiguration along the token chain. An empty
 * configuration means unchanged. AppConfig refuses polls before NextPollIntervalInSeconds ("Request
 * too early"), so `nextFetchAt` tells the client when it may ask again. A rejected token (expired,
 * reused, too early) starts a new session, whose first poll returns the full configuration. The SDK
 * is imported only when this source is used.
 */
import type { AppConfigDataClient } from '@aws-sdk/client-appconfigdata';
import { ENV } from '../../core/contracts.ts';
import type { ManifestSource, SourceTarget } from './source.ts';

type AppConfigDataModule = typeof import('@aws-sdk/client-appconfigdata');

export class SdkSource implements ManifestSource {
  readonly description: string;
  nextFetchAt = 0;
  readonly #target: SourceTarget;
  readonly #pollIntervalSeconds: number;
  #client: AppConfigDataClient | undefined;
  #token: string | undefined;

  /** `pollIntervalSeconds` is requested from AppConfig (it accepts 15 to 86400). */
  constructor(target: SourceTarget, client: AppConfigDataClient | undefined, pollIntervalSeconds: number) {
    this.#target = target;
    this.#client = client;
    this.#pollIntervalSeconds = Math.min(86_400, Math.max(15, Math.ceil(pollIntervalSeconds)));
    this.description = `AppConfigData ${target.application}/${target.environment}/${target.profile}`;
  }

  async fetch(): Promise<string | undefined> {
    const sdk = await import('@aws-sdk/client-appconfigdata');
    this.#client ??= createClient(sdk);
    if (this.#token === undefined) return this.#poll(sdk, await this.#startSession(sdk));
    try {
      return await this.#poll(sdk, this.#token);
    } catch (error) {
      if ((error as Error | undefined)?.name !== 'BadRequestException') throw error;
      return this.#poll(sdk, await this.#startSession(sdk));
    }
  }

  reset(): void {
    this.#token = undefined;
  }

  async #startSession(sdk: AppConfigDataModule): Promise<string> {
    this.#token = undefined;
    const out = await (this.#client as AppConfigDataClient).send(
      new sdk.StartConfigurationSessionCommand({
        ApplicationIdentifier: this.#target.application,
        EnvironmentIdentifier: this.#target.environment,
        ConfigurationProfileIdentifier: this.#target.profile,
        RequiredMinimumPollIntervalInSeconds: this.#pollIntervalSeconds,
      }),
    );
    if (!out.InitialConfigurationToken) throw new Error('StartConfigurationSession returned no token');
    return out.InitialConfigurationToken;
  }

  async #poll(sdk: AppConfigDataModule, token: string): Promise<string | undefined> {
    const out = await (this.#client as AppConfigDataClient).send(
      new sdk.GetLatestConfigurationCommand({ ConfigurationToken: token }),
    );
    this.#token = out.NextPollConfigurationToken;
    this.nextFetchAt = Date.now() + (out.NextPollIntervalInSeconds ?? this.#pollIntervalSeconds) * 1000;
    // An unchanged configuration comes back as an empty body, which the SDK gives as null.
    const bytes = out.Configuration;
    return bytes === undefined || bytes === null || bytes.length === 0
      ? undefined
      : new TextDecoder().decode(bytes);
  }
}

function createClient(sdk: AppConfigDataModule): AppConfigDataClient {
  const endpoint = process.env[ENV.appConfigDataEndpoint];
  return new sdk.AppConfigDataClient(endpoint ? { endpoint } : {});
}
