/**
 * Starts dynalite and s3rver in-process on free ports and provisions the PromptOps tables and
 * bucket. When PROMPTOPS_DYNAMODB_ENDPOINT and PROMPTOPS_S3_ENDPOINT are set (moto, DynamoDB
 * Local, a real account), those are used instead and only fresh tables and a bucket are created.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import type { TestProject } from 'vitest/node';
import { ENV } from '../../../src/core/contracts.ts';
import { type EmbeddedService, startDynamoDb, startS3 } from '../../../src/local/embedded-services.ts';
import { provisionStorage, type StackResources } from '../../../src/local/provision.ts';

export interface IntegrationStack extends StackResources {
  readonly dynamodbEndpoint: string;
  readonly s3Endpoint: string;
  /**
   * What serves the endpoints: `embedded` (dynalite and s3rver here), `moto` (scripts/test-moto.sh
   * sets PROMPTOPS_INTEGRATION_STORE=moto), or `external` (any other endpoint). Tests that moto
   * makes slow read it for a moto-sized budget, never to skip.
   */
  readonly store: 'embedded' | 'moto' | 'external';
}

declare module 'vitest' {
  export interface ProvidedContext {
    promptops: IntegrationStack;
  }
}

export default async function setup(project: TestProject) {
  const suffix = randomBytes(4).toString('hex');
  const resources: StackResources = {
    table: `promptops-it-${suffix}`,
    feedbackTable: `promptops-it-feedback-${suffix}`,
    idempotencyTable: `promptops-it-idempotency-${suffix}`,
    bucket: `promptops-it-${suffix}`,
  };
  // s3rver knows one account, S3RVER; dynalite accepts any credentials.
  process.env.AWS_REGION ??= 'us-east-1';
  process.env.AWS_ACCESS_KEY_ID ??= 'S3RVER';
  process.env.AWS_SECRET_ACCESS_KEY ??= 'S3RVER';

  const services: EmbeddedService[] = [];
  let directory: string | undefined;
  let dynamodbEndpoint = process.env[ENV.dynamodbEndpoint];
  let s3Endpoint = process.env[ENV.s3Endpoint];
  let store: IntegrationStack['store'] =
    process.env.PROMPTOPS_INTEGRATION_STORE === 'moto' ? 'moto' : 'external';
  if (!dynamodbEndpoint || !s3Endpoint) {
    store = 'embedded';
    directory = await mkdtemp(join(tmpdir(), 'promptops-it-'));
    const dynamo = await startDynamoDb();
    const s3 = await startS3({ directory: join(directory, 's3'), buckets: [resources.bucket] });
    services.push(dynamo, s3);
    dynamodbEndpoint = dynamo.endpoint;
    s3Endpoint = s3.endpoint;
  }

  const dynamoClient = new DynamoDBClient({ endpoint: dynamodbEndpoint });
  const s3Client = new S3Client({ endpoint: s3Endpoint, forcePathStyle: true });
  await provisionStorage(dynamoClient, s3Client, resources);
  dynamoClient.destroy();
  s3Client.destroy();

  project.provide('promptops', { ...resources, dynamodbEndpoint, s3Endpoint, store });

  return async () => {
    await Promise.all(services.map((s) => s.close()));
    if (directory) await rm(directory, { recursive: true, force: true });
  };
}
