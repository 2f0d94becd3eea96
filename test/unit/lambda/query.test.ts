import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import {
  BatchGetCommand,
  DynamoDBDocumentClient,
  GetCommand,
  QueryCommand,
  ScanCommand,
} from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { encodeCursor } from '../../../lambda/adapters/pagination.ts';
import { handler } from '../../../lambda/handlers/query.ts';
import { ENV } from '../../../src/core/contracts.ts';
import { ALICE, BOB, call } from '../../fixtures/api.ts';
import { BUCKET, canonical, exampleDocument, TABLE_NAME, versionItem } from '../../fixtures/registry.ts';
import { s3Body } from '../../fixtures/sdk-mocks.ts';

const dynamo = mockClient(DynamoDBDocumentClient);
const s3 = mockClient(S3Client);
const v1 = canonical(exampleDocument());
const v2 = canonical(exampleDocument().replace('Plain text, at most 150 words.', 'JSON with a reply field.'));

const get = (path: string, query?: Record<string, string>) =>
  call(handler, 'GET', path, query ? { query } : {});

beforeAll(() => {
  process.env[ENV.table] = TABLE_NAME;
  process.env[ENV.bodyBucket] = BUCKET;
  process.env[ENV.environments] = 'dev,staging,prod';
});
afterAll(() => {
  dynamo.restore();
  s3.restore();
});
beforeEach(() => {
  dynamo.reset();
  s3.reset();
  dynamo.on(QueryCommand).resolves({ Items: [] });
  dynamo.on(GetCommand).resolves({});
  dynamo.on(BatchGetCommand).resolves({ Responses: { [TABLE_NAME]: [] } });
});
afterEach(() => {
  // Every read is a GetItem, BatchGetItem or Query: the cost of a read never grows with the table.
  expect(dynamo.commandCalls(ScanCommand)).toHaveLength(0);
});

