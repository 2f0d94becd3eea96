import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DynamoAuditLog } from '../../../lambda/adapters/audit-log.ts';
import { encodeCursor } from '../../../lambda/adapters/pagination.ts';
import {
  decodeMergedCursor,
  encodeMergedCursor,
  type MergedPosition,
  type ReadPartition,
  readMergedPage,
} from '../../../lambda/adapters/sharded-index-reader.ts';
import { handler } from '../../../lambda/handlers/query.ts';
import {
  AUDIT_ALL_PARTITIONS,
  AUDIT_SHARD_COUNT,
  auditShardGsiPk,
  auditShardOf,
} from '../../../src/core/audit-shards.ts';
import { ENV } from '../../../src/core/contracts.ts';
import { call } from '../../fixtures/api.ts';
import { BUCKET, TABLE_NAME } from '../../fixtures/registry.ts';

const dynamo = mockClient(DynamoDBDocumentClient);

beforeAll(() => {
  process.env[ENV.table] = TABLE_NAME;
  process.env[ENV.bodyBucket] = BUCKET;
  process.env[ENV.environments] = 'dev,staging,prod';
});
afterAll(() => dynamo.restore());
beforeEach(() => {
  dynamo.reset();
  dynamo.on(QueryCommand).resolves({ Items: [] });
});

const eventIds = (n: number) => Array.from({ length: n }, (_, i) => `event-${i}`);

/** Partitions in memory, newest first, read as DynamoDB would (Limit, `sk < before`). */
function memoryIndex(keysByPartition: Record<string, string[]>) {
  const sorted = Object.fromEntries(
    Object.entries(keysByPartition).map(([p, keys]) => [p, [...keys].sort().reverse()]),
  );
  const reads: { partition: string; limit: number }[] = [];
  const read: ReadPartition<string> = async (partition, before, limit) => {
    reads.push({ partition, limit });
    const below = (sorted[partition] ?? []).filter((key) => before === undefined || key < before);
    return { items: below.slice(0, limit), more: below.length > limit };
  };
  return { read, reads };
}

/** Sort keys as the audit log writes them: `<ISO time>#<event id>`. */
function sortKey(i: number): string {
  return `${new Date(Date.UTC(2026, 10, 1) + i * 1000).toISOString()}#event-${i}`;
}

async function pageThrough(
  read: ReadPartition<string>,
  limit: number,
): Promise<{ pages: string[][]; cursors: string[] }> {
  const pages: string[][] = [];
  const cursors: string[] = [];
  let position: MergedPosition | undefined;
  do {
    const page = await readMergedPage(AUDIT_ALL_PARTITIONS, (k) => k, read, limit, position);
    pages.push(page.items);
    if (!page.next) break;
    const cursor = encodeMergedCursor(page.next);
    cursors.push(cursor);
    position = decodeMergedCursor(cursor, AUDIT_ALL_PARTITIONS, /^\d{4}-/);
  } while (position);
  return { pages, cursors };
}

describe('Function: auditShardOf', () => {
  it('gives an event the same shard every time, one of the fixed fan-out', () => {
    for (const id of eventIds(200)) {
      const shard = auditShardOf(id);
      expect(shard).toBe(auditShardOf(id));
      expect(Number.isInteger(shard) && shard >= 0 && shard < AUDIT_SHARD_COUNT).toBe(true);
    }
  });

  it('spreads 10,000 events evenly: every shard within 15% of its share', () => {
    const counts = new Array<number>(AUDIT_SHARD_COUNT).fill(0);
    for (const id of eventIds(10_000)) counts[auditShardOf(id)] = (counts[auditShardOf(id)] ?? 0) + 1;
    for (const count of counts) expect(Math.abs(count - 625)).toBeLessThan(625 * 0.15);
  });

  it('names 16 shard partitions and the legacy one, distinct from the per-prompt and per-environment keys', () => {
    expect(AUDIT_ALL_PARTITIONS).toHaveLength(17);
    expect(new Set(AUDIT_ALL_PARTITIONS).size).toBe(17);
    expect(auditShardGsiPk(0)).toBe('AUDIT#ALL#00');
    expect(auditShardGsiPk(15)).toBe('AUDIT#ALL#15');
    expect(AUDIT_ALL_PARTITIONS.at(-1)).toBe('AUDIT');
  });
});

