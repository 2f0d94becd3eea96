/** What the delivery use cases need, built once per Lambda container on first use. */
import { AppConfigClient } from '@aws-sdk/client-appconfig';
import { ENV } from '../../src/core/contracts.ts';
import { AppConfigDelivery } from '../adapters/appconfig-delivery.ts';
import { DynamoAuditLog } from '../adapters/audit-log.ts';
import { sharedDocumentClient, sharedS3Client } from '../adapters/aws-clients.ts';
import { S3BodyStore } from '../adapters/body-store.ts';
import { DynamoEnvironmentStore } from '../adapters/environment-store.ts';
import { DynamoPromptRepository } from '../adapters/prompt-repository.ts';
import type { AuditLog, BodyStore, PromptRepository } from '../ports.ts';
import { requiredEnv } from '../runtime/config.ts';
import { type DeliveryConfig, deliveryConfigFromEnv } from './config.ts';
import type { Delivery, EnvironmentStore } from './ports.ts';

export interface DeliveryDeps {
  readonly prompts: PromptRepository;
  readonly bodies: BodyStore;
  readonly audit: AuditLog;
  readonly environments: EnvironmentStore;
  readonly delivery: Delivery;
  readonly config: DeliveryConfig;
  readonly now: () => Date;
}

let deps: DeliveryDeps | undefined;

export function deliveryDeps(): DeliveryDeps {
  if (!deps) {
    const table = requiredEnv(ENV.table);
    const documents = sharedDocumentClient();
    const config = deliveryConfigFromEnv();
    const endpoint = process.env[ENV.appConfigEndpoint];
    deps = {
      prompts: new DynamoPromptRepository(documents, table),
      bodies: new S3BodyStore(sharedS3Client(), requiredEnv(ENV.bodyBucket)),
      audit: new DynamoAuditLog(documents, table),
      environments: new DynamoEnvironmentStore(documents, table),
      delivery: new AppConfigDelivery(
        new AppConfigClient(endpoint ? { endpoint } : {}),
        config.applicationId,
        config.profileId,
      ),
      config,
      now: () => new Date(),
    };
  }
  return deps;
}
