/** The shadow report's view of environment pins on AWS: the environment state items of the main table. */
import { requiredResource } from '../../src/core/handler-environment.ts';
import { sharedDocumentClient } from '../adapters/aws-clients.ts';
import { DynamoEnvironmentStore } from '../adapters/environment-store.ts';
import type { EnvironmentStore } from '../delivery/ports.ts';
import { handlerEnvironment } from '../runtime/config.ts';
import type { EnvironmentPinsReader } from './shadow-report.ts';

/** Pins as an environment store records them (none for an environment never deployed). */
export function pinsFromStore(store: Pick<EnvironmentStore, 'get'>): EnvironmentPinsReader {
  return { pins: async (environment) => (await store.get(environment))?.pins ?? {} };
}

let reader: EnvironmentPinsReader | undefined;

export function environmentPinsReader(): EnvironmentPinsReader {
  reader ??= pinsFromStore(
    new DynamoEnvironmentStore(sharedDocumentClient(), requiredResource(handlerEnvironment(), 'table')),
  );
  return reader;
}
