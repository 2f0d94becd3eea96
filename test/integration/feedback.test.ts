/**
 * The feedback handler against a real DynamoDB implementation over HTTP (dynalite by default;
 * whatever PROMPTOPS_DYNAMODB_ENDPOINT points at otherwise): concurrent atomic counting, the report
 * read from the aggregate index, and identities that never reach the table in clear.
 */
import { randomBytes } from 'node:crypto';
import { QueryCommand, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sharedDocumentClient } from '../../lambda/adapters/aws-clients.ts';
import { handler as feedbackHandler } from '../../lambda/handlers/feedback.ts';
import { handler as publishHandler } from '../../lambda/handlers/publish.ts';
import { ENV, KEYS } from '../../src/core/contracts.ts';
import { call } from '../fixtures/api.ts';
import { captureOutput, expectValidEmf } from '../fixtures/feedback-emf.ts';
import { exampleDocument } from '../fixtures/registry.ts';

// The deployment's secret; the handler reads it when it first builds its adapters.
process.env[ENV.feedbackHashSecret] = `it-${randomBytes(16).toString('hex')}`;

// 1,000 parallel posts on both stores (dynalite in-process; moto, one request at a time, some 35 ms a
// store call, about 30-50 s for the burst with the test handlers' 45 s budget there).
const BURST = 1000;

let output: ReturnType<typeof captureOutput>;
beforeEach(() => {
  output = captureOutput();
});
afterEach(() => {
  output.restore();
});

/** A fresh prompt per test, so tests share the tables without seeing each other. */
async function publishedPrompt(...descriptions: string[]): Promise<string> {
  const id = `fb-${randomBytes(5).toString('hex')}`;
  for (const description of descriptions) {
    const document = exampleDocument(description).replace('id: support-reply', `id: ${id}`);
    const response = await call(publishHandler, 'POST', `/prompts/${id}/versions`, { body: { document } });
    expect(response.status).toBe(201);
  }
  return id;
}

const post = (body: Record<string, unknown>) => call(feedbackHandler, 'POST', '/feedback', { body });
const report = (id: string, query: Record<string, string>) =>
  call(feedbackHandler, 'GET', `/prompts/${id}/feedback`, { query });

/** Every item of one partition whose sort key starts with `prefix`, all pages. */
async function partition(pk: string, prefix: string): Promise<Record<string, unknown>[]> {
  const input: QueryCommandInput = {
    TableName: process.env[ENV.feedbackTable],
    KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :prefix)',
    ExpressionAttributeNames: { '#pk': 'pk', '#sk': 'sk' },
    ExpressionAttributeValues: { ':pk': pk, ':prefix': prefix },
    ConsistentRead: true,
  };
  const items: Record<string, unknown>[] = [];
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await sharedDocumentClient().send(
      new QueryCommand(startKey ? { ...input, ExclusiveStartKey: startKey } : input),
    );
    items.push(...(page.Items ?? []));
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return items;
}

/** Runs at most `n` of the calls given to it at once. */
function limit(n: number) {
  let running = 0;
  const waiting: (() => void)[] = [];
  return async <T>(run: () => Promise<T>): Promise<T> => {
    if (running >= n) await new Promise<void>((resolve) => waiting.push(resolve));
    running++;
    try {
      return await run();
    } finally {
      running--;
      waiting.shift()?.();
    }
  };
}

function sum(items: Record<string, unknown>[], field: string): number {
  return items.reduce((total, item) => total + Number(item[field] ?? 0), 0);
}

