/**
 * Direct access to a stack's tables and body bucket, for export and import: a faithful round trip
 * needs the items as stored (authors, dates, approvals), which the API does not write back.
 * Bodies go through the Lambdas' own S3 body store (content-addressed, verified on read); items are
 * read and written raw (the repositories would rebuild them, dropping approvals). Where the stack is:
 * local mode's `<data dir>/endpoints.json`, or `cdk-outputs.json` (TableName, FeedbackTableName,
 * BodyBucketName) for AWS.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { S3Client } from '@aws-sdk/client-s3';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { S3BodyStore } from '../../lambda/adapters/body-store.ts';
import {
  CDK_OUTPUTS_FILE,
  ENDPOINTS_FILE,
  type LocalEndpointsFile,
  localDataDir,
  readCdkOutputs,
  readLocalEndpoints,
} from './config.ts';
import type { CommandContext } from './context.ts';
import { localEndpointsFor } from './environments.ts';
import { CliError } from './errors.ts';

export interface StackStorage {
  /** For people: where this is. */
  readonly description: string;
  readonly source: Readonly<Record<string, string>>;
  readonly table: string;
  readonly feedbackTable: string;
  readonly bucket: string;
  readonly documents: DynamoDBDocumentClient;
  readonly bodies: S3BodyStore;
  close(): void;
}

interface Location {
  readonly description: string;
  readonly table: string;
  readonly feedbackTable: string;
  readonly bucket: string;
  readonly region: string;
  readonly dynamodbEndpoint?: string;
  readonly s3Endpoint?: string;
  readonly local: boolean;
}

/** s3rver's one account (local mode); dynalite accepts any credentials. */
const LOCAL_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };

function fromEndpointsFile(endpoints: LocalEndpointsFile, path: string): Location {
  const missing = (['dynamodb', 's3', 'table', 'feedbackTable', 'bucket'] as const).filter(
    (k) => typeof endpoints[k] !== 'string',
  );
  if (missing.length > 0)
    throw new CliError(
      `${path} lacks ${missing.join(', ')}: this local mode does not say where its storage is`,
    );
  return {
    description: `local mode (${path})`,
    table: endpoints.table as string,
    feedbackTable: endpoints.feedbackTable as string,
    bucket: endpoints.bucket as string,
    region: 'us-east-1',
    dynamodbEndpoint: endpoints.dynamodb as string,
    s3Endpoint: endpoints.s3 as string,
    local: true,
  };
}

async function locate(ctx: CommandContext, dataDirOption: string | undefined): Promise<Location> {
  const config = await ctx.config();
  if (dataDirOption !== undefined) {
    const dir = localDataDir(config, ctx.io, dataDirOption);
    const endpoints = await readLocalEndpoints(dir);
    if (!endpoints)
      throw new CliError(`No ${ENDPOINTS_FILE} in ${dir}: is local mode running with that data folder?`);
    return fromEndpointsFile(endpoints, `${dir}/${ENDPOINTS_FILE}`);
  }
  const target = await ctx.target();
  if (target.local) {
    const endpoints = await localEndpointsFor(ctx, target);
    const dir = localDataDir(config, ctx.io);
    if (!endpoints)
      throw new CliError(
        `The API ${target.endpoint} is local mode, but ${dir}/${ENDPOINTS_FILE} is not for it`,
        {
          details: ['Pass --data-dir <the folder local mode runs with>.'],
        },
      );
    return fromEndpointsFile(endpoints, `${dir}/${ENDPOINTS_FILE}`);
  }
  const outputs = await readCdkOutputs(ctx.io.cwd);
  if (!outputs)
    throw new CliError(`Export and import read the stack's tables directly: no ${CDK_OUTPUTS_FILE} found`, {
      details: [`Run them where npx cdk deploy --outputs-file ${CDK_OUTPUTS_FILE} wrote it.`],
    });
  const { TableName, FeedbackTableName, BodyBucketName } = outputs.outputs;
  if (!TableName || !FeedbackTableName || !BodyBucketName)
    throw new CliError(
      `${outputs.path} lacks TableName, FeedbackTableName or BodyBucketName for stack ${outputs.stack}`,
    );
  if (!target.region) throw new CliError(`No region for stack ${outputs.stack}: set AWS_REGION`);
  return {
    description: `stack ${outputs.stack} in ${target.region}`,
    table: TableName,
    feedbackTable: FeedbackTableName,
    bucket: BodyBucketName,
    region: target.region,
    local: false,
  };
}

export async function openStorage(ctx: CommandContext, dataDirOption?: string): Promise<StackStorage> {
  const location = await locate(ctx, dataDirOption);
  // The body store imports the S3 client: loaded here with the SDK, not when the CLI starts.
  const [{ DynamoDBClient }, { S3Client }, { DynamoDBDocumentClient }, { S3BodyStore }] = await Promise.all([
    import('@aws-sdk/client-dynamodb'),
    import('@aws-sdk/client-s3'),
    import('@aws-sdk/lib-dynamodb'),
    import('../../lambda/adapters/body-store.ts'),
  ]);
  const common = { region: location.region, ...(location.local ? { credentials: LOCAL_CREDENTIALS } : {}) };
  const dynamo: DynamoDBClient = new DynamoDBClient({
    ...common,
    ...(location.dynamodbEndpoint ? { endpoint: location.dynamodbEndpoint } : {}),
  });
  const s3: S3Client = new S3Client({
    ...common,
    ...(location.s3Endpoint ? { endpoint: location.s3Endpoint, forcePathStyle: true } : {}),
  });
  ctx.debug(
    `storage: ${location.description}: table ${location.table}, feedback ${location.feedbackTable}, bucket ${location.bucket}`,
  );
  return {
    description: location.description,
    source: {
      stack: location.description,
      table: location.table,
      feedbackTable: location.feedbackTable,
      bucket: location.bucket,
    },
    table: location.table,
    feedbackTable: location.feedbackTable,
    bucket: location.bucket,
    documents: DynamoDBDocumentClient.from(dynamo, { marshallOptions: { removeUndefinedValues: true } }),
    bodies: new S3BodyStore(s3, location.bucket),
    close() {
      dynamo.destroy();
      s3.destroy();
    },
  };
}

/** Runs `use` with the stack's storage open and closes it afterwards, also when `use` fails. */
export async function withStorage<T>(
  ctx: CommandContext,
  dataDirOption: string | undefined,
  use: (storage: StackStorage) => Promise<T>,
): Promise<T> {
  const storage = await openStorage(ctx, dataDirOption);
  try {
    return await use(storage);
  } finally {
    storage.close();
  }
}
