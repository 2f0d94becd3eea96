/**
 * The shadow report's view of environment pins on AWS: the environment state items of the main table;
 * and, where an environment captures shadow outputs, the pairs in the bodies bucket.
 */
import { requiredResource } from '../../src/core/handler-environment.ts';
import { sharedDocumentClient } from '../adapters/aws-clients.ts';
import { DynamoEnvironmentStore } from '../adapters/environment-store.ts';
import { lazyS3Client } from '../adapters/s3-client-lazy.ts';
import type { EnvironmentStore } from '../delivery/ports.ts';
import { handlerEnvironment } from '../runtime/config.ts';
import type { EnvironmentPinsReader } from './shadow-report.ts';
import { type ShadowOutputsReader, s3ShadowOutputs } from './shadow-report-outputs.ts';

/** Pins as an environment store records them (none for an environment never deployed), and the outputs reader. */
export function pinsFromStore(
  store: Pick<EnvironmentStore, 'get'>,
  outputs?: ShadowOutputsReader,
): EnvironmentPinsReader {
  return {
    pins: async (environment) => (await store.get(environment))?.pins ?? {},
    ...(outputs ? { outputs } : {}),
  };
}

let reader: EnvironmentPinsReader | undefined;

export function environmentPinsReader(): EnvironmentPinsReader {
  const environment = handlerEnvironment();
  // The query function may read the pairs only where an environment captures them (lib/private/promptops-handlers.ts).
  const bucket = environment.resources.bodyBucket;
  reader ??= pinsFromStore(
    new DynamoEnvironmentStore(sharedDocumentClient(), requiredResource(environment, 'table')),
    environment.settings.shadowOutputCapture.length > 0 && bucket !== undefined
      ? s3ShadowOutputs(lazyS3Client, bucket)
      : undefined,
  );
  return reader;
}
