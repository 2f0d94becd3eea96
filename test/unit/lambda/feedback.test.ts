import { createHmac } from 'node:crypto';
import {
  DeleteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  ScanCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { buildFeedbackDeps } from '../../../lambda/feedback/deps.ts';
import { createFeedbackHandler, handler } from '../../../lambda/handlers/feedback.ts';
import { ENV, KEYS } from '../../../src/core/contracts.ts';
import { feedbackShardOf } from '../../../src/core/feedback-shards.ts';
import { DIMENSION_SETS, METRIC_NAMESPACE } from '../../../src/core/metrics.ts';
import { versionSortKey } from '../../../src/core/versioning.ts';
import { apiGatewayEvent } from '../../../src/local/api-event.ts';
import { type ApiHandler, call, lambdaContext } from '../../fixtures/api.ts';
import { captureOutput, expectValidEmf } from '../../fixtures/feedback-emf.ts';
import { TABLE_NAME, versionItem } from '../../fixtures/registry.ts';

// Debug logging on, so the tests see every line the handler could log (identities must be in none).
vi.hoisted(() => {
  process.env.POWERTOOLS_LOG_LEVEL = 'DEBUG';
});

const FEEDBACK_TABLE = 'promptops-test-feedback';
const SECRET = 'unit-test-secret-7c1e9a4b2d';
const RETENTION_DAYS = 30;
const NOW = '2026-11-05T14:30:00.000Z';
const NOW_MS = Date.parse(NOW);
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

const dynamo = mockClient(DynamoDBDocumentClient);
let output: ReturnType<typeof captureOutput>;

/** The handler as deployed, with the clock fixed. */
const atNow = createFeedbackHandler(() => ({ ...buildFeedbackDeps(), now: () => new Date(NOW) }));

const valid = { promptId: 'support-reply', version: '1.4.0', environment: 'prod', rating: 1 };

const post = (body: unknown, options: { rawBody?: string; headers?: Record<string, string> } = {}) =>
  call(atNow, 'POST', '/feedback', { body, ...options });
const report = (query?: Record<string, string>, id = 'support-reply', using: ApiHandler = handler) =>
  call(using, 'GET', `/prompts/${encodeURIComponent(id)}/feedback`, query ? { query } : {});

function writesSent(): number {
  return (
    dynamo.commandCalls(PutCommand).length +
    dynamo.commandCalls(UpdateCommand).length +
    dynamo.commandCalls(DeleteCommand).length
  );
}

function feedbackReads(): number {
  return dynamo.commandCalls(QueryCommand, { TableName: FEEDBACK_TABLE }).length;
}

function putItem() {
  const [put] = dynamo.commandCalls(PutCommand);
  expect(put, 'one PutItem').toBeDefined();
  return put?.args[0].input.Item as Record<string, unknown>;
}

function aggregateUpdate() {
  const [update] = dynamo.commandCalls(UpdateCommand);
  expect(update, 'one UpdateItem').toBeDefined();
  return update?.args[0].input as {
    Key: Record<string, string>;
    UpdateExpression: string;
    ConditionExpression?: string;
    ExpressionAttributeValues: Record<string, unknown>;
  };
}

function hmac(kind: string, value: string, secret = SECRET): string {
  return createHmac('sha256', secret).update(`${kind}:${value}`).digest('hex');
}

/** A daily aggregate item as the index returns it (projected attributes). */
function aggregate(version: string, day: string, counts: Partial<Record<string, number>>) {
  return { version, day, count: 0, positive: 0, negative: 0, stars: 0, starsSum: 0, ...counts };
}

/** These versions of support-reply exist (the latest definition of a mock wins). */
function mockVersions(...versions: string[]) {
  for (const version of versions) {
    dynamo
      .on(GetCommand, {
        TableName: TABLE_NAME,
        Key: { pk: KEYS.promptPk('support-reply'), sk: KEYS.versionSk(versionSortKey(version)) },
      })
      .resolves({ Item: versionItem({ version, sha256: 'a'.repeat(64), createdBy: 'alice' }) });
  }
}

/** Runs `fn` with one environment variable set (or unset), then puts it back. */
async function withEnv(name: string, value: string | undefined, fn: () => Promise<void>) {
  const configured = process.env[name];
  if (value === undefined) delete process.env[name];
  else process.env[name] = value;
  try {
    await fn();
  } finally {
    if (configured === undefined) delete process.env[name];
    else process.env[name] = configured;
  }
}

/** The aggregates as shard 0 (the unsharded keys) holds them; the other shards are empty. */
function mockAggregates(...items: ReturnType<typeof aggregate>[]) {
  dynamo.on(QueryCommand, { TableName: FEEDBACK_TABLE }).resolves({ Items: [] });
  dynamo
    .on(QueryCommand, {
      TableName: FEEDBACK_TABLE,
      ExpressionAttributeValues: { ':gpk': 'AGGREGATE#prod#support-reply' },
    })
    .resolves({ Items: items });
}

beforeAll(() => {
  process.env[ENV.table] = TABLE_NAME;
  process.env[ENV.feedbackTable] = FEEDBACK_TABLE;
  process.env[ENV.feedbackHashSecret] = SECRET;
  process.env[ENV.feedbackRetentionDays] = String(RETENTION_DAYS);
  process.env[ENV.environments] = 'dev,staging,prod';
});

afterAll(() => {
  dynamo.restore();
});

beforeEach(() => {
  dynamo.reset();
  dynamo.on(GetCommand).resolves({});
  dynamo.on(PutCommand).resolves({});
  dynamo.on(UpdateCommand).resolves({});
  dynamo.on(DeleteCommand).resolves({});
  dynamo.on(QueryCommand).resolves({ Items: [] });
  mockVersions('1.4.0');
  output = captureOutput();
});

afterEach(() => {
  output.restore();
  // Every read is a GetItem or a Query: a report never scans the feedback table.
  expect(dynamo.commandCalls(ScanCommand)).toHaveLength(0);
});

describe('Handler: feedback', () => {
  describe('POST /feedback', () => {
    it('stores the feedback, counts it in its daily aggregate and answers 202 with its id', async () => {
      const response = await post({ ...valid, comment: 'Clear and kind', tags: ['helpful', 'tone'] });

      expect(response.status).toBe(202);
      expect(response.headers['content-type']).toBe('application/json');
      expect(response.body).toEqual({ id: expect.stringMatching(UUID) });
      const id = response.body.id as string;

      const [read] = dynamo.commandCalls(GetCommand);
      expect(read?.args[0].input).toMatchObject({
        TableName: TABLE_NAME,
        Key: { pk: 'PROMPT#support-reply' },
      });

      const put = dynamo.commandCalls(PutCommand)[0]?.args[0].input;
      expect(put).toMatchObject({
        TableName: FEEDBACK_TABLE,
        ConditionExpression: 'attribute_not_exists(#pk)',
      });
      expect(put?.Item).toEqual({
        pk: 'FEEDBACK#prod#support-reply#1.4.0',
        sk: `ITEM#${NOW}#${id}`,
        feedbackId: id,
        promptId: 'support-reply',
        version: '1.4.0',
        environment: 'prod',
        scale: 'thumbs',
        rating: 1,
        sentiment: 'positive',
        at: NOW,
        comment: 'Clear and kind',
        tags: ['helpful', 'tone'],
        expiresAt: NOW_MS / 1000 + RETENTION_DAYS * 86_400,
        shard: feedbackShardOf(id),
        gsi2pk: expect.stringMatching(/^PENDING#\d\d$/),
        gsi2sk: `${NOW}#${id}`,
      });
      const stored = put?.Item as Record<string, string>;

      const shard = feedbackShardOf(id);
      const suffix = shard === 0 ? '' : `#${String(shard).padStart(2, '0')}`;
      const update = aggregateUpdate();
      expect(update).toMatchObject({
        TableName: FEEDBACK_TABLE,
        Key: { pk: 'FEEDBACK#prod#support-reply#1.4.0', sk: `AGGREGATE#2026-11-05${suffix}` },
      });
      // Atomic counters: ADD, no read before it; the only condition refuses an item a settle already counted.
      expect(update.UpdateExpression).toMatch(
        / ADD #count :count, #positive :positive, #negative :negative, #stars :stars, #starsSum :starsSum, #revision :one$/,
      );
      expect(update.ConditionExpression).toBe(
        'attribute_not_exists(#claimed) OR NOT contains(#claimed, :id)',
      );
      expect(update.ExpressionAttributeValues).toEqual({
        ':count': 1,
        ':positive': 1,
        ':negative': 0,
        ':stars': 0,
        ':starsSum': 0,
        ':one': 1,
        ':id': id,
        ':gpk': `AGGREGATE#prod#support-reply${suffix}`,
        ':gsk': '2026-11-05#1.4.0',
        ':environment': 'prod',
        ':promptId': 'support-reply',
        ':version': '1.4.0',
        ':day': '2026-11-05',
        ':shard': shard,
      });
      // Then the item's pending mark goes: counted, nothing left for the reconciler.
      const cleared = dynamo.commandCalls(UpdateCommand)[1]?.args[0].input;
      expect(cleared).toMatchObject({
        Key: { pk: stored.pk, sk: stored.sk },
        UpdateExpression: 'REMOVE #ppk, #psk',
      });
      const [putCall] = dynamo.commandCalls(PutCommand);
      const [updateCall] = dynamo.commandCalls(UpdateCommand);
      expect(putCall && updateCall && putCall.calledBefore(updateCall)).toBe(true);
      expect(dynamo.commandCalls(QueryCommand)).toHaveLength(0);
    });

    it('emits one EMF line with FeedbackCount, NegativeFeedback and the rating, per version and rolled up', async () => {
      await post(valid);
      const lines = output.emf();
      expect(lines).toHaveLength(1);
      const emf = expectValidEmf(lines[0]);
      expect(emf._aws.Timestamp).toBe(NOW_MS);
      expect(emf._aws.CloudWatchMetrics).toEqual([
        {
          Namespace: METRIC_NAMESPACE,
          Dimensions: [['Environment', 'PromptId', 'PromptVersion'], ['Environment']],
          Metrics: [
            { Name: 'FeedbackCount', Unit: 'Count' },
            { Name: 'NegativeFeedback', Unit: 'Count' },
            { Name: 'FeedbackRating', Unit: 'None' },
          ],
        },
      ]);
      expect(emf._aws.CloudWatchMetrics[0]?.Dimensions).toEqual(DIMENSION_SETS);
      expect(emf).toMatchObject({
        Environment: 'prod',
        PromptId: 'support-reply',
        PromptVersion: '1.4.0',
        FeedbackCount: 1,
        NegativeFeedback: 0,
        FeedbackRating: 1,
      });
    });

    it('counts a thumbs down as negative', async () => {
      expect((await post({ ...valid, rating: -1, scale: 'thumbs' })).status).toBe(202);
      expect(putItem()).toMatchObject({ scale: 'thumbs', rating: -1, sentiment: 'negative' });
      expect(aggregateUpdate().ExpressionAttributeValues).toMatchObject({
        ':count': 1,
        ':positive': 0,
        ':negative': 1,
        ':stars': 0,
        ':starsSum': 0,
      });
      expect(expectValidEmf(output.emf()[0])).toMatchObject({ NegativeFeedback: 1, FeedbackRating: -1 });
    });

    it.each([
      [1, 'negative', 0, 1],
      [2, 'negative', 0, 1],
      [3, 'neutral', 0, 0],
      [4, 'positive', 1, 0],
      [5, 'positive', 1, 0],
    ])('counts %d stars as %s', async (rating, sentiment, positive, negative) => {
      expect((await post({ ...valid, scale: 'stars', rating })).status).toBe(202);
      expect(putItem()).toMatchObject({ scale: 'stars', rating, sentiment });
      expect(aggregateUpdate().ExpressionAttributeValues).toMatchObject({
        ':count': 1,
        ':positive': positive,
        ':negative': negative,
        ':stars': 1,
        ':starsSum': rating,
      });
      expect(expectValidEmf(output.emf()[0])).toMatchObject({
        FeedbackCount: 1,
        NegativeFeedback: negative,
        FeedbackRating: rating,
      });
    });

    it('counts a UTC day: just before midnight UTC is the earlier day, whatever the local time', async () => {
      const lateNight = createFeedbackHandler(() => ({
        ...buildFeedbackDeps(),
        now: () => new Date('2026-11-05T23:59:59.999Z'),
      }));
      await call(lateNight, 'POST', '/feedback', { body: valid });
      expect(aggregateUpdate().Key.sk).toMatch(/^AGGREGATE#2026-11-05(#\d\d)?$/);
    });

    it('accepts a comment of exactly 2,000 characters and 10 tags of 64 characters', async () => {
      const tags = Array.from({ length: 10 }, (_, i) => `${i}`.padEnd(64, 't'));
      const response = await post({ ...valid, comment: 'c'.repeat(2000), tags });
      expect(response.status).toBe(202);
      expect(putItem()).toMatchObject({ comment: 'c'.repeat(2000), tags });
    });

    it('stores the segment whose pin served on the item (docs/segments.md)', async () => {
      const response = await post({ ...valid, segment: 'beta' });
      expect(response.status).toBe(202);
      expect(putItem()).toMatchObject({ segment: 'beta' });
      const without = await post(valid);
      expect(without.status).toBe(202);
    });

    it('keeps feedback forever (no TTL attribute) when no retention is configured', async () => {
      await withEnv(ENV.feedbackRetentionDays, undefined, async () => {
        const unlimited = createFeedbackHandler(buildFeedbackDeps);
        expect((await call(unlimited, 'POST', '/feedback', { body: valid })).status).toBe(202);
        expect(putItem()).not.toHaveProperty('expiresAt');
      });
    });

    it('is 404 NOT_FOUND for a version that was never published, writing and emitting nothing', async () => {
      dynamo.on(GetCommand, { TableName: TABLE_NAME }).resolves({});
      const response = await post({ ...valid, version: '9.9.9' });
      expect(response.status).toBe(404);
      expect(response.headers['content-type']).toBe('application/problem+json');
      expect(response.body).toMatchObject({
        code: 'NOT_FOUND',
        status: 404,
        detail: 'Prompt support-reply has no version 9.9.9',
      });
      expect(writesSent()).toBe(0);
      expect(output.emf()).toHaveLength(0);
    });
  });

  describe('identities', () => {
    const userId = 'ana.souza@example.com';
    const sessionId = 'sess-4f1d9c0b';

    it('stores user and session ids only as keyed hashes: in no item, response or log line in clear', async () => {
      const response = await post({ ...valid, userId, sessionId });
      expect(response.status).toBe(202);

      expect(putItem()).toMatchObject({
        userHash: hmac('user', userId),
        sessionHash: hmac('session', sessionId),
      });
      expect(putItem()).not.toHaveProperty('userId');
      expect(putItem()).not.toHaveProperty('sessionId');
      const sent = JSON.stringify(dynamo.calls().map((c) => c.args[0].input));
      const logged = output.text();
      // The debug log line is there, so the logs were seen, and they hold neither id.
      expect(logged).toContain('feedback recorded');
      for (const raw of [userId, sessionId]) {
        expect(sent).not.toContain(raw);
        expect(logged).not.toContain(raw);
        expect(JSON.stringify(response.body)).not.toContain(raw);
      }
    });

    it('hashes with the secret: another secret, or the other kind of id, gives another hash', async () => {
      await post({ ...valid, userId, sessionId: userId });
      const item = putItem();
      expect(item.userHash).toMatch(/^[0-9a-f]{64}$/);
      expect(item.userHash).not.toBe(item.sessionHash);
      expect(item.userHash).not.toBe(hmac('user', userId, 'another-secret-of-enough-length'));
      expect(item.userHash).not.toBe(createHmac('sha256', '').update(userId).digest('hex'));
    });

    it('echoes no identity in the problem or the logs when the request is rejected', async () => {
      const response = await post({ ...valid, rating: 7, userId, sessionId });
      expect(response.status).toBe(400);
      const logged = output.text();
      expect(logged).toContain('request rejected');
      for (const raw of [userId, sessionId]) {
        expect(JSON.stringify(response.body)).not.toContain(raw);
        expect(logged).not.toContain(raw);
      }
    });
  });

  describe('faults', () => {
    it('deletes the stored item when counting it fails, answers 500 and emits nothing', async () => {
      dynamo.on(UpdateCommand).rejects(new Error('aggregate write failed: internal detail'));
      const response = await call(atNow, 'POST', '/feedback', { body: valid, requestId: 'req-42' });
      expect(response.status).toBe(500);
      expect(response.body).toMatchObject({ code: 'INTERNAL', requestId: 'req-42' });
      expect(JSON.stringify(response.body)).not.toContain('internal detail');
      const stored = putItem();
      const [deleted] = dynamo.commandCalls(DeleteCommand);
      expect(deleted?.args[0].input).toEqual({
        TableName: FEEDBACK_TABLE,
        Key: { pk: stored.pk, sk: stored.sk },
      });
      expect(output.emf()).toHaveLength(0);
    });

    it('is 429 THROTTLED, with the item deleted again, when the aggregate update is throttled', async () => {
      dynamo
        .on(UpdateCommand)
        .rejects(Object.assign(new Error('slow down'), { name: 'ProvisionedThroughputExceededException' }));
      const response = await post(valid);
      expect(response.status).toBe(429);
      expect(response.body.code).toBe('THROTTLED');
      expect(dynamo.commandCalls(DeleteCommand)).toHaveLength(1);
      expect(output.emf()).toHaveLength(0);
    });

    it('logs both failures when counting and the undo fail', async () => {
      dynamo.on(UpdateCommand).rejects(new Error('aggregate write failed'));
      dynamo.on(DeleteCommand).rejects(new Error('delete failed'));
      const response = await post(valid);
      expect(response.status).toBe(500);
      expect(output.text()).toMatch(/was stored but not counted, and deleting it failed/);
      expect(output.emf()).toHaveLength(0);
    });

    it('writes nothing once the request has run out of time, so a keyed retry is the only count', async () => {
      const event = apiGatewayEvent({
        method: 'POST',
        path: '/feedback',
        routeKey: 'POST /feedback',
        caller: 'arn:aws:iam::123456789012:user/alice',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(valid),
      });
      // Less time left than one write may take: the handler must not start the put.
      const response = await atNow(event, { ...lambdaContext(), getRemainingTimeInMillis: () => 500 });
      expect(response.statusCode).toBe(500);
      expect(dynamo.commandCalls(PutCommand)).toHaveLength(0);
      expect(dynamo.commandCalls(UpdateCommand)).toHaveLength(0);
      expect(output.emf()).toHaveLength(0);
      // The same request with time left is recorded.
      expect((await atNow(event, lambdaContext())).statusCode).toBe(202);
      expect(dynamo.commandCalls(PutCommand)).toHaveLength(1);
    });

    it('does not count feedback whose item could not be stored', async () => {
      dynamo.on(PutCommand).rejects(new Error('put failed'));
      const response = await post(valid);
      expect(response.status).toBe(500);
      expect(dynamo.commandCalls(UpdateCommand)).toHaveLength(0);
      expect(output.emf()).toHaveLength(0);
    });

    it.each([
      [
        'a missing hash secret',
        ENV.feedbackHashSecret,
        undefined,
        /PROMPTOPS_FEEDBACK_HASH_SECRET is not set/,
      ],
      ['a short hash secret', ENV.feedbackHashSecret, 'short', /hash secret has 5 characters/],
      [
        'a malformed retention',
        ENV.feedbackRetentionDays,
        'ninety',
        /PROMPTOPS_FEEDBACK_RETENTION_DAYS must be a whole number of days of at least 1, got \\"ninety\\"/,
      ],
      ['a missing feedback table', ENV.feedbackTable, undefined, /PROMPTOPS_FEEDBACK_TABLE_NAME is not set/],
    ])('is a logged 500 for %s, storing nothing (never a silent fallback)', async (_label, name, value, logged) => {
      await withEnv(name, value, async () => {
        const misconfigured = createFeedbackHandler(buildFeedbackDeps);
        const response = await call(misconfigured, 'POST', '/feedback', {
          body: { ...valid, userId: 'u-1' },
        });
        expect(response.status).toBe(500);
        expect(response.body.code).toBe('INTERNAL');
        expect(output.text()).toMatch(logged);
        expect(writesSent()).toBe(0);
        expect(output.emf()).toHaveLength(0);
      });
    });
  });

  describe('POST /feedback bad input: the documented 4xx, a problem body, nothing written, no metric', () => {
    it.each<[string, () => ReturnType<typeof post>, number, string]>([
      [
        'malformed JSON',
        () => post(undefined, { rawBody: '{"rating": ', headers: { 'content-type': 'application/json' } }),
        400,
        'BAD_REQUEST',
      ],
      [
        'an empty body',
        () => post(undefined, { rawBody: '', headers: { 'content-type': 'application/json' } }),
        400,
        'BAD_REQUEST',
      ],
      [
        'a form body',
        () =>
          post(undefined, {
            rawBody: 'rating=1',
            headers: { 'content-type': 'application/x-www-form-urlencoded' },
          }),
        415,
        'UNSUPPORTED_MEDIA_TYPE',
      ],
      [
        'an oversize body',
        () => post({ ...valid, comment: 'x'.repeat(300 * 1024) }),
        413,
        'PAYLOAD_TOO_LARGE',
      ],
      ['a JSON array', () => post([valid]), 400, 'VALIDATION_FAILED'],
      ['missing promptId', () => post({ ...valid, promptId: undefined }), 400, 'VALIDATION_FAILED'],
      ['missing version', () => post({ ...valid, version: undefined }), 400, 'VALIDATION_FAILED'],
      ['missing environment', () => post({ ...valid, environment: undefined }), 400, 'VALIDATION_FAILED'],
      ['missing rating', () => post({ ...valid, rating: undefined }), 400, 'VALIDATION_FAILED'],
      ['an invalid prompt id', () => post({ ...valid, promptId: 'Support_Reply' }), 400, 'VALIDATION_FAILED'],
      ['a v-prefixed version', () => post({ ...valid, version: 'v1.4.0' }), 400, 'VALIDATION_FAILED'],
      [
        'an environment that is not configured',
        () => post({ ...valid, environment: 'qa' }),
        400,
        'VALIDATION_FAILED',
      ],
      [
        'an invalid environment name',
        () => post({ ...valid, environment: 'Prod!' }),
        400,
        'VALIDATION_FAILED',
      ],
      ['a rating as a string', () => post({ ...valid, rating: '1' }), 400, 'VALIDATION_FAILED'],
      ['thumbs rating 0', () => post({ ...valid, rating: 0 }), 400, 'VALIDATION_FAILED'],
      ['thumbs rating 2', () => post({ ...valid, rating: 2 }), 400, 'VALIDATION_FAILED'],
      [
        'thumbs rating 5 (stars without the scale)',
        () => post({ ...valid, rating: 5 }),
        400,
        'VALIDATION_FAILED',
      ],
      ['stars rating 0', () => post({ ...valid, scale: 'stars', rating: 0 }), 400, 'VALIDATION_FAILED'],
      ['stars rating 6', () => post({ ...valid, scale: 'stars', rating: 6 }), 400, 'VALIDATION_FAILED'],
      ['stars rating 4.5', () => post({ ...valid, scale: 'stars', rating: 4.5 }), 400, 'VALIDATION_FAILED'],
      ['stars rating -1', () => post({ ...valid, scale: 'stars', rating: -1 }), 400, 'VALIDATION_FAILED'],
      ['an unknown scale', () => post({ ...valid, scale: 'emoji' }), 400, 'VALIDATION_FAILED'],
      [
        'a comment of 2,001 characters',
        () => post({ ...valid, comment: 'c'.repeat(2001) }),
        400,
        'VALIDATION_FAILED',
      ],
      [
        'a comment that is not a string',
        () => post({ ...valid, comment: { text: 'hi' } }),
        400,
        'VALIDATION_FAILED',
      ],
      [
        '11 tags',
        () => post({ ...valid, tags: Array.from({ length: 11 }, (_, i) => `tag-${i}`) }),
        400,
        'VALIDATION_FAILED',
      ],
      ['a tag of 65 characters', () => post({ ...valid, tags: ['t'.repeat(65)] }), 400, 'VALIDATION_FAILED'],
      ['an empty tag', () => post({ ...valid, tags: [''] }), 400, 'VALIDATION_FAILED'],
      ['tags as a string', () => post({ ...valid, tags: 'helpful' }), 400, 'VALIDATION_FAILED'],
      ['a numeric userId', () => post({ ...valid, userId: 42 }), 400, 'VALIDATION_FAILED'],
      ['an empty sessionId', () => post({ ...valid, sessionId: '' }), 400, 'VALIDATION_FAILED'],
      [
        'a userId of 257 characters',
        () => post({ ...valid, userId: 'u'.repeat(257) }),
        400,
        'VALIDATION_FAILED',
      ],
      ['an unknown field', () => post({ ...valid, weight: 2 }), 400, 'VALIDATION_FAILED'],
      ['a segment with capitals', () => post({ ...valid, segment: 'Beta' }), 400, 'VALIDATION_FAILED'],
      ['an empty segment', () => post({ ...valid, segment: '' }), 400, 'VALIDATION_FAILED'],
      ['a segment that is not a string', () => post({ ...valid, segment: 7 }), 400, 'VALIDATION_FAILED'],
      [
        'a __proto__ key',
        () =>
          post(undefined, {
            rawBody: `{"promptId":"support-reply","version":"1.4.0","environment":"prod","rating":1,"__proto__":{"admin":true}}`,
            headers: { 'content-type': 'application/json' },
          }),
        400,
        'VALIDATION_FAILED',
      ],
      [
        'no IAM identity',
        () => call(atNow, 'POST', '/feedback', { body: valid, caller: null }),
        403,
        'FORBIDDEN',
      ],
    ])('%s', async (_label, send, status, code) => {
      const response = await send();
      expect(response.status).toBe(status);
      expect(response.headers['content-type']).toBe('application/problem+json');
      expect(response.body).toMatchObject({
        status,
        code,
        title: expect.any(String),
        detail: expect.any(String),
        type: expect.stringContaining('urn:promptops:problem:'),
      });
      expect(writesSent()).toBe(0);
      expect(output.emf()).toHaveLength(0);
    });

    it('names every offending field', async () => {
      const response = await post({
        ...valid,
        scale: 'stars',
        rating: 9,
        comment: 'c'.repeat(2001),
        tags: ['ok', 't'.repeat(65)],
      });
      expect(response.body.errors).toEqual(
        expect.arrayContaining([
          { path: 'rating', message: 'must be a whole number of stars from 1 to 5 on the stars scale' },
          { path: 'comment', message: 'must be at most 2000 characters, got 2001' },
          { path: 'tags.1', message: 'must be at most 64 characters' },
        ]),
      );
    });

    it('says which environments are configured', async () => {
      const response = await post({ ...valid, environment: 'qa' });
      expect(response.body.errors).toEqual([
        {
          path: 'environment',
          message: '"qa" is not a configured environment: use one of dev, staging, prod',
        },
      ]);
      expect(dynamo.commandCalls(GetCommand)).toHaveLength(0);
    });

    it('names segment and the rule for an invalid segment', async () => {
      const response = await post({ ...valid, segment: 'beta_users' });
      expect(response.status).toBe(400);
      expect(response.body.errors).toEqual([
        {
          path: 'segment',
          message: 'must be a segment name: 1 to 32 characters of a-z, 0-9 and -, starting with a letter',
        },
      ]);
      expect(writesSent()).toBe(0);
    });

    it('counts tags, not characters, against the tag limit', async () => {
      const response = await post({ ...valid, tags: Array.from({ length: 11 }, () => 'x') });
      expect(response.body.errors).toEqual([{ path: 'tags', message: 'must have at most 10 tags, got 11' }]);
    });
  });

  describe('GET /prompts/{id}/feedback', () => {
    beforeEach(() => {
      // Only versions given to mockVersions exist; the prompt's latest answers the registry Query.
      dynamo.on(GetCommand, { TableName: TABLE_NAME }).resolves({});
      dynamo
        .on(QueryCommand, { TableName: TABLE_NAME })
        .resolves({ Items: [versionItem({ version: '1.5.0', sha256: 'a'.repeat(64), createdBy: 'alice' })] });
    });

    it('sums the daily aggregates per version, newest first, with the mean of star ratings', async () => {
      mockAggregates(
        aggregate('1.4.0', '2026-11-01', { count: 3, positive: 2, negative: 1 }),
        aggregate('1.10.0', '2026-11-01', { count: 4, positive: 1, negative: 2, stars: 3, starsSum: 10 }),
        aggregate('1.4.0', '2026-11-02', { count: 2, positive: 1, negative: 0, stars: 2, starsSum: 7 }),
        aggregate('1.10.0', '2026-11-03', { count: 1, positive: 1, negative: 0, stars: 1, starsSum: 5 }),
      );
      const response = await report({ environment: 'prod' });
      expect(response.status).toBe(200);
      expect(response.body.versions).toEqual([
        { version: '1.10.0', count: 5, positive: 2, negative: 2, mean: 15 / 4 },
        { version: '1.4.0', count: 5, positive: 3, negative: 1, mean: 3.5 },
      ]);

      const query = dynamo.commandCalls(QueryCommand, { TableName: FEEDBACK_TABLE })[0]?.args[0].input;
      expect(query).toMatchObject({
        IndexName: 'gsi1',
        KeyConditionExpression: '#gpk = :gpk',
        ExpressionAttributeValues: { ':gpk': 'AGGREGATE#prod#support-reply' },
      });
      expect(writesSent()).toBe(0);
      expect(output.emf()).toHaveLength(0);
    });

    it('leaves out the mean of a version without star ratings', async () => {
      mockAggregates(aggregate('1.4.0', '2026-11-01', { count: 3, positive: 2, negative: 1 }));
      const response = await report({ environment: 'prod' });
      expect(response.body).toEqual({ versions: [{ version: '1.4.0', count: 3, positive: 2, negative: 1 }] });
    });

    it('answers an empty list for a prompt without feedback in that environment', async () => {
      const response = await report({ environment: 'dev' });
      expect(response.status).toBe(200);
      expect(response.body).toEqual({ versions: [] });
    });

    it('compares the two versions with the most feedback, the older as baseline (OpenStax figures)', async () => {
      mockAggregates(
        aggregate('1.5.0', '2026-11-01', { count: 200, positive: 180, negative: 20 }),
        aggregate('1.4.0', '2026-11-01', { count: 150, positive: 140, negative: 10 }),
        aggregate('1.4.0', '2026-11-02', { count: 50, positive: 48, negative: 2 }),
        aggregate('1.3.0', '2026-11-01', { count: 10, positive: 1, negative: 9 }),
      );
      const response = await report({ environment: 'prod' });
      const { comparison } = response.body;
      expect(comparison).toMatchObject({ baseline: '1.4.0', candidate: '1.5.0', significant: false });
      expect(comparison.difference).toBeCloseTo(0.04, 12);
      expect(comparison.pValue).toBeCloseTo(0.1404, 4);
    });

    it('keeps the older version as the baseline when it has the most feedback', async () => {
      mockAggregates(
        aggregate('1.4.0', '2026-11-01', { count: 300, negative: 30 }),
        aggregate('1.5.0', '2026-11-04', { count: 40, negative: 12 }),
        aggregate('1.3.0', '2026-10-01', { count: 39, negative: 1 }),
      );
      const { comparison } = (await report({ environment: 'prod' })).body;
      expect(comparison).toMatchObject({ baseline: '1.4.0', candidate: '1.5.0' });
      expect(comparison.difference).toBeCloseTo(0.3 - 0.1, 12);
    });

    it('is significant when p < 0.05 with at least 30 ratings on each side', async () => {
      mockAggregates(
        aggregate('1.4.0', '2026-11-01', { count: 100, negative: 38 }),
        aggregate('1.5.0', '2026-11-01', { count: 200, negative: 102 }),
      );
      const { comparison } = (await report({ environment: 'prod' })).body;
      expect(comparison.pValue).toBeCloseTo(0.0334, 4);
      expect(comparison.significant).toBe(true);
    });

    it('is not significant with fewer than 30 ratings on a side, however clear the difference', async () => {
      mockAggregates(
        aggregate('1.4.0', '2026-11-01', { count: 29, negative: 0, positive: 29 }),
        aggregate('1.5.0', '2026-11-01', { count: 400, negative: 380, positive: 20 }),
      );
      const { comparison } = (await report({ environment: 'prod' })).body;
      expect(comparison.pValue).toBeLessThan(1e-10);
      expect(comparison.significant).toBe(false);
    });

    it('compares the baseline and candidate it is given instead', async () => {
      mockVersions('1.3.0', '1.5.0');
      mockAggregates(
        aggregate('1.3.0', '2026-11-01', { count: 40, negative: 4 }),
        aggregate('1.4.0', '2026-11-01', { count: 900, negative: 90 }),
        aggregate('1.5.0', '2026-11-01', { count: 800, negative: 80 }),
      );
      const { comparison } = (await report({ environment: 'prod', baseline: '1.5.0', candidate: '1.3.0' }))
        .body;
      expect(comparison).toMatchObject({ baseline: '1.5.0', candidate: '1.3.0', difference: 0, pValue: 1 });
    });

    it('has no comparison with feedback on one version only', async () => {
      mockAggregates(aggregate('1.4.0', '2026-11-01', { count: 300, negative: 30 }));
      expect((await report({ environment: 'prod' })).body.comparison).toBeUndefined();
    });

    it('has no comparison when a requested version has no feedback in the window', async () => {
      mockVersions('1.3.0', '1.4.0');
      mockAggregates(aggregate('1.4.0', '2026-11-01', { count: 300, negative: 30 }));
      const response = await report({ environment: 'prod', baseline: '1.3.0', candidate: '1.4.0' });
      expect(response.status).toBe(200);
      expect(response.body.comparison).toBeUndefined();
    });

    it.each([
      ['a date', '2026-11-01', '2026-11-01'],
      ['a date-time in UTC', '2026-11-01T18:45:00Z', '2026-11-01'],
      ['a date-time with an offset, counted by its UTC day', '2026-11-01T23:30:00-02:00', '2026-11-02'],
      ['a date-time with fractional seconds', '2026-11-01T00:00:00.123+01:00', '2026-10-31'],
    ])('reads whole UTC days from since: %s', async (_label, since, day) => {
      mockAggregates(aggregate('1.4.0', day, { count: 2, positive: 2 }));
      const response = await report({ environment: 'prod', since });
      expect(response.status).toBe(200);
      const query = dynamo.commandCalls(QueryCommand, { TableName: FEEDBACK_TABLE })[0]?.args[0].input;
      expect(query).toMatchObject({
        IndexName: 'gsi1',
        KeyConditionExpression: '#gpk = :gpk AND #gsk >= :since',
        ExpressionAttributeNames: { '#gpk': 'gsi1pk', '#gsk': 'gsi1sk' },
        ExpressionAttributeValues: { ':gpk': 'AGGREGATE#prod#support-reply', ':since': day },
      });
    });

    it('reads every page of aggregates', async () => {
      const shard0 = {
        TableName: FEEDBACK_TABLE,
        ExpressionAttributeValues: { ':gpk': 'AGGREGATE#prod#support-reply' },
      };
      dynamo.on(QueryCommand, { TableName: FEEDBACK_TABLE }).resolves({ Items: [] });
      dynamo
        .on(QueryCommand, shard0)
        .resolvesOnce({
          Items: [aggregate('1.4.0', '2026-11-01', { count: 2, negative: 1, positive: 1 })],
          LastEvaluatedKey: { pk: 'p', sk: 's', gsi1pk: 'g', gsi1sk: 'h' },
        })
        .resolves({ Items: [aggregate('1.4.0', '2026-11-02', { count: 3, negative: 0, positive: 3 })] });
      const response = await report({ environment: 'prod' });
      expect(response.body.versions).toEqual([{ version: '1.4.0', count: 5, positive: 4, negative: 1 }]);
      const pages = dynamo.commandCalls(QueryCommand, shard0);
      expect(pages).toHaveLength(2);
      expect(pages[1]?.args[0].input.ExclusiveStartKey).toEqual({
        pk: 'p',
        sk: 's',
        gsi1pk: 'g',
        gsi1sk: 'h',
      });
    });

    it('sums the 16 shards of a day, the unsharded item as shard 0 (days counted before sharding read back)', async () => {
      dynamo.on(QueryCommand, { TableName: FEEDBACK_TABLE }).resolves({ Items: [] });
      mockAggregates(aggregate('1.4.0', '2026-11-01', { count: 7, positive: 5, negative: 2 }));
      for (const shard of [1, 9, 15])
        dynamo
          .on(QueryCommand, {
            TableName: FEEDBACK_TABLE,
            ExpressionAttributeValues: {
              ':gpk': `AGGREGATE#prod#support-reply#${String(shard).padStart(2, '0')}`,
            },
          })
          .resolves({ Items: [aggregate('1.4.0', '2026-11-01', { count: shard, positive: shard })] });
      const response = await report({ environment: 'prod' });
      expect(response.body.versions).toEqual([{ version: '1.4.0', count: 32, positive: 30, negative: 2 }]);
      const partitions = dynamo
        .commandCalls(QueryCommand, { TableName: FEEDBACK_TABLE })
        .map((c) => c.args[0].input.ExpressionAttributeValues?.[':gpk']);
      expect(new Set(partitions).size).toBe(16);
    });

    it('is 404 NOT_FOUND for a prompt that does not exist', async () => {
      dynamo.on(QueryCommand, { TableName: TABLE_NAME }).resolves({ Items: [] });
      const response = await report({ environment: 'prod' }, 'no-such-prompt');
      expect(response.status).toBe(404);
      expect(response.body).toMatchObject({
        code: 'NOT_FOUND',
        detail: 'Prompt no-such-prompt does not exist',
      });
    });

    it('is 404 NOT_FOUND for a baseline or candidate that was never published', async () => {
      mockVersions('1.4.0');
      const response = await report({ environment: 'prod', baseline: '1.4.0', candidate: '7.0.0' });
      expect(response.status).toBe(404);
      expect(response.body.detail).toBe('Prompt support-reply has no version 7.0.0');
    });

    it('answers 404 for a route it does not serve', async () => {
      const event = apiGatewayEvent({
        method: 'DELETE',
        path: '/feedback',
        routeKey: 'DELETE /feedback',
        caller: 'arn:aws:iam::123456789012:user/alice',
      });
      const response = await handler(event, lambdaContext());
      expect(response.statusCode).toBe(404);
      expect(JSON.parse(response.body ?? '{}').code).toBe('NOT_FOUND');
    });

    describe('bad input: the documented 400, a problem body, nothing read, written or emitted', () => {
      it.each<[string, Record<string, string> | undefined, string, string]>([
        ['no environment', undefined, 'support-reply', 'BAD_REQUEST'],
        ['an empty environment', { environment: '' }, 'support-reply', 'BAD_REQUEST'],
        [
          'an environment that is not configured',
          { environment: 'qa' },
          'support-reply',
          'VALIDATION_FAILED',
        ],
        [
          'since that is not a date',
          { environment: 'prod', since: 'yesterday' },
          'support-reply',
          'BAD_REQUEST',
        ],
        [
          'since on a day that does not exist',
          { environment: 'prod', since: '2026-02-30' },
          'support-reply',
          'BAD_REQUEST',
        ],
        [
          'since without a time zone',
          { environment: 'prod', since: '2026-11-01T10:00:00' },
          'support-reply',
          'BAD_REQUEST',
        ],
        [
          'a baseline without a candidate',
          { environment: 'prod', baseline: '1.4.0' },
          'support-reply',
          'BAD_REQUEST',
        ],
        [
          'a candidate without a baseline',
          { environment: 'prod', candidate: '1.4.0' },
          'support-reply',
          'BAD_REQUEST',
        ],
        [
          'a baseline that is not semver',
          { environment: 'prod', baseline: 'v1', candidate: '1.4.0' },
          'support-reply',
          'VALIDATION_FAILED',
        ],
        [
          'the same baseline and candidate',
          { environment: 'prod', baseline: '1.4.0', candidate: '1.4.0' },
          'support-reply',
          'VALIDATION_FAILED',
        ],
        ['an invalid prompt id', { environment: 'prod' }, 'Support_Reply', 'VALIDATION_FAILED'],
      ])('%s', async (_label, query, id, code) => {
        const response = await report(query, id);
        expect(response.status).toBe(400);
        expect(response.headers['content-type']).toBe('application/problem+json');
        expect(response.body).toMatchObject({
          status: 400,
          code,
          title: expect.any(String),
          detail: expect.any(String),
          type: expect.stringContaining('urn:promptops:problem:'),
        });
        expect(feedbackReads()).toBe(0);
        expect(writesSent()).toBe(0);
        expect(output.emf()).toHaveLength(0);
      });

      it('is 403 FORBIDDEN without an IAM identity', async () => {
        const response = await call(handler, 'GET', '/prompts/support-reply/feedback', {
          query: { environment: 'prod' },
          caller: null,
        });
        expect(response.status).toBe(403);
        expect(response.body.code).toBe('FORBIDDEN');
        expect(feedbackReads()).toBe(0);
      });

      it('explains the accepted forms of since', async () => {
        const response = await report({ environment: 'prod', since: 'last week' });
        expect(response.body.detail).toBe(
          'since "last week" is not a date: use YYYY-MM-DD or an ISO 8601 date-time with a time zone, such as 2026-03-01 or 2026-03-01T12:00:00Z',
        );
      });
    });
  });
});
