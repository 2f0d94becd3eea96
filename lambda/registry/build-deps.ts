/**
 * The registry's adapters over given clients. Kept apart from `deps.ts` (which creates the clients at
 * init) so the deploy function can build them over a lazily created S3 client (docs/architecture.md
 * "Cold starts").
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoAuditLog } from '../adapters/audit-log.ts';
import { S3BodyStore } from '../adapters/body-store.ts';
import { DynamoPromptRepository } from '../adapters/prompt-repository.ts';
import type { S3ClientSource } from '../adapters/s3-client-lazy.ts';
import { S3VersionObjectStore } from '../adapters/version-object-store.ts';
import type { RegistryDeps } from '../ports.ts';

/** Where the registry lives: its clients and resource names. */
export interface RegistryResources {
  readonly documents: DynamoDBDocumentClient;
  /** The S3 client, or a function making it on first use (s3-client-lazy.ts). */
  readonly s3: S3ClientSource;
  readonly table: string;
  readonly bucket: string;
}

export function buildRegistryDeps(resources: RegistryResources): RegistryDeps {
  return {
    prompts: new DynamoPromptRepository(resources.documents, resources.table),
    bodies: new S3BodyStore(resources.s3, resources.bucket),
    versionObjects: new S3VersionObjectStore(resources.s3, resources.bucket),
    audit: new DynamoAuditLog(resources.documents, resources.table),
    now: () => new Date(),
  };
}
