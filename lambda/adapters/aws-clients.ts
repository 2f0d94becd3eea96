/**
 * AWS SDK clients, created once per Lambda container. Endpoints can be pointed at local
 * implementations (dynalite, s3rver, the AppConfig emulator, moto) through PROMPTOPS_*_ENDPOINT.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ENV } from '../../src/core/contracts.ts';

function endpoint(variable: string): { endpoint?: string } {
  const value = process.env[variable];
  return value ? { endpoint: value } : {};
}

let documentClient: DynamoDBDocumentClient | undefined;
let s3Client: S3Client | undefined;

export function sharedDocumentClient(): DynamoDBDocumentClient {
  documentClient ??= DynamoDBDocumentClient.from(new DynamoDBClient(endpoint(ENV.dynamodbEndpoint)), {
    marshallOptions: { removeUndefinedValues: true },
  });
  return documentClient;
}

export function sharedS3Client(): S3Client {
  const custom = endpoint(ENV.s3Endpoint);
  // Local S3 implementations serve buckets by path, not by virtual host.
  s3Client ??= new S3Client(custom.endpoint ? { ...custom, forcePathStyle: true } : {});
  return s3Client;
}
