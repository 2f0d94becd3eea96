/**
 * GET /prompts/{id}/feedback/items against a real DynamoDB implementation over HTTP (dynalite by
 * default; whatever PROMPTOPS_DYNAMODB_ENDPOINT points at otherwise): the key condition, the start
 * key of a cursor, and a filter applied after Limit, as DynamoDB evaluates them.
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { handler as feedbackHandler } from '../../lambda/handlers/feedback.ts';
import { handler as publishHandler } from '../../lambda/handlers/publish.ts';
import { handler as queryHandler } from '../../lambda/handlers/query.ts';
import type { FeedbackItem } from '../../src/core/api.ts';
import { ENV } from '../../src/core/contracts.ts';
import { call } from '../fixtures/api.ts';
import { exampleDocument } from '../fixtures/registry.ts';

process.env[ENV.feedbackHashSecret] ??= `it-${randomBytes(16).toString('hex')}`;

async function publishedPrompt(...descriptions: string[]): Promise<string> {
  const id = `fi-${randomBytes(5).toString('hex')}`;
  for (const description of descriptions) {
    const document = exampleDocument(description).replace('id: support-reply', `id: ${id}`);
    const response = await call(publishHandler, 'POST', `/prompts/${id}/versions`, { body: { document } });
    expect(response.status).toBe(201);
  }
  return id;
}

async function rate(id: string, version: string, rating: number, comment?: string): Promise<string> {
  const body = { promptId: id, version, environment: 'prod', rating, ...(comment ? { comment } : {}) };
  const response = await call(feedbackHandler, 'POST', '/feedback', { body });
  expect(response.status).toBe(202);
  return response.body.id as string;
}

const list = (id: string, query: Record<string, string>) =>
  call(queryHandler, 'GET', `/prompts/${id}/feedback/items`, { query });

async function listAll(id: string, query: Record<string, string>): Promise<FeedbackItem[]> {
  const items: FeedbackItem[] = [];
  let cursor: string | undefined;
  do {
    const response = await list(id, { ...query, ...(cursor ? { cursor } : {}) });
    expect(response.status).toBe(200);
    items.push(...response.body.items);
    cursor = response.body.nextCursor;
  } while (cursor);
  return items;
}

describe('feedback items over DynamoDB', () => {
  it('lists every item once across pages and versions, newest version first, newest first within it', async () => {
    const id = await publishedPrompt('Replies to a customer support ticket', 'Replies to a ticket, briefly');
    const older: string[] = [];
    for (let i = 0; i < 3; i++) older.push(await rate(id, '1.0.0', i === 0 ? -1 : 1, `old ${i}`));
    const newer: string[] = [];
    for (let i = 0; i < 4; i++) newer.push(await rate(id, '1.0.1', -1, i % 2 === 0 ? `new ${i}` : undefined));

    const items = await listAll(id, { environment: 'prod', limit: '2' });
    expect(items.map((item) => item.version)).toEqual([
      '1.0.1',
      '1.0.1',
      '1.0.1',
      '1.0.1',
      '1.0.0',
      '1.0.0',
      '1.0.0',
    ]);
    expect(new Set(items.map((item) => item.id))).toEqual(new Set([...older, ...newer]));
    for (const version of ['1.0.0', '1.0.1']) {
      const times = items.filter((item) => item.version === version).map((item) => item.at);
      expect(times).toEqual([...times].sort().reverse());
    }
    expect(items.find((item) => item.comment === 'old 0')).toMatchObject({
      version: '1.0.0',
      scale: 'thumbs',
      rating: -1,
      sentiment: 'negative',
    });
    expect(Object.keys(items[0] ?? {})).not.toContain('userHash');
  });

  it('filters by rating and comment past Limit, and by version and window', async () => {
    const id = await publishedPrompt('Replies to a customer support ticket');
    await rate(id, '1.0.0', -1, 'first complaint');
    for (let i = 0; i < 5; i++) await rate(id, '1.0.0', 1);
    await rate(id, '1.0.0', -1, 'second complaint');
    for (let i = 0; i < 5; i++) await rate(id, '1.0.0', -1);

    const negative = await listAll(id, {
      environment: 'prod',
      rating: 'negative',
      commented: 'true',
      limit: '1',
    });
    expect(negative.map((item) => item.comment)).toEqual(['second complaint', 'first complaint']);
    const positive = await listAll(id, { environment: 'prod', version: '1.0.0', rating: 'positive' });
    expect(positive).toHaveLength(5);
    const future = await list(id, {
      environment: 'prod',
      since: new Date(Date.now() + 60_000).toISOString(),
    });
    expect(future.status).toBe(200);
    expect(future.body.items).toEqual([]);
    const past = await list(id, { environment: 'prod', until: '2020-01-01' });
    expect(past.body.items).toEqual([]);
  });

  it('is 400 naming the parameter for a bad value, and 404 for a prompt that does not exist', async () => {
    const id = await publishedPrompt('Replies to a customer support ticket');
    const bad = await list(id, { environment: 'prod', rating: 'awful' });
    expect(bad.status).toBe(400);
    expect(bad.body.errors).toEqual([{ path: 'rating', message: expect.stringContaining('awful') }]);
    const missing = await list('fi-nothing-here', { environment: 'prod' });
    expect(missing.status).toBe(404);
  });
});