describe('Class: DynamoAuditLog', () => {
  describe('Method: append', () => {
    it('writes the event to its shard of the all-events index, keyed as before on the other indexes', async () => {
      dynamo.on(PutCommand).resolves({});
      const log = new DynamoAuditLog(
        DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1' })),
        TABLE_NAME,
      );
      const event = {
        eventId: 'abc123',
        at: '2026-11-01T10:00:00.000Z',
        actor: 'alice',
        action: 'prompt.publish',
        target: 'support-reply@1.0.0',
        details: {},
        requestId: 'r1',
        promptId: 'support-reply',
      };
      await log.append(event);
      expect(dynamo.commandCalls(PutCommand)[0]?.args[0].input.Item).toMatchObject({
        pk: 'AUDIT#abc123',
        gsi1pk: auditShardGsiPk(auditShardOf('abc123')),
        gsi1sk: '2026-11-01T10:00:00.000Z#abc123',
        gsi2pk: 'AUDIT#PROMPT#support-reply',
      });
    });
  });
});

describe('Function: readMergedPage', () => {
  // 1,000 events over the shards by their hash, and 150 older ones in the legacy partition.
  const all = Array.from({ length: 1150 }, (_, i) => sortKey(i));
  const byPartition: Record<string, string[]> = {};
  all.forEach((key, i) => {
    const partition = i < 150 ? 'AUDIT' : auditShardGsiPk(auditShardOf(key.slice(key.indexOf('#') + 1)));
    byPartition[partition] = [...(byPartition[partition] ?? []), key];
  });
  const newestFirst = [...all].sort().reverse();

  it.each([1, 7, 20, 100])('pages of %i cover every event once, newest first', async (limit) => {
    const { read } = memoryIndex(byPartition);
    const { pages } = await pageThrough(read, limit);
    expect(pages.flat()).toEqual(newestFirst);
    for (const page of pages.slice(0, -1)) expect(page).toHaveLength(limit);
  });

  it('reads about a page per page, not a page per shard', async () => {
    const { read, reads } = memoryIndex(byPartition);
    await readMergedPage(AUDIT_ALL_PARTITIONS, (k) => k, read, 100);
    const itemsAsked = reads.reduce((sum, r) => sum + r.limit, 0);
    expect(itemsAsked).toBeLessThan(100 * 3.5);
  });

  it('takes at most two rounds when every event is in the legacy partition', async () => {
    const { read, reads } = memoryIndex({ AUDIT: all.slice(0, 500) });
    const page = await readMergedPage(AUDIT_ALL_PARTITIONS, (k) => k, read, 100);
    expect(page.items).toEqual([...all.slice(0, 500)].sort().reverse().slice(0, 100));
    expect(reads.filter((r) => r.partition === 'AUDIT')).toHaveLength(2);
  });

  it('marks shards read to their end as done, so later pages skip them', async () => {
    const { read, reads } = memoryIndex({ 'AUDIT#ALL#03': [sortKey(1)], AUDIT: all.slice(0, 50) });
    const first = await readMergedPage(AUDIT_ALL_PARTITIONS, (k) => k, read, 10);
    expect(first.next?.done).toHaveLength(15);
    expect(first.next?.done).not.toContain('AUDIT#ALL#03');
    reads.length = 0;
    await readMergedPage(AUDIT_ALL_PARTITIONS, (k) => k, read, 10, first.next);
    expect(new Set(reads.map((r) => r.partition))).toEqual(new Set(['AUDIT#ALL#03', 'AUDIT']));
  });

  it('answers no cursor once every partition is read to its end', async () => {
    const { read } = memoryIndex({ 'AUDIT#ALL#03': [sortKey(1), sortKey(2)] });
    const page = await readMergedPage(AUDIT_ALL_PARTITIONS, (k) => k, read, 5);
    expect(page).toEqual({ items: [sortKey(2), sortKey(1)] });
  });
});

describe('Function: decodeMergedCursor', () => {
  it('round-trips a position', () => {
    const position = { before: sortKey(5), done: ['AUDIT#ALL#01', 'AUDIT'] };
    expect(decodeMergedCursor(encodeMergedCursor(position), AUDIT_ALL_PARTITIONS, /^\d{4}-/)).toEqual(
      position,
    );
  });
});

