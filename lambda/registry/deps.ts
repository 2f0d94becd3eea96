/** The registry's adapters, built once per Lambda container on first use. */
import { ENV } from '../../src/core/contracts.ts';
import { DynamoAuditLog } from '../adapters/audit-log.ts';
import { sharedDocumentClient, sharedS3Client } from '../adapters/aws-clients.ts';
import { S3BodyStore } from '../adapters/body-store.ts';
import { DynamoPromptRepository } from '../adapters/prompt-repository.ts';
import type { RegistryDeps } from '../ports.ts';
import { requiredEnv } from '../runtime/config.ts';

let deps: RegistryDeps | undefined;

export function registryDeps(): RegistryDeps {
  if (!deps) {
    const table = requiredEnv(ENV.table);
    const documents = sharedDocumentClient();
    deps = {
      prompts: new DynamoPromptRepository(documents, table),
      bodies: new S3BodyStore(sharedS3Client(), requiredEnv(ENV.bodyBucket)),
      audit: new DynamoAuditLog(documents, table),
      now: () => new Date(),
    };
  }
  return deps;
}