describe('feedback over DynamoDB', () => {
  it(`${BURST.toLocaleString('en-US')} parallel posts: ${BURST.toLocaleString('en-US')} items and aggregates that count exactly ${BURST.toLocaleString('en-US')} with the right split`, async () => {
    const id = await publishedPrompt('Replies to a customer support ticket');
    const userIds = Array.from({ length: BURST }, (_, i) => `customer-${i}@example.com`);

    // At most the feedback function's reserved concurrency (20) runs at once, as on Lambda; the
    // others wait for a slot instead of sharing one event loop past the handler's timeout.
    const slots = limit(20);
    const responses = await Promise.all(
      userIds.map((userId, i) =>
        slots(() =>
          post({
            promptId: id,
            version: '1.0.0',
            environment: 'prod',
            rating: i % 4 === 0 ? -1 : 1,
            ...(i % 2 === 0 ? { userId, sessionId: `session-${i}` } : {}),
          }),
        ),
      ),
    );

    expect(responses.filter((r) => r.status !== 202).map((r) => r.body)).toEqual([]);
    expect(new Set(responses.map((r) => r.body.id)).size).toBe(BURST);

    const pk = KEYS.feedbackPk('prod', id, '1.0.0');
    const items = await partition(pk, KEYS.feedbackItemSkPrefix);
    expect(items).toHaveLength(BURST);
    expect(items.filter((item) => item.sentiment === 'negative')).toHaveLength(BURST / 4);

    const aggregates = await partition(pk, KEYS.feedbackAggregateSkPrefix);
    // Up to 16 shards per UTC day (a run that crosses midnight splits the counts over two days).
    expect(aggregates.length).toBeGreaterThanOrEqual(1);
    expect(aggregates.length).toBeLessThanOrEqual(32);
    expect(sum(aggregates, 'count')).toBe(BURST);
    expect(sum(aggregates, 'positive')).toBe((BURST * 3) / 4);
    expect(sum(aggregates, 'negative')).toBe(BURST / 4);
    expect(sum(aggregates, 'stars')).toBe(0);

    const response = await report(id, { environment: 'prod' });
    expect(response.status).toBe(200);
    expect(response.body).toEqual({
      versions: [{ version: '1.0.0', count: BURST, positive: (BURST * 3) / 4, negative: BURST / 4 }],
    });

    const emf = output
      .emf()
      .map(expectValidEmf)
      .filter((d) => d.PromptId === id);
    expect(emf).toHaveLength(BURST);
    expect(emf.reduce((total, d) => total + (d.NegativeFeedback as number), 0)).toBe(BURST / 4);

    const stored = JSON.stringify(items);
    expect(items.filter((item) => typeof item.userHash === 'string')).toHaveLength(BURST / 2);
    for (const userId of userIds.slice(0, 50)) expect(stored).not.toContain(userId);
    expect(stored).not.toContain('session-');
  });

  it('reports per version, compares the two most rated and reads only the days from since on', async () => {
    const id = await publishedPrompt('Replies to a customer support ticket', 'Replies kindly');
    const posts = [
      ...Array.from({ length: 40 }, (_, i) => ({ version: '1.0.0', rating: i < 4 ? -1 : 1 })),
      ...Array.from({ length: 40 }, (_, i) => ({ version: '1.0.1', rating: i < 20 ? -1 : 1 })),
      ...[5, 4, 2].map((rating) => ({ version: '1.0.1', rating, scale: 'stars' })),
    ];
    const statuses = await Promise.all(
      posts.map((fields) => post({ promptId: id, environment: 'prod', ...fields }).then((r) => r.status)),
    );
    expect(statuses.every((s) => s === 202)).toBe(true);

    const all = await report(id, { environment: 'prod' });
    expect(all.status).toBe(200);
    expect(all.body.versions).toEqual([
      { version: '1.0.1', count: 43, positive: 22, negative: 21, mean: 11 / 3 },
      { version: '1.0.0', count: 40, positive: 36, negative: 4 },
    ]);
    expect(all.body.comparison).toMatchObject({ baseline: '1.0.0', candidate: '1.0.1', significant: true });
    expect(all.body.comparison.difference).toBeCloseTo(21 / 43 - 4 / 40, 12);
    expect(all.body.comparison.pValue).toBeLessThan(0.001);

    const tomorrow = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
    expect((await report(id, { environment: 'prod', since: tomorrow })).body).toEqual({ versions: [] });
    const yesterday = new Date(Date.now() - 86_400_000).toISOString();
    expect((await report(id, { environment: 'prod', since: yesterday })).body).toEqual(all.body);
    expect((await report(id, { environment: 'staging' })).body).toEqual({ versions: [] });
  });

  it('is 404 for a version that was never published, and stores nothing', async () => {
    const id = await publishedPrompt('Replies to a customer support ticket');
    const response = await post({ promptId: id, version: '2.0.0', environment: 'prod', rating: 1 });
    expect(response.status).toBe(404);
    expect(response.body.code).toBe('NOT_FOUND');
    const pk = KEYS.feedbackPk('prod', id, '2.0.0');
    expect(await partition(pk, KEYS.feedbackItemSkPrefix)).toEqual([]);
    expect(await partition(pk, KEYS.feedbackAggregateSkPrefix)).toEqual([]);
    expect(
      output
        .emf()
        .map(expectValidEmf)
        .filter((d) => d.PromptId === id),
    ).toEqual([]);
  });
});
