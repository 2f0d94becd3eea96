/** The registry's adapters: built from given clients (local mode), or once per Lambda container from the environment. */
import type { S3Client } from '@aws-sdk/client-s3';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { requiredResource } from '../../src/core/handler-environment.ts';
import { DynamoAuditLog } from '../adapters/audit-log.ts';
import { sharedDocumentClient } from '../adapters/aws-clients.ts';
import { S3BodyStore } from '../adapters/body-store.ts';
import { DynamoPromptRepository } from '../adapters/prompt-repository.ts';
import { sharedS3Client } from '../adapters/s3-client.ts';
import type { RegistryDeps } from '../ports.ts';
import { handlerEnvironment } from '../runtime/config.ts';

/** Where the registry lives: its clients and resource names. */
export interface RegistryResources {
  readonly documents: DynamoDBDocumentClient;
  readonly s3: S3Client;
  readonly table: string;
  readonly bucket: string;
}

export function buildRegistryDeps(resources: RegistryResources): RegistryDeps {
  return {
    prompts: new DynamoPromptRepository(resources.documents, resources.table),
    bodies: new S3BodyStore(resources.s3, resources.bucket),
    audit: new DynamoAuditLog(resources.documents, resources.table),
    now: () => new Date(),
  };
}

let deps: RegistryDeps | undefined;

export function registryDeps(): RegistryDeps {
  if (!deps) {
    const environment = handlerEnvironment();
    deps = buildRegistryDeps({
      documents: sharedDocumentClient(),
      s3: sharedS3Client(),
      table: requiredResource(environment, 'table'),
      bucket: requiredResource(environment, 'bodyBucket'),
    });
  }
  return deps;
}
