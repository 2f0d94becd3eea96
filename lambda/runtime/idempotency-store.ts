/**
 * Powertools' idempotency middleware on the idempotency table (docs/architecture.md, "Idempotent
 * writes"). Loaded only by the first request that carries an Idempotency-Key
 * (middleware/idempotent-writes.ts), so handler import time stays what it was.
 */
import { IdempotencyConfig } from '@aws-lambda-powertools/idempotency';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import { makeHandlerIdempotent } from '@aws-lambda-powertools/idempotency/middleware';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { MiddlewareObj } from '@middy/core';
import { ENV, IDEMPOTENCY_TABLE } from '../../src/core/contracts.ts';
import { endpointOverride } from '../adapters/aws-clients.ts';

/**
 * One record per route, caller and key: a key one caller used is never another caller's replay,
 * and the same key on two routes are two requests.
 */
export const IDEMPOTENCY_KEY_PATH =
  '[routeKey, requestContext.authorizer.iam.userArn, headers."idempotency-key"]';

let client: DynamoDBClient | undefined;

export function idempotencyMiddleware(tableName: string, dynamo?: DynamoDBClient): MiddlewareObj {
  client ??= new DynamoDBClient(endpointOverride(ENV.dynamodbEndpoint));
  return makeHandlerIdempotent({
    persistenceStore: new DynamoDBPersistenceLayer({
      tableName,
      keyAttr: IDEMPOTENCY_TABLE.partitionKey,
      expiryAttr: IDEMPOTENCY_TABLE.ttlAttribute,
      awsSdkV3Client: dynamo ?? client,
    }),
    config: new IdempotencyConfig({
      eventKeyJmesPath: IDEMPOTENCY_KEY_PATH,
      // The raw body: a retry must send the same bytes, or it is a different request (422).
      payloadValidationJmesPath: 'body',
      expiresAfterSeconds: IDEMPOTENCY_TABLE.keepSeconds,
      throwOnNoIdempotencyKey: false,
    }),
  }) as MiddlewareObj;
}
