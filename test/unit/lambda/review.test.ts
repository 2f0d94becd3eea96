import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { handler } from '../../../lambda/handlers/review.ts';
import { ENV } from '../../../src/core/contracts.ts';
import { ALICE, BOB, call } from '../../fixtures/api.ts';
import { BUCKET, TABLE_NAME, versionItem } from '../../fixtures/registry.ts';
import { conditionalCheckFailed } from '../../fixtures/sdk-mocks.ts';

const dynamo = mockClient(DynamoDBDocumentClient);
const s3 = mockClient(S3Client);
const SHA = 'a'.repeat(64);

const approve = (
  options: Parameters<typeof call>[3] = {},
  path = '/prompts/support-reply/versions/1.0.0/approvals',
) => call(handler, 'POST', path, { caller: BOB, ...options });

function writes() {
  return (
    dynamo.commandCalls(PutCommand).length +
    dynamo.commandCalls(UpdateCommand).length +
    s3.commandCalls(PutObjectCommand).length
  );
}

beforeAll(() => {
  process.env[ENV.table] = TABLE_NAME;
  process.env[ENV.bodyBucket] = BUCKET;
});
afterAll(() => {
  dynamo.restore();
  s3.restore();
});
beforeEach(() => {
  dynamo.reset();
  s3.reset();
  dynamo.on(GetCommand).resolves({ Item: versionItem({ version: '1.0.0', sha256: SHA, createdBy: ALICE }) });
  dynamo.on(UpdateCommand).resolves({});
  dynamo.on(PutCommand).resolves({});
});

describe('Handler: review', () => {
  it('records an approval by someone other than the publisher: 201 {by, at}', async () => {
    const response = await approve({ body: { comment: 'Looks right' } });
    expect(response.status).toBe(201);
    expect(response.body).toEqual({ by: BOB, at: expect.stringMatching(/^\d{4}-/) });
    const update = dynamo.commandCalls(UpdateCommand)[0]?.args[0].input;
    expect(update).toMatchObject({
      UpdateExpression: 'SET #approvals.#by = :approval',
      ConditionExpression: 'attribute_exists(#pk) AND attribute_not_exists(#approvals.#by)',
      ExpressionAttributeNames: { '#by': BOB },
      ExpressionAttributeValues: { ':approval': { at: response.body.at, comment: 'Looks right' } },
    });
    const audit = dynamo.commandCalls(PutCommand)[0]?.args[0].input.Item;
    expect(audit).toMatchObject({
      action: 'prompt.approve',
      actor: BOB,
      target: 'support-reply@1.0.0',
      details: { comment: 'Looks right' },
    });
  });

  it('accepts an approval without a body', async () => {
    const response = await approve();
    expect(response.status).toBe(201);
  });

  it('is idempotent: a second approval by the same principal is 200 with the first one', async () => {
    dynamo.on(GetCommand).resolves({
      Item: versionItem({
        version: '1.0.0',
        sha256: SHA,
        createdBy: ALICE,
        approvals: { [BOB]: { at: '2026-11-02T00:00:00.000Z' } },
      }),
    });
    const response = await approve({ body: { comment: 'again' } });
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ by: BOB, at: '2026-11-02T00:00:00.000Z' });
    expect(dynamo.commandCalls(UpdateCommand)).toHaveLength(0);
  });

  it('answers 200 when a concurrent approval by the same principal won', async () => {
    dynamo.on(UpdateCommand).rejects(conditionalCheckFailed());
    dynamo
      .on(GetCommand)
      .resolvesOnce({ Item: versionItem({ version: '1.0.0', sha256: SHA, createdBy: ALICE }) })
      .resolves({
        Item: versionItem({
          version: '1.0.0',
          sha256: SHA,
          createdBy: ALICE,
          approvals: { [BOB]: { at: '2026-11-03T00:00:00.000Z' } },
        }),
      });
    const response = await approve();
    expect(response.status).toBe(200);
    expect(response.body.at).toBe('2026-11-03T00:00:00.000Z');
  });

  it('is 403 SELF_APPROVAL for the publisher, writing nothing', async () => {
    const response = await approve({ caller: ALICE });
    expect(response.status).toBe(403);
    expect(response.body.code).toBe('SELF_APPROVAL');
    expect(response.body.detail).toContain(ALICE);
    expect(writes()).toBe(0);
  });

  it('is 404 for a version that does not exist', async () => {
    dynamo.on(GetCommand).resolves({});
    const response = await approve();
    expect(response.status).toBe(404);
    expect(response.body.code).toBe('NOT_FOUND');
    expect(writes()).toBe(0);
  });

  it.each<[string, Parameters<typeof call>[3], string | undefined, number, string]>([
    [
      'malformed JSON',
      { rawBody: '{', headers: { 'content-type': 'application/json' } },
      undefined,
      400,
      'BAD_REQUEST',
    ],
    [
      'wrong content type',
      { rawBody: 'comment=x', headers: { 'content-type': 'application/x-www-form-urlencoded' } },
      undefined,
      415,
      'UNSUPPORTED_MEDIA_TYPE',
    ],
    ['comment of the wrong type', { body: { comment: 7 } }, undefined, 400, 'VALIDATION_FAILED'],
    [
      'comment over 1,000 characters',
      { body: { comment: 'x'.repeat(1001) } },
      undefined,
      400,
      'VALIDATION_FAILED',
    ],
    ['an unknown field', { body: { approve: true } }, undefined, 400, 'VALIDATION_FAILED'],
    [
      'a __proto__ key',
      { rawBody: '{"__proto__":{"x":1}}', headers: { 'content-type': 'application/json' } },
      undefined,
      400,
      'VALIDATION_FAILED',
    ],
    ['id ..', {}, '/prompts/../versions/1.0.0/approvals', 400, 'VALIDATION_FAILED'],
    ['id %2e%2e', {}, '/prompts/%2e%2e/versions/1.0.0/approvals', 400, 'VALIDATION_FAILED'],
    ['a look-alike id', {}, '/prompts/ѕupport/versions/1.0.0/approvals', 400, 'VALIDATION_FAILED'],
    [
      'a 65-character id',
      {},
      `/prompts/${'a'.repeat(65)}/versions/1.0.0/approvals`,
      400,
      'VALIDATION_FAILED',
    ],
    ['invalid semver', {}, '/prompts/support-reply/versions/1.0/approvals', 400, 'VALIDATION_FAILED'],
    ['no IAM identity', { caller: null }, undefined, 403, 'FORBIDDEN'],
  ])('rejects %s with its problem and writes nothing', async (_label, options, path, status, code) => {
    const response = await approve(options, path);
    expect(response.status).toBe(status);
    expect(response.headers['content-type']).toBe('application/problem+json');
    expect(response.body).toMatchObject({ status, code });
    expect(writes()).toBe(0);
  });
});
