/**
 * GET /prompts/{id}/feedback/items (docs/feedback.md) through the query handler as deployed, with
 * aws-sdk-client-mock: the feedback table answers Query as DynamoDB does (key condition, newest
 * first, Limit before the filter, LastEvaluatedKey), so paging across versions is exercised for real.
 */
import {
  DeleteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  type QueryCommandInput,
  ScanCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { encodeCursor } from '../../../lambda/adapters/pagination.ts';
import { handler } from '../../../lambda/handlers/query.ts';
import type { FeedbackItemsPage } from '../../../src/core/api.ts';
import { ENV, KEYS } from '../../../src/core/contracts.ts';
import { call } from '../../fixtures/api.ts';
import { BUCKET, TABLE_NAME, versionItem } from '../../fixtures/registry.ts';

// Debug logging on, so the tests see every line the handler could log (comments must be in none).
vi.hoisted(() => {
  process.env.POWERTOOLS_LOG_LEVEL = 'DEBUG';
});

const FEEDBACK_TABLE = 'promptops-test-feedback';
const ID = 'support-reply';
const SECRET_COMMENT = 'Call me at +1 555 0100, my name is Ana Ruiz';

const dynamo = mockClient(DynamoDBDocumentClient);

type Item = Record<string, unknown> & { pk: string; sk: string };
let feedbackItems: Item[] = [];
let aggregates: Record<string, unknown>[] = [];

function feedback(
  version: string,
  at: string,
  id: string,
  fields: {
    rating?: number;
    scale?: string;
    sentiment?: string;
    comment?: string;
    tags?: string[];
    segment?: string;
  } = {},
): Item {
  const { rating = -1, scale = 'thumbs', sentiment = 'negative', ...rest } = fields;
  return {
    pk: KEYS.feedbackPk('prod', ID, version),
    sk: KEYS.feedbackItemSk(at, id),
    feedbackId: id,
    promptId: ID,
    version,
    environment: 'prod',
    scale,
    rating,
    sentiment,
    at,
    userHash: 'a'.repeat(64),
    sessionHash: 'b'.repeat(64),
    ...rest,
  };
}

function aggregate(version: string, day: string, count = 1) {
  return { version, day, count, positive: 0, negative: count, stars: 0, starsSum: 0 };
}

/** The feedback table's Query, as DynamoDB evaluates the inputs this adapter sends. */
function queryFeedbackTable(input: QueryCommandInput) {
  if (input.IndexName !== undefined) return { Items: aggregates };
  const values = input.ExpressionAttributeValues as Record<string, string>;
  const [from = '', to = ''] = [values[':from'], values[':to']];
  const all = feedbackItems
    .filter((item) => item.pk === values[':pk'] && item.sk >= from && item.sk <= to)
    .sort((a, b) => (input.ScanIndexForward === false ? b.sk.localeCompare(a.sk) : a.sk.localeCompare(b.sk)));
  const start = input.ExclusiveStartKey?.sk as string | undefined;
  const after = start === undefined ? all : all.filter((item) => item.sk < start);
  const read = after.slice(0, input.Limit ?? after.length);
  const filter = input.FilterExpression ?? '';
  const matched = read.filter(
    (item) =>
      (!filter.includes('#sentiment = :sentiment') || item.sentiment === values[':sentiment']) &&
      (!filter.includes('attribute_exists(#comment)') || item.comment !== undefined) &&
      (!filter.includes('attribute_not_exists(#comment)') || item.comment === undefined) &&
      (!filter.includes('#segment = :segment') || item.segment === values[':segment']),
  );
  const last = read[read.length - 1];
  // The projection: never the hashes.
  const projected = matched.map(({ feedbackId, at, scale, rating, sentiment, comment, tags, segment }) => ({
    feedbackId,
    at,
    scale,
    rating,
    sentiment,
    ...(comment !== undefined ? { comment } : {}),
    ...(tags !== undefined ? { tags } : {}),
    ...(segment !== undefined ? { segment } : {}),
  }));
  return {
    Items: projected,
    ...(read.length < after.length && last ? { LastEvaluatedKey: { pk: last.pk, sk: last.sk } } : {}),
  };
}

const list = (query: Record<string, string>, id = ID) =>
  call(handler, 'GET', `/prompts/${encodeURIComponent(id)}/feedback/items`, { query });

const feedbackQueries = () =>
  dynamo
    .commandCalls(QueryCommand)
    .map((c) => c.args[0].input)
    .filter((input) => input.TableName === FEEDBACK_TABLE);

let logged: string[] = [];

beforeAll(() => {
  process.env[ENV.table] = TABLE_NAME;
  process.env[ENV.bodyBucket] = BUCKET;
  process.env[ENV.feedbackTable] = FEEDBACK_TABLE;
  process.env[ENV.environments] = 'dev,staging,prod';
});
afterAll(() => {
  dynamo.restore();
});
beforeEach(() => {
  dynamo.reset();
  feedbackItems = [];
  aggregates = [];
  logged = [];
  for (const stream of [process.stdout, process.stderr]) {
    vi.spyOn(stream, 'write').mockImplementation((chunk: string | Uint8Array) => {
      logged.push(String(chunk));
      return true;
    });
  }
  vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => void logged.push(args.join(' ')));
  dynamo
    .on(QueryCommand, { TableName: TABLE_NAME })
    .resolves({ Items: [versionItem({ version: '1.2.0', sha256: 'c'.repeat(64), createdBy: 'alice' })] });
  dynamo.on(QueryCommand, { TableName: FEEDBACK_TABLE }).callsFake(queryFeedbackTable);
});
afterEach(() => {
  vi.restoreAllMocks();
  // Query only: no item read by key, no scan, and nothing written.
  const sent = [
    dynamo.commandCalls(ScanCommand).length,
    dynamo.commandCalls(GetCommand).length,
    dynamo.commandCalls(PutCommand).length,
    dynamo.commandCalls(UpdateCommand).length,
    dynamo.commandCalls(DeleteCommand).length,
  ];
  expect(sent).toEqual([0, 0, 0, 0, 0]);
  expect(logged.join('\n')).not.toContain(SECRET_COMMENT);
});