describe('Handler: query', () => {
  describe('GET /prompts', () => {
    it('lists prompt summaries with an opaque cursor', async () => {
      dynamo.on(QueryCommand).resolves({
        Items: [
          {
            pk: 'PROMPTS',
            sk: 'PROMPT#a1',
            id: 'a1',
            latestVersion: '1.0.0',
            description: 'A',
            updatedAt: '2026-11-01T00:00:00.000Z',
          },
          // One more than the page: it says there is a next page, and is not shown.
          {
            pk: 'PROMPTS',
            sk: 'PROMPT#b2',
            id: 'b2',
            latestVersion: '1.0.0',
            updatedAt: '2026-11-01T00:00:00.000Z',
          },
        ],
        LastEvaluatedKey: { pk: 'PROMPTS', sk: 'PROMPT#b2' },
      });
      const response = await get('/prompts', { limit: '1' });
      expect(response.status).toBe(200);
      expect(response.body.items).toEqual([
        { id: 'a1', latestVersion: '1.0.0', description: 'A', updatedAt: '2026-11-01T00:00:00.000Z' },
      ]);
      expect(typeof response.body.nextCursor).toBe('string');
      const input = dynamo.commandCalls(QueryCommand)[0]?.args[0].input;
      expect(input).toMatchObject({
        KeyConditionExpression: '#pk = :pk',
        ExpressionAttributeValues: { ':pk': 'PROMPTS' },
        FilterExpression: 'attribute_not_exists(#archived)',
        Limit: 2,
      });

      await get('/prompts', { cursor: response.body.nextCursor });
      expect(dynamo.commandCalls(QueryCommand)[1]?.args[0].input.ExclusiveStartKey).toEqual({
        pk: 'PROMPTS',
        sk: 'PROMPT#a1',
      });
    });

    it('refills a page that archived prompts thinned, and resumes after the last prompt shown', async () => {
      const summary = (id: string, archived = false) => ({
        pk: 'PROMPTS',
        sk: `PROMPT#${id}`,
        id,
        latestVersion: '1.0.0',
        updatedAt: '2026-11-01T00:00:00.000Z',
        ...(archived ? { archived: { by: ALICE, at: '2026-11-01T00:00:00.000Z' } } : {}),
      });
      // DynamoDB applies the filter: the first Query found one live prompt among three evaluated.
      dynamo
        .on(QueryCommand)
        .resolvesOnce({ Items: [summary('a1')], LastEvaluatedKey: { pk: 'PROMPTS', sk: 'PROMPT#a3' } })
        .resolvesOnce({
          Items: [summary('b1'), summary('b2')],
          LastEvaluatedKey: { pk: 'PROMPTS', sk: 'PROMPT#b2' },
        });
      const response = await get('/prompts', { limit: '2' });
      expect(response.body.items.map((p: { id: string }) => p.id)).toEqual(['a1', 'b1']);
      const inputs = dynamo.commandCalls(QueryCommand).map((c) => c.args[0].input);
      expect(inputs[1]?.ExclusiveStartKey).toEqual({ pk: 'PROMPTS', sk: 'PROMPT#a3' });
      dynamo.reset();
      dynamo.on(QueryCommand).resolves({ Items: [] });
      await get('/prompts', { limit: '2', cursor: response.body.nextCursor });
      expect(dynamo.commandCalls(QueryCommand)[0]?.args[0].input.ExclusiveStartKey).toEqual({
        pk: 'PROMPTS',
        sk: 'PROMPT#b1',
      });
    });

    it('stops refilling after 10 Queries and answers a shorter page with a cursor', async () => {
      dynamo.on(QueryCommand).resolves({ Items: [], LastEvaluatedKey: { pk: 'PROMPTS', sk: 'PROMPT#z' } });
      const response = await get('/prompts', { limit: '5' });
      expect(response.status).toBe(200);
      expect(response.body.items).toEqual([]);
      expect(typeof response.body.nextCursor).toBe('string');
      expect(dynamo.commandCalls(QueryCommand)).toHaveLength(10);
    });

    it.each([
      ['limit 0', { limit: '0' }],
      ['limit 101', { limit: '101' }],
      ['limit abc', { limit: 'abc' }],
      ['limit 1.5', { limit: '1.5' }],
      ['a cursor that is not ours', { cursor: 'not-a-cursor' }],
      ['a cursor with other keys', { cursor: encodeCursor({ pk: 'PROMPTS', sk: 'x', extra: 'y' }) ?? '' }],
      ['a cursor with non-string keys', { cursor: encodeCursor({ pk: 'PROMPTS', sk: 1 }) ?? '' }],
    ])('rejects %s with 400 BAD_REQUEST', async (label, query) => {
      const response = await get('/prompts', query);
      expect(response.status).toBe(400);
      expect(response.body.code).toBe('BAD_REQUEST');
      // The problem names the parameter for programs too.
      expect(response.body.errors).toEqual([
        { path: label.startsWith('limit') ? 'limit' : 'cursor', message: response.body.detail },
      ]);
      expect(dynamo.commandCalls(QueryCommand)).toHaveLength(0);
    });
  });

  describe('GET /prompts/{id}', () => {
    it('gives the latest version and the pins of every environment', async () => {
      dynamo
        .on(QueryCommand)
        .resolves({ Items: [versionItem({ version: '1.1.0', sha256: v1.sha256, createdBy: ALICE })] });
      dynamo.on(BatchGetCommand).resolves({
        Responses: {
          [TABLE_NAME]: [
            { environment: 'dev', pins: { 'support-reply': '1.1.0' } },
            {
              environment: 'prod',
              pins: {
                'support-reply': {
                  variants: [
                    { version: '1.0.0', weight: 90 },
                    { version: '1.1.0', weight: 10 },
                  ],
                },
              },
            },
          ],
        },
      });
      const response = await get('/prompts/support-reply');
      expect(response.status).toBe(200);
      expect(response.body).toEqual({
        id: 'support-reply',
        latestVersion: '1.1.0',
        description: 'Replies to a customer support ticket',
        owner: 'support-team',
        environments: {
          dev: '1.1.0',
          prod: {
            variants: [
              { version: '1.0.0', weight: 90 },
              { version: '1.1.0', weight: 10 },
            ],
          },
        },
      });
      const batch = dynamo.commandCalls(BatchGetCommand)[0]?.args[0].input.RequestItems?.[TABLE_NAME];
      expect(batch?.Keys).toEqual([
        { pk: 'ENV#dev', sk: 'STATE' },
        { pk: 'ENV#staging', sk: 'STATE' },
        { pk: 'ENV#prod', sk: 'STATE' },
      ]);
      expect(batch?.ProjectionExpression).toBe('#env, #pins.#id');
    });

    it('is 404 for a prompt with no versions', async () => {
      const response = await get('/prompts/unknown-prompt');
      expect(response.status).toBe(404);
      expect(response.body.code).toBe('NOT_FOUND');
    });

    it.each([
      '..',
      '%2e%2e',
      'ѕupport',
      'a'.repeat(65),
      'UPPER',
    ])('rejects the id %j with 400 VALIDATION_FAILED', async (id) => {
      const response = await get(`/prompts/${encodeURIComponent(id)}`);
      expect(response.status).toBe(400);
      expect(response.body.code).toBe('VALIDATION_FAILED');
    });
  });

  describe('GET /prompts/{id}/versions', () => {
    it('lists versions newest first with their approvals', async () => {
      dynamo.on(QueryCommand).resolves({
        Items: [
          versionItem({
            version: '1.1.0',
            sha256: v2.sha256,
            createdBy: ALICE,
            approvals: { [BOB]: { at: '2026-11-02T00:00:00.000Z', comment: 'ok' } },
          }),
          versionItem({ version: '1.0.0', sha256: v1.sha256, createdBy: ALICE }),
        ],
      });
      const response = await get('/prompts/support-reply/versions', { limit: '2' });
      expect(response.status).toBe(200);
      expect(response.body.items.map((v: { version: string }) => v.version)).toEqual(['1.1.0', '1.0.0']);
      expect(response.body.items[0]).toEqual({
        version: '1.1.0',
        sha256: v2.sha256,
        createdBy: ALICE,
        createdAt: '2026-11-01T10:00:00.000Z',
        message: null,
        approvals: [{ by: BOB, at: '2026-11-02T00:00:00.000Z', comment: 'ok' }],
      });
      expect(dynamo.commandCalls(QueryCommand)[0]?.args[0].input).toMatchObject({
        ScanIndexForward: false,
        Limit: 2,
      });
    });

    it('is 404 for a prompt with no versions', async () => {
      expect((await get('/prompts/nothing-here/versions')).status).toBe(404);
    });
  });

  describe('GET /prompts/{id}/versions/{version}', () => {
    it('gives the version with its document', async () => {
      dynamo
        .on(GetCommand)
        .resolves({ Item: versionItem({ version: '1.0.0', sha256: v1.sha256, createdBy: ALICE }) });
      s3.on(GetObjectCommand).resolves({ Body: s3Body(v1.text) } as never);
      const response = await get('/prompts/support-reply/versions/1.0.0');
      expect(response.status).toBe(200);
      expect(response.body).toMatchObject({
        id: 'support-reply',
        version: '1.0.0',
        sha256: v1.sha256,
        document: v1.text,
        approvals: [],
      });
    });

    it('refuses a document whose hash does not match (500, never served)', async () => {
      dynamo
        .on(GetCommand)
        .resolves({ Item: versionItem({ version: '1.0.0', sha256: v1.sha256, createdBy: ALICE }) });
      s3.on(GetObjectCommand).resolves({ Body: s3Body(`${v1.text}tampered`) } as never);
      const response = await get('/prompts/support-reply/versions/1.0.0');
      expect(response.status).toBe(500);
      expect(JSON.stringify(response.body)).not.toContain('tampered');
    });

    it('is 404 for an unknown version and 400 for invalid semver', async () => {
      expect((await get('/prompts/support-reply/versions/9.9.9')).status).toBe(404);
      const bad = await get('/prompts/support-reply/versions/latest');
      expect(bad.status).toBe(400);
      expect(bad.body.code).toBe('VALIDATION_FAILED');
    });
  });

  describe('GET /prompts/{id}/diff', () => {
    beforeEach(() => {
      dynamo.on(GetCommand).callsFake((input: { Key: { sk: string } }) => ({
        Item: input.Key.sk.includes('000001.000000.000000')
          ? versionItem({ version: '1.0.0', sha256: v1.sha256, createdBy: ALICE })
          : input.Key.sk.includes('000002.000000.000000')
            ? versionItem({ version: '2.0.0', sha256: v2.sha256, createdBy: ALICE })
            : undefined,
      }));
      s3.on(GetObjectCommand).callsFake((input: { Key: string }) => ({
        Body: s3Body(input.Key.includes(v1.sha256) ? v1.text : v2.text),
      }));
    });

    it('gives a unified diff and the implied bump', async () => {
      const response = await get('/prompts/support-reply/diff', { from: '1.0.0', to: '2.0.0' });
      expect(response.status).toBe(200);
      expect(response.body.from).toBe('1.0.0');
      expect(response.body.to).toBe('2.0.0');
      expect(response.body.unified).toContain('-Plain text, at most 150 words.');
      expect(response.body.unified).toContain('+JSON with a reply field.');
      expect(response.body.bump).toEqual({
        level: 'major',
        reasons: ['major: section "output_format" text changed'],
      });
    });

    it.each([
      ['no from', { to: '2.0.0' }, 400, 'BAD_REQUEST'],
      ['no to', { from: '1.0.0' }, 400, 'BAD_REQUEST'],
      ['invalid semver', { from: '1', to: '2.0.0' }, 400, 'VALIDATION_FAILED'],
      ['an unknown version', { from: '1.0.0', to: '3.0.0' }, 404, 'NOT_FOUND'],
    ])('rejects %s', async (_label, query, status, code) => {
      const response = await get('/prompts/support-reply/diff', query);
      expect(response.status).toBe(status);
      expect(response.body.code).toBe(code);
    });
  });

  describe('GET /audit', () => {
    const event = {
      pk: 'AUDIT#x',
      sk: 'EVENT',
      eventId: 'x',
      at: '2026-11-01T10:00:00.000Z',
      actor: ALICE,
      action: 'prompt.publish',
      target: 'support-reply@1.0.0',
      details: { sha256: v1.sha256 },
      requestId: 'r1',
      promptId: 'support-reply',
    };

    it('lists every event newest first from the time index', async () => {
      // The event is in the legacy (unsharded) partition; every shard is empty.
      dynamo.on(QueryCommand).resolves({ Items: [] });
      dynamo
        .on(QueryCommand, { ExpressionAttributeValues: { ':ipk': 'AUDIT' } })
        .resolves({ Items: [event] });
      const response = await get('/audit');
      expect(response.status).toBe(200);
      expect(response.body.items).toEqual([
        {
          at: event.at,
          actor: ALICE,
          action: 'prompt.publish',
          target: 'support-reply@1.0.0',
          details: { sha256: v1.sha256 },
          requestId: 'r1',
        },
      ]);
      const inputs = dynamo.commandCalls(QueryCommand).map((c) => c.args[0].input);
      // Sixteen shards and the legacy partition (docs/architecture.md, "Sharded audit index").
      expect(inputs).toHaveLength(17);
      for (const input of inputs) expect(input).toMatchObject({ IndexName: 'gsi1', ScanIndexForward: false });
      expect(inputs.map((input) => input.ExpressionAttributeValues?.[':ipk'])).toContain('AUDIT');
      expect(inputs.map((input) => input.ExpressionAttributeValues?.[':ipk'])).toContain('AUDIT#ALL#15');
    });

    it('queries one prompt, one environment, or both', async () => {
      await get('/audit', { promptId: 'support-reply' });
      await get('/audit', { environment: 'prod' });
      await get('/audit', { promptId: 'support-reply', environment: 'prod' });
      const inputs = dynamo.commandCalls(QueryCommand).map((c) => c.args[0].input);
      expect(inputs[0]).toMatchObject({
        IndexName: 'gsi2',
        ExpressionAttributeValues: { ':ipk': 'AUDIT#PROMPT#support-reply' },
      });
      expect(inputs[1]).toMatchObject({
        IndexName: 'gsi3',
        ExpressionAttributeValues: { ':ipk': 'AUDIT#ENV#prod' },
      });
      expect(inputs[2]).toMatchObject({
        IndexName: 'gsi2',
        FilterExpression: '#environment = :environment',
        ExpressionAttributeValues: { ':environment': 'prod' },
      });
    });

    it.each([
      ['an invalid prompt id', { promptId: '../x' }, 'VALIDATION_FAILED'],
      ['an invalid environment', { environment: 'PROD!' }, 'VALIDATION_FAILED'],
      ['an invalid limit', { limit: '-1' }, 'BAD_REQUEST'],
    ])('rejects %s', async (_label, query, code) => {
      const response = await get('/audit', query);
      expect(response.status).toBe(400);
      expect(response.body.code).toBe(code);
    });
  });

  it('is 403 without an IAM identity', async () => {
    const response = await call(handler, 'GET', '/prompts', { caller: null });
    expect(response.status).toBe(403);
  });
});
