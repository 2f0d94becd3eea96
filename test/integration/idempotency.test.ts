/**
 * Idempotency-Key on the write routes against a real DynamoDB implementation (dynalite by default):
 * a retry with the same key and body answers the first response and writes nothing more; the same
 * key with another body is 422 IDEMPOTENCY_KEY_REUSED and writes nothing (docs/architecture.md).
 */
import { randomBytes } from 'node:crypto';
import { QueryCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { sharedDocumentClient } from '../../lambda/adapters/aws-clients.ts';
import { handler as feedbackHandler } from '../../lambda/handlers/feedback.ts';
import { handler as publishHandler } from '../../lambda/handlers/publish.ts';
import { handler as reviewHandler } from '../../lambda/handlers/review.ts';
import { ENV, KEYS } from '../../src/core/contracts.ts';
import { BOB, call } from '../fixtures/api.ts';
import { exampleDocument } from '../fixtures/registry.ts';

process.env[ENV.feedbackHashSecret] ??= `it-${randomBytes(16).toString('hex')}`;

const newKey = () => `key-${randomBytes(8).toString('hex')}`;
const withKey = (key: string) => ({ 'idempotency-key': key });

async function published(): Promise<string> {
  const id = `idem-${randomBytes(5).toString('hex')}`;
  const document = exampleDocument('Replies to a customer support ticket').replace(
    'id: support-reply',
    `id: ${id}`,
  );
  const response = await call(publishHandler, 'POST', `/prompts/${id}/versions`, { body: { document } });
  expect(response.status).toBe(201);
  return id;
}

async function feedbackItems(id: string) {
  const pk = KEYS.feedbackPk('prod', id, '1.0.0');
  const { Items = [] } = await sharedDocumentClient().send(
    new QueryCommand({
      TableName: process.env[ENV.feedbackTable],
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': pk },
      ConsistentRead: true,
    }),
  );
  const items = Items.filter((i) => String(i.sk).startsWith(KEYS.feedbackItemSkPrefix));
  const aggregates = Items.filter((i) => String(i.sk).startsWith(KEYS.feedbackAggregateSkPrefix));
  return { items, count: aggregates.reduce((total, a) => total + Number(a.count ?? 0), 0) };
}

const postFeedback = (body: Record<string, unknown>, key?: string) =>
  call(feedbackHandler, 'POST', '/feedback', { body, ...(key ? { headers: withKey(key) } : {}) });

describe('Idempotency-Key', () => {
  it('feedback: a retry with the same key and body answers the first response and counts once', async () => {
    const id = await published();
    const key = newKey();
    const body = { promptId: id, version: '1.0.0', environment: 'prod', rating: 1 };
    const first = await postFeedback(body, key);
    expect(first.status).toBe(202);
    const retries = await Promise.all([postFeedback(body, key), postFeedback(body, key)]);
    for (const retry of retries) {
      expect(retry.status).toBe(202);
      expect(retry.body).toEqual(first.body);
    }
    const stored = await feedbackItems(id);
    expect(stored.items.map((i) => i.feedbackId)).toEqual([first.body.id]);
    expect(stored.count).toBe(1);
  });

  it('feedback: the same key with another body is 422 IDEMPOTENCY_KEY_REUSED and writes nothing', async () => {
    const id = await published();
    const key = newKey();
    const first = await postFeedback({ promptId: id, version: '1.0.0', environment: 'prod', rating: 1 }, key);
    expect(first.status).toBe(202);
    const reused = await postFeedback(
      { promptId: id, version: '1.0.0', environment: 'prod', rating: -1 },
      key,
    );
    expect(reused.status).toBe(422);
    expect(reused.headers['content-type']).toContain('application/problem+json');
    expect(reused.body).toMatchObject({
      type: 'urn:promptops:problem:idempotency-key-reused',
      status: 422,
      code: 'IDEMPOTENCY_KEY_REUSED',
    });
    const stored = await feedbackItems(id);
    expect(stored.items).toHaveLength(1);
    expect(stored.items[0]?.sentiment).toBe('positive');
    expect(stored.count).toBe(1);
    // The first request's record survives the refusal: its retry still replays.
    const replay = await postFeedback(
      { promptId: id, version: '1.0.0', environment: 'prod', rating: 1 },
      key,
    );
    expect(replay.body).toEqual(first.body);
  });

  it('feedback: without a key every post is its own; a key is per caller', async () => {
    const id = await published();
    const body = { promptId: id, version: '1.0.0', environment: 'prod', rating: 1 };
    expect((await postFeedback(body)).status).toBe(202);
    expect((await postFeedback(body)).status).toBe(202);
    const key = newKey();
    const alice = await postFeedback(body, key);
    const bob = await call(feedbackHandler, 'POST', '/feedback', {
      body,
      headers: withKey(key),
      caller: BOB,
    });
    expect(bob.status).toBe(202);
    expect(bob.body.id).not.toBe(alice.body.id);
    const stored = await feedbackItems(id);
    expect(stored.items).toHaveLength(4);
    expect(stored.count).toBe(4);
  });

  it('a refused request keeps no record: the same key runs again once the cause is fixed', async () => {
    const id = `idem-${randomBytes(5).toString('hex')}`;
    const key = newKey();
    const body = { promptId: id, version: '1.0.0', environment: 'prod', rating: 1 };
    const missing = await postFeedback(body, key);
    expect(missing.status).toBe(404);
    const document = exampleDocument('Replies to a customer support ticket').replace(
      'id: support-reply',
      `id: ${id}`,
    );
    expect(
      (await call(publishHandler, 'POST', `/prompts/${id}/versions`, { body: { document } })).status,
    ).toBe(201);
    const retry = await postFeedback(body, key);
    expect(retry.status).toBe(202);
    expect((await feedbackItems(id)).count).toBe(1);
  });

  it('a blank or overlong key is 400 and writes nothing', async () => {
    const id = await published();
    const body = { promptId: id, version: '1.0.0', environment: 'prod', rating: 1 };
    for (const key of [' ', 'k'.repeat(256)]) {
      const response = await postFeedback(body, key);
      expect(response.status).toBe(400);
      expect(response.body.code).toBe('BAD_REQUEST');
    }
    expect((await feedbackItems(id)).items).toHaveLength(0);
  });

  it('publish: a retry with the same key answers the first 201, not 409 VERSION_EXISTS', async () => {
    const id = `idem-${randomBytes(5).toString('hex')}`;
    const document = exampleDocument('Replies to a customer support ticket').replace(
      'id: support-reply',
      `id: ${id}`,
    );
    const key = newKey();
    const publish = (doc: string) =>
      call(publishHandler, 'POST', `/prompts/${id}/versions`, {
        body: { document: doc },
        headers: withKey(key),
      });
    const first = await publish(document);
    expect(first.status).toBe(201);
    const retry = await publish(document);
    expect(retry.status).toBe(201);
    expect(retry.body).toEqual(first.body);
    const other = await publish(document.replace('Replies to a customer', 'Answers a customer'));
    expect(other.status).toBe(422);
    expect(other.body.code).toBe('IDEMPOTENCY_KEY_REUSED');
    // The refused document was never published: without the key it is a new version now.
    const fresh = await call(publishHandler, 'POST', `/prompts/${id}/versions`, {
      body: { document: document.replace('Replies to a customer', 'Answers a customer') },
    });
    expect(fresh.status).toBe(201);
  });

  it('approve: a retry with the same key answers the first 201', async () => {
    const id = await published();
    const key = newKey();
    const approve = () =>
      call(reviewHandler, 'POST', `/prompts/${id}/versions/1.0.0/approvals`, {
        caller: BOB,
        body: { comment: 'ship it' },
        headers: withKey(key),
      });
    const first = await approve();
    expect(first.status).toBe(201);
    const retry = await approve();
    expect(retry.status).toBe(201);
    expect(retry.body).toEqual(first.body);
  });

  it('stores one record per key in the idempotency table, with its expiry as TTL', async () => {
    const { Items = [] } = await sharedDocumentClient().send(
      new ScanCommand({ TableName: process.env[ENV.idempotencyTable], Limit: 5 }),
    );
    expect(Items.length).toBeGreaterThan(0);
    for (const item of Items) {
      expect(typeof item.id).toBe('string');
      expect(item.expiration).toBeGreaterThan(Date.now() / 1000);
    }
  });
});