describe('Handler: query, GET /prompts/{id}/feedback/items', () => {
  it('lists items newest version first, newest first within it, with comments and no hashes', async () => {
    aggregates = [aggregate('1.1.0', '2026-11-02'), aggregate('1.2.0', '2026-11-03', 2)];
    feedbackItems = [
      feedback('1.1.0', '2026-11-02T08:00:00.000Z', 'f1', { comment: 'Too long' }),
      feedback('1.2.0', '2026-11-03T09:00:00.000Z', 'f2', {
        rating: 5,
        scale: 'stars',
        sentiment: 'positive',
        comment: SECRET_COMMENT,
        tags: ['tone'],
      }),
      feedback('1.2.0', '2026-11-03T10:00:00.000Z', 'f3'),
    ];
    const response = await list({ environment: 'prod' });
    expect(response.status).toBe(200);
    const body = response.body as FeedbackItemsPage;
    expect(body).toEqual({
      environment: 'prod',
      items: [
        {
          id: 'f3',
          version: '1.2.0',
          at: '2026-11-03T10:00:00.000Z',
          scale: 'thumbs',
          rating: -1,
          sentiment: 'negative',
        },
        {
          id: 'f2',
          version: '1.2.0',
          at: '2026-11-03T09:00:00.000Z',
          scale: 'stars',
          rating: 5,
          sentiment: 'positive',
          comment: SECRET_COMMENT,
          tags: ['tone'],
        },
        {
          id: 'f1',
          version: '1.1.0',
          at: '2026-11-02T08:00:00.000Z',
          scale: 'thumbs',
          rating: -1,
          sentiment: 'negative',
          comment: 'Too long',
        },
      ],
    });
    const queries = feedbackQueries();
    const index = queries.filter((q) => q.IndexName === 'gsi1');
    const partitions = queries.filter((q) => q.IndexName === undefined);
    // The aggregate shards: the unsharded partition (shard 0) and 15 more.
    expect(index).toHaveLength(16);
    expect(index[0]).toMatchObject({ ExpressionAttributeValues: { ':gpk': 'AGGREGATE#prod#support-reply' } });
    expect(partitions.map((q) => q.ExpressionAttributeValues?.[':pk'])).toEqual([
      'FEEDBACK#prod#support-reply#1.2.0',
      'FEEDBACK#prod#support-reply#1.1.0',
    ]);
    for (const q of partitions) {
      expect(q).toMatchObject({ ScanIndexForward: false, Limit: expect.any(Number) });
      expect(q.ProjectionExpression).not.toMatch(/Hash/);
    }
  });

  it('pages across versions with an opaque cursor until the last item', async () => {
    aggregates = [aggregate('1.1.0', '2026-11-02', 2), aggregate('1.2.0', '2026-11-03', 1)];
    feedbackItems = [
      feedback('1.1.0', '2026-11-02T08:00:00.000Z', 'f1'),
      feedback('1.1.0', '2026-11-02T09:00:00.000Z', 'f2'),
      feedback('1.2.0', '2026-11-03T09:00:00.000Z', 'f3'),
    ];
    const first = await list({ environment: 'prod', limit: '2' });
    expect(first.status).toBe(200);
    expect(first.body.items.map((i: { id: string }) => i.id)).toEqual(['f3', 'f2']);
    expect(typeof first.body.nextCursor).toBe('string');
    const second = await list({ environment: 'prod', limit: '2', cursor: first.body.nextCursor });
    expect(second.status).toBe(200);
    expect(second.body.items.map((i: { id: string }) => i.id)).toEqual(['f1']);
    expect(second.body.nextCursor).toBeUndefined();
    // The second page resumes inside 1.1.0's partition, after the last item returned.
    const resumed = feedbackQueries().at(-1);
    expect(resumed?.ExclusiveStartKey).toEqual({
      pk: 'FEEDBACK#prod#support-reply#1.1.0',
      sk: 'ITEM#2026-11-02T09:00:00.000Z#f2',
    });
  });

  it('gives no cursor when the last page ends exactly on the last item', async () => {
    aggregates = [aggregate('1.2.0', '2026-11-03', 2)];
    feedbackItems = [
      feedback('1.2.0', '2026-11-03T09:00:00.000Z', 'f1'),
      feedback('1.2.0', '2026-11-03T10:00:00.000Z', 'f2'),
    ];
    const response = await list({ environment: 'prod', limit: '2' });
    expect(response.body.items).toHaveLength(2);
    expect(response.body.nextCursor).toBeUndefined();
  });

  it('filters by version, window, rating and comment, reading past Limit when the filter drops items', async () => {
    feedbackItems = [
      feedback('1.2.0', '2026-11-01T09:00:00.000Z', 'old', { comment: 'before the window' }),
      feedback('1.2.0', '2026-11-03T09:00:00.000Z', 'f1', { comment: 'Wrong language' }),
      feedback('1.2.0', '2026-11-03T10:00:00.000Z', 'f2'),
      feedback('1.2.0', '2026-11-03T11:00:00.000Z', 'f3', {
        rating: 1,
        sentiment: 'positive',
        comment: 'Great',
      }),
      feedback('1.2.0', '2026-11-03T12:00:00.000Z', 'f4'),
      feedback('1.2.0', '2026-11-05T12:00:00.000Z', 'late', { comment: 'after the window' }),
    ];
    const response = await list({
      environment: 'prod',
      version: '1.2.0',
      since: '2026-11-02',
      until: '2026-11-04T00:00:00Z',
      rating: 'negative',
      commented: 'true',
      limit: '1',
    });
    expect(response.status).toBe(200);
    expect(response.body.items.map((i: { id: string }) => i.id)).toEqual(['f1']);
    const queries = feedbackQueries();
    // No aggregate query with a version given; then pages of one until the filter matched one.
    expect(queries.every((q) => q.IndexName === undefined)).toBe(true);
    expect(queries.length).toBeGreaterThan(1);
    expect(queries[0]).toMatchObject({
      ExpressionAttributeValues: {
        ':pk': 'FEEDBACK#prod#support-reply#1.2.0',
        ':from': 'ITEM#2026-11-02T00:00:00.000Z',
        ':to': 'ITEM#2026-11-04T00:00:00.000Z',
        ':sentiment': 'negative',
      },
      FilterExpression: '#sentiment = :sentiment AND attribute_exists(#comment)',
    });
  });

  it('lists only items without a comment for commented=false', async () => {
    feedbackItems = [
      feedback('1.2.0', '2026-11-03T09:00:00.000Z', 'f1', { comment: 'Wrong language' }),
      feedback('1.2.0', '2026-11-03T10:00:00.000Z', 'f2'),
    ];
    const response = await list({ environment: 'prod', version: '1.2.0', commented: 'false' });
    expect(response.body.items.map((i: { id: string }) => i.id)).toEqual(['f2']);
  });

  it('lists only the items of segment= (docs/segments.md), each naming its segment', async () => {
    aggregates = [aggregate('1.2.0', '2026-11-03', 3), aggregate('1.1.0', '2026-11-02', 1)];
    feedbackItems = [
      feedback('1.2.0', '2026-11-03T09:00:00.000Z', 'b1', { segment: 'beta' }),
      feedback('1.2.0', '2026-11-03T10:00:00.000Z', 'd1'),
      feedback('1.2.0', '2026-11-03T11:00:00.000Z', 'i1', { segment: 'internal' }),
      feedback('1.1.0', '2026-11-02T11:00:00.000Z', 'b0', { segment: 'beta', comment: 'Too long' }),
    ];
    const response = await list({ environment: 'prod', segment: 'beta' });
    expect(response.status).toBe(200);
    expect(response.body.items.map((i: { id: string; segment?: string }) => [i.id, i.segment])).toEqual([
      ['b1', 'beta'],
      ['b0', 'beta'],
    ]);
    const itemQueries = feedbackQueries().filter((q) => q.IndexName === undefined);
    expect(itemQueries.length).toBe(2);
    for (const query of itemQueries) {
      expect(query.FilterExpression).toBe('#segment = :segment');
      expect(query.ExpressionAttributeValues).toMatchObject({ ':segment': 'beta' });
    }
    // Without segment=, every item, the segment shown where there is one.
    const all = await list({ environment: 'prod', version: '1.2.0' });
    expect(all.body.items.map((i: { id: string; segment?: string }) => [i.id, i.segment])).toEqual([
      ['i1', 'internal'],
      ['d1', undefined],
      ['b1', 'beta'],
    ]);
  });

  it('is an empty list for a prompt without feedback in the environment', async () => {
    const response = await list({ environment: 'dev' });
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ environment: 'dev', items: [] });
  });

  it('is 404 for a prompt that does not exist', async () => {
    dynamo.on(QueryCommand, { TableName: TABLE_NAME }).resolves({ Items: [] });
    const response = await list({ environment: 'prod' }, 'no-such-prompt');
    expect(response.status).toBe(404);
    expect(response.body.code).toBe('NOT_FOUND');
  });

  const otherEnvironment = encodeCursor({
    pk: 'FEEDBACK#dev#support-reply#1.2.0',
    sk: 'ITEM#2026-11-03T09:00:00.000Z#f1',
  });
  const otherVersion = String(
    encodeCursor({
      pk: 'FEEDBACK#prod#support-reply#1.1.0',
      sk: 'ITEM#2026-11-03T09:00:00.000Z#f1',
    }),
  );
  const aggregateKey = encodeCursor({ pk: 'FEEDBACK#prod#support-reply#1.2.0', sk: 'AGGREGATE#2026-11-03' });

  it.each([
    ['no environment', {}, 'environment', 'BAD_REQUEST'],
    ['an empty environment', { environment: '' }, 'environment', 'BAD_REQUEST'],
    ['an environment that is not configured', { environment: 'qa' }, 'environment', 'VALIDATION_FAILED'],
    ['a version that is not semver', { environment: 'prod', version: 'v1' }, 'version', 'VALIDATION_FAILED'],
    ['a since that is not a date', { environment: 'prod', since: 'yesterday' }, 'since', 'BAD_REQUEST'],
    ['a day that does not exist', { environment: 'prod', since: '2026-02-30' }, 'since', 'BAD_REQUEST'],
    [
      'an until without a time zone',
      { environment: 'prod', until: '2026-11-03T10:00' },
      'until',
      'BAD_REQUEST',
    ],
    [
      'a since not before until',
      { environment: 'prod', since: '2026-11-04', until: '2026-11-03' },
      'since',
      'BAD_REQUEST',
    ],
    ['an unknown rating', { environment: 'prod', rating: '-1' }, 'rating', 'BAD_REQUEST'],
    [
      'a commented that is not a boolean',
      { environment: 'prod', commented: 'yes' },
      'commented',
      'BAD_REQUEST',
    ],
    [
      'a segment that is not a segment name',
      { environment: 'prod', segment: 'Beta' },
      'segment',
      'BAD_REQUEST',
    ],
    [
      'a segment of 33 characters',
      { environment: 'prod', segment: 'b'.repeat(33) },
      'segment',
      'BAD_REQUEST',
    ],
    ['a limit of 0', { environment: 'prod', limit: '0' }, 'limit', 'BAD_REQUEST'],
    ['a limit over 100', { environment: 'prod', limit: '101' }, 'limit', 'BAD_REQUEST'],
    ['a limit that is not a number', { environment: 'prod', limit: 'ten' }, 'limit', 'BAD_REQUEST'],
    [
      'a cursor that is not base64url JSON',
      { environment: 'prod', cursor: 'not a cursor' },
      'cursor',
      'BAD_REQUEST',
    ],
    [
      'a cursor of another environment',
      { environment: 'prod', cursor: otherEnvironment },
      'cursor',
      'BAD_REQUEST',
    ],
    [
      'a cursor of another version',
      { environment: 'prod', version: '1.2.0', cursor: otherVersion },
      'cursor',
      'BAD_REQUEST',
    ],
    ['a cursor on an aggregate', { environment: 'prod', cursor: aggregateKey }, 'cursor', 'BAD_REQUEST'],
  ])('is 400 for %s, naming the parameter, before reading any feedback', async (_, query, parameter, code) => {
    const response = await list(query as Record<string, string>);
    expect(response.status).toBe(400);
    expect(response.headers['content-type']).toBe('application/problem+json');
    expect(response.body).toMatchObject({ status: 400, code });
    expect(response.body.detail).toContain(parameter);
    expect(response.body.errors).toEqual([{ path: parameter, message: expect.any(String) }]);
    expect(feedbackQueries()).toHaveLength(0);
  });

  it('is 400 for a cursor of a version without feedback in this window', async () => {
    aggregates = [aggregate('1.2.0', '2026-11-03')];
    const response = await list({ environment: 'prod', cursor: otherVersion });
    expect(response.status).toBe(400);
    expect(response.body.detail).toContain('cursor');
    expect(response.body.errors).toEqual([
      { path: 'cursor', message: expect.stringContaining('belongs to another listing') },
    ]);
  });

  it('is 400 for an invalid prompt id', async () => {
    const response = await list({ environment: 'prod' }, 'Not_A_Prompt');
    expect(response.status).toBe(400);
    expect(response.body.code).toBe('VALIDATION_FAILED');
    expect(feedbackQueries()).toHaveLength(0);
  });
});
