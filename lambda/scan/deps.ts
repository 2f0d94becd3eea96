/** The scheduled scan's adapters: DynamoDB for pins, versions and audit, S3 for bodies, SNS to notify. */
import type { S3Client } from '@aws-sdk/client-s3';
import { SNSClient } from '@aws-sdk/client-sns';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { type HandlerEnvironment, requiredResource } from '../../src/core/handler-environment.ts';
import { DynamoAuditLog } from '../adapters/audit-log.ts';
import { sharedDocumentClient } from '../adapters/aws-clients.ts';
import { S3BodyStore } from '../adapters/body-store.ts';
import { DynamoEnvironmentStore } from '../adapters/environment-store.ts';
import { DynamoPromptRepository } from '../adapters/prompt-repository.ts';
import { sharedS3Client } from '../adapters/s3-client.ts';
import { SnsFindingsNotifier } from '../adapters/sns-notifier.ts';
import { handlerEnvironment } from '../runtime/config.ts';
import type { PinnedScanDeps } from './ports.ts';

export interface PinnedScanResources {
  readonly documents: DynamoDBDocumentClient;
  readonly s3: S3Client;
  readonly sns: SNSClient;
  readonly environment: HandlerEnvironment;
}

/** Needs the table, the body bucket and the operators' topic. */
export function buildPinnedScanDeps(resources: PinnedScanResources): PinnedScanDeps {
  const { environment } = resources;
  const table = requiredResource(environment, 'table');
  return {
    environments: new DynamoEnvironmentStore(resources.documents, table),
    prompts: new DynamoPromptRepository(resources.documents, table),
    bodies: new S3BodyStore(resources.s3, requiredResource(environment, 'bodyBucket')),
    audit: new DynamoAuditLog(resources.documents, table),
    notifier: new SnsFindingsNotifier(resources.sns, requiredResource(environment, 'operatorsTopicArn')),
    environmentNames: environment.settings.environments,
    now: () => new Date(),
  };
}

let deps: PinnedScanDeps | undefined;

/** Built once per container, on the first run. */
export function pinnedScanDeps(): PinnedScanDeps {
  deps ??= buildPinnedScanDeps({
    documents: sharedDocumentClient(),
    s3: sharedS3Client(),
    sns: new SNSClient({}),
    environment: handlerEnvironment(),
  });
  return deps;
}
