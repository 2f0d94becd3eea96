/** Points the handlers at the integration stack before any test module (and its clients) loads. */
import { inject } from 'vitest';
import { ENV } from '../../../src/core/contracts.ts';

const stack = inject('promptops');
process.env[ENV.dynamodbEndpoint] = stack.dynamodbEndpoint;
process.env[ENV.s3Endpoint] = stack.s3Endpoint;
process.env[ENV.table] = stack.table;
process.env[ENV.feedbackTable] = stack.feedbackTable;
if (stack.idempotencyTable) process.env[ENV.idempotencyTable] = stack.idempotencyTable;
process.env[ENV.bodyBucket] = stack.bucket;
process.env[ENV.environments] = 'dev,staging,prod';
// moto takes some 35 ms a store call where DynamoDB takes a few: a Lambda's 10 s there is a far
// shorter budget than on AWS, so test handlers get 45 s on moto (test/fixtures/api.ts).
if (stack.store === 'moto') process.env.PROMPTOPS_TEST_LAMBDA_BUDGET_MS = '45000';
