/**
 * Creates the tables and bucket of a PromptOps stack on any DynamoDB/S3 endpoint (dynalite, s3rver,
 * DynamoDB Local, moto) from the same core contracts the CDK stack uses.
 */
import {
  CreateTableCommand,
  type CreateTableCommandInput,
  DescribeTableCommand,
  type DynamoDBClient,
  ResourceInUseException,
} from '@aws-sdk/client-dynamodb';
import { CreateBucketCommand, HeadBucketCommand, type S3Client } from '@aws-sdk/client-s3';
import { FEEDBACK_TABLE_INDEXES, IDEMPOTENCY_TABLE, MAIN_TABLE_INDEXES, TABLE } from '../core/contracts.ts';

type Index = { readonly name: string; readonly partitionKey: string; readonly sortKey: string };

export function tableDefinition(tableName: string, indexes: readonly Index[]): CreateTableCommandInput {
  const attributes = [
    TABLE.partitionKey,
    TABLE.sortKey,
    ...indexes.flatMap((i) => [i.partitionKey, i.sortKey]),
  ];
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: attributes.map((name) => ({ AttributeName: name, AttributeType: 'S' })),
    KeySchema: [
      { AttributeName: TABLE.partitionKey, KeyType: 'HASH' },
      { AttributeName: TABLE.sortKey, KeyType: 'RANGE' },
    ],
    ...(indexes.length > 0
      ? {
          GlobalSecondaryIndexes: indexes.map((index) => ({
            IndexName: index.name,
            KeySchema: [
              { AttributeName: index.partitionKey, KeyType: 'HASH' },
              { AttributeName: index.sortKey, KeyType: 'RANGE' },
            ],
            Projection: { ProjectionType: 'ALL' },
          })),
        }
      : {}),
  };
}

export interface StackResources {
  readonly table: string;
  readonly feedbackTable: string;
  readonly bucket: string;
  /** The Idempotency-Key records (docs/architecture.md, "Idempotent writes"). */
  readonly idempotencyTable?: string;
}

/** The idempotency table: Powertools' layout, one string key. */
export function idempotencyTableDefinition(tableName: string): CreateTableCommandInput {
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [{ AttributeName: IDEMPOTENCY_TABLE.partitionKey, AttributeType: 'S' }],
    KeySchema: [{ AttributeName: IDEMPOTENCY_TABLE.partitionKey, KeyType: 'HASH' }],
  };
}

async function ensureTable(client: DynamoDBClient, input: CreateTableCommandInput): Promise<void> {
  try {
    await client.send(new CreateTableCommand(input));
  } catch (error) {
    if (!(error instanceof ResourceInUseException) && (error as Error).name !== 'ResourceInUseException')
      throw error;
  }
  for (let attempt = 0; attempt < 50; attempt++) {
    const { Table } = await client.send(new DescribeTableCommand({ TableName: input.TableName }));
    if (Table?.TableStatus === 'ACTIVE') return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`Table ${input.TableName} did not become ACTIVE`);
}

/** Idempotent: existing tables and buckets are left as they are. */
export async function provisionStorage(
  dynamo: DynamoDBClient,
  s3: S3Client,
  resources: StackResources,
): Promise<void> {
  await ensureTable(dynamo, tableDefinition(resources.table, MAIN_TABLE_INDEXES));
  await ensureTable(dynamo, tableDefinition(resources.feedbackTable, FEEDBACK_TABLE_INDEXES));
  if (resources.idempotencyTable)
    await ensureTable(dynamo, idempotencyTableDefinition(resources.idempotencyTable));
  try {
    await s3.send(new HeadBucketCommand({ Bucket: resources.bucket }));
  } catch {
    await s3.send(new CreateBucketCommand({ Bucket: resources.bucket }));
  }
}
