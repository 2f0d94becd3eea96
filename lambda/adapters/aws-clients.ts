/**
 * The DynamoDB client, created once per Lambda container (the S3 client is in s3-client.ts, so a
 * function that never reads S3 does not load its SDK at init). Endpoints can be pointed at local
 * implementations (dynalite, s3rver, the AppConfig emulator, moto) through PROMPTOPS_*_ENDPOINT.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ENV } from '../../src/core/contracts.ts';

/** The endpoint override a PROMPTOPS_*_ENDPOINT variable names, as SDK client config. */
export function endpointOverride(variable: string): { endpoint?: string } {
  const value = process.env[variable];
  return value ? { endpoint: value } : {};
}

let documentClient: DynamoDBDocumentClient | undefined;

export function sharedDocumentClient(): DynamoDBDocumentClient {
  documentClient ??= DynamoDBDocumentClient.from(new DynamoDBClient(endpointOverride(ENV.dynamodbEndpoint)), {
    marshallOptions: { removeUndefinedValues: true },
  });
  return documentClient;
}
