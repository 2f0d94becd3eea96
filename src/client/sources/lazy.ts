/**
 * The sources other than the agent, opened at the first fetch (deferred.ts): the default choice
 * between agent and SDK, the AppConfigData API and a file. Loaded only by a client that uses one, so
 * the agent path does not bundle their code.
 */
import '../load-path.ts';
import type { AppConfigDataClient } from '@aws-sdk/client-appconfigdata';
import type { SourceOptions } from '../client.ts';
import { chooseDefaultSource } from './auto.ts';
import { FileSource } from './file.ts';
import type { ManifestSource, SourceTarget } from './source.ts';

export async function openSource(
  target: SourceTarget,
  source: Exclude<SourceOptions, { type: 'agent' }> | undefined,
  maxAgeSeconds: number,
  timeoutMs: number,
): Promise<ManifestSource> {
  switch (source?.type) {
    case undefined:
      return chooseDefaultSource(target, maxAgeSeconds, undefined, undefined, timeoutMs);
    case 'sdk': {
      const { SdkSource } = await import('./sdk.ts');
      return new SdkSource(
        target,
        source.client as AppConfigDataClient | undefined,
        maxAgeSeconds,
        timeoutMs,
      );
    }
    case 'file':
      // Tests and local use only.
      return new FileSource(source.path);
  }
}