describe('Handler: query, GET /audit cursors', () => {
  const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  it.each([
    ['not base64url', 'not a cursor!'],
    ['not JSON', Buffer.from('{oops').toString('base64url')],
    [
      'a cursor of the per-prompt listing',
      encodeCursor({ pk: 'a', sk: 'b', gsi2pk: 'c', gsi2sk: 'd' }) as string,
    ],
    ['another version', b64({ v: 2, b: sortKey(1), d: [] })],
    ['a boundary that is no audit sort key', b64({ v: 1, b: 'PROMPT#x', d: [] })],
    ['an unknown partition', b64({ v: 1, b: sortKey(1), d: ['AUDIT#ALL#99'] })],
    ['every partition done', b64({ v: 1, b: sortKey(1), d: AUDIT_ALL_PARTITIONS })],
    ['an extra member', b64({ v: 1, b: sortKey(1), d: [], x: 1 })],
  ])('is a 400 naming cursor for %s, and reads nothing', async (_label, cursor) => {
    const response = await call(handler, 'GET', '/audit', { query: { cursor } });
    expect(response.status).toBe(400);
    expect(response.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(response.body).toMatchObject({ code: 'BAD_REQUEST', errors: [{ path: 'cursor' }] });
    expect(response.body.detail).toMatch(/^Invalid cursor /);
    expect(dynamo.commandCalls(QueryCommand)).toHaveLength(0);
  });

  it('answers a cursor that the next page accepts, queried below its boundary', async () => {
    const item = (i: number) => ({
      pk: `AUDIT#event-${i}`,
      sk: 'EVENT',
      gsi1sk: sortKey(i),
      eventId: `event-${i}`,
      at: sortKey(i).split('#')[0],
      actor: 'alice',
      action: 'prompt.publish',
      target: 'x@1.0.0',
      details: {},
      requestId: 'r',
    });
    dynamo
      .on(QueryCommand, { ExpressionAttributeValues: { ':ipk': 'AUDIT#ALL#04' } })
      .resolves({ Items: [item(3), item(2)], LastEvaluatedKey: { pk: 'x' } });
    const first = await call(handler, 'GET', '/audit', { query: { limit: '1' } });
    expect(first.status).toBe(200);
    expect(first.body.items.map((e: { at: string }) => e.at)).toEqual([sortKey(3).split('#')[0]]);
    expect(typeof first.body.nextCursor).toBe('string');
    dynamo.resetHistory();
    const second = await call(handler, 'GET', '/audit', {
      query: { limit: '1', cursor: first.body.nextCursor },
    });
    expect(second.status).toBe(200);
    const shardQuery = dynamo
      .commandCalls(QueryCommand)
      .map((c) => c.args[0].input)
      .find((input) => input.ExpressionAttributeValues?.[':ipk'] === 'AUDIT#ALL#04');
    expect(shardQuery).toMatchObject({
      KeyConditionExpression: '#ipk = :ipk AND #isk < :before',
      ExpressionAttributeValues: { ':before': sortKey(3) },
    });
    // Shards read to their end on the first page are not queried again.
    expect(dynamo.commandCalls(QueryCommand)).toHaveLength(1);
  });

  it('pages on when a shard answers one more item than asked but no LastEvaluatedKey, as moto does', async () => {
    const item = (i: number) => ({
      pk: `AUDIT#event-${i}`,
      sk: 'EVENT',
      gsi1sk: sortKey(i),
      eventId: `event-${i}`,
      at: sortKey(i).split('#')[0],
      actor: 'alice',
      action: 'prompt.publish',
      target: `event-${i}`,
      details: {},
      requestId: 'r',
    });
    // A page of 3 over 17 partitions asks each for a share of 3, so Limit 4: the fourth item says
    // there is more even without LastEvaluatedKey.
    const shard = { ExpressionAttributeValues: { ':ipk': 'AUDIT#ALL#04' } };
    dynamo.on(QueryCommand, shard).resolves({ Items: [item(6), item(5), item(4), item(3)] });
    const first = await call(handler, 'GET', '/audit', { query: { limit: '3' } });
    expect(first.body.items.map((e: { target: string }) => e.target)).toEqual([
      'event-6',
      'event-5',
      'event-4',
    ]);
    expect(typeof first.body.nextCursor).toBe('string');

    dynamo.on(QueryCommand, shard).resolves({ Items: [item(3)] });
    const second = await call(handler, 'GET', '/audit', {
      query: { limit: '3', cursor: first.body.nextCursor },
    });
    expect(second.body.items.map((e: { target: string }) => e.target)).toEqual(['event-3']);
    expect(second.body.nextCursor).toBeUndefined();
  });
});
