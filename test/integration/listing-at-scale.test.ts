/**
 * Listing at scale through dynalite (issue 16): 10,000 prompts paged by GET /prompts, a long version
 * history, and an audit log spread over its shards and the legacy partition paged by GET /audit.
 * Items are written with BatchWriteItem (and the audit log's own append) into a table of their own,
 * so other suites' prompts do not change the counts.
 */
import { randomBytes } from 'node:crypto';
import { AppConfigClient } from '@aws-sdk/client-appconfig';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchWriteCommand, DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { DynamoAuditLog } from '../../lambda/adapters/audit-log.ts';
import { sharedS3Client } from '../../lambda/adapters/s3-client.ts';
import { buildDeliveryDeps } from '../../lambda/delivery/deps.ts';
import { createDeployHandler } from '../../lambda/handlers/deploy.ts';
import { createQueryHandler } from '../../lambda/handlers/query.ts';
import { buildRegistryDeps } from '../../lambda/registry/deps.ts';
import { AUDIT_ALL_PARTITIONS } from '../../src/core/audit-shards.ts';
import { ENV, KEYS, MAIN_TABLE_INDEXES, TABLE } from '../../src/core/contracts.ts';
import { versionSortKey } from '../../src/core/versioning.ts';
import { tableDefinition } from '../../src/local/provision.ts';
import { call } from '../fixtures/api.ts';

// moto answers a query by walking every item of the table (about 1.8 s per index query at 11,600
// items), so against moto the table is smaller: still many full pages of every listing, and 250
// events are the fewest that spread over every shard as the shard test below asks.
const onMoto = inject('promptops').store === 'moto';
const PROMPTS = onMoto ? 500 : 10_000;
const VERSIONS = 250;
const SHARDED_EVENTS = onMoto ? 250 : 1_000;
const LEGACY_EVENTS = onMoto ? 50 : 150;
const REVISIONS = 230;
/** The paging tests' budget: pages of 13 over 17 partitions are some 400 queries on moto. */
const PAGING_TIMEOUT = onMoto ? 400_000 : 120_000;
const table = `promptops-scale-${randomBytes(4).toString('hex')}`;
const dynamo = new DynamoDBClient({ endpoint: process.env[ENV.dynamodbEndpoint] as string });
const documents = DynamoDBDocumentClient.from(dynamo, { marshallOptions: { removeUndefinedValues: true } });
const handler = createQueryHandler(() =>
  buildRegistryDeps({
    documents,
    s3: sharedS3Client(),
    table,
    bucket: process.env[ENV.bodyBucket] as string,
  }),
);
const appconfig = new AppConfigClient({});
const deployHandler = createDeployHandler(() =>
  buildDeliveryDeps({
    documents,
    s3: sharedS3Client(),
    table,
    bucket: process.env[ENV.bodyBucket] as string,
    appconfig,
    config: {
      applicationId: 'app',
      profileId: 'profile',
      environmentIds: { prod: 'env-prod' },
      environments: ['prod'],
      protectedEnvironments: [],
      evalGatedEnvironments: [],
      requireEvalSuite: false,
      customStrategies: {},
      defaultStrategies: {},
      inlineThresholdBytes: 4096,
    },
  }),
);
const get = (path: string, query: Record<string, string> = {}) =>
  call(path.startsWith('/environments/') ? deployHandler : handler, 'GET', path, { query });

const promptIds = Array.from({ length: PROMPTS }, (_, i) => `scale-${String(i).padStart(5, '0')}`);
const isArchived = (i: number) => i % 10 === 3;
const at = (i: number) => new Date(Date.UTC(2026, 10, 1) + i * 1000).toISOString();

async function batchWrite(items: Record<string, unknown>[]): Promise<void> {
  const batches: Record<string, unknown>[][] = [];
  for (let i = 0; i < items.length; i += 25) batches.push(items.slice(i, i + 25));
  // A few batches in flight at a time: dynalite is in-process and the machine is shared.
  for (let i = 0; i < batches.length; i += 8) {
    await Promise.all(
      batches.slice(i, i + 8).map(async (batch) => {
        let pending = { [table]: batch.map((Item) => ({ PutRequest: { Item } })) };
        while (Object.keys(pending).length > 0) {
          const { UnprocessedItems } = await documents.send(new BatchWriteCommand({ RequestItems: pending }));
          pending = (UnprocessedItems ?? {}) as typeof pending;
        }
      }),
    );
  }
}

async function pageAll(path: string, limit: number, query: Record<string, string> = {}) {
  const pages: { id?: string; version?: string; at?: string; target?: string }[][] = [];
  let cursor: string | undefined;
  do {
    const response = await get(path, { ...query, limit: String(limit), ...(cursor ? { cursor } : {}) });
    expect(response.status).toBe(200);
    pages.push(response.body.items);
    cursor = response.body.nextCursor;
  } while (cursor);
  return pages;
}

beforeAll(async () => {
  await dynamo.send(new CreateTableCommand(tableDefinition(table, MAIN_TABLE_INDEXES)));
  await batchWrite(
    promptIds.map((id, i) => ({
      pk: KEYS.promptIndexPk,
      sk: KEYS.promptSk(id),
      id,
      latestVersion: '1.0.0',
      description: `Prompt ${i}`,
      updatedAt: at(i),
      ...(isArchived(i) ? { archived: { by: 'alice', at: at(i), reason: 'old' } } : {}),
    })),
  );
  await batchWrite(
    Array.from({ length: VERSIONS }, (_, i) => {
      const version = `1.${i}.0`;
      return {
        pk: KEYS.promptPk(promptIds[0] as string),
        sk: KEYS.versionSk(versionSortKey(version)),
        id: promptIds[0],
        version,
        sha256: 'a'.repeat(64),
        size: 100,
        createdBy: 'alice',
        createdAt: at(i),
        bump: { level: 'minor', reasons: [] },
        approvals: {},
      };
    }),
  );
  await batchWrite(
    Array.from({ length: REVISIONS }, (_, i) => ({
      pk: KEYS.environmentPk('prod'),
      sk: KEYS.environmentRevisionSk(i + 1),
      environment: 'prod',
      revision: i + 1,
      kind: 'deploy',
      pins: { [promptIds[i % PROMPTS] as string]: '1.0.0' },
      deploymentNumber: i + 1,
      strategy: 'AllAtOnce',
      state: 'COMPLETE',
      createdBy: 'alice',
      createdAt: at(i),
      hostedVersion: i + 1,
    })),
  );
  // Events from before sharding: the items as the unsharded log wrote them, in gsi1's AUDIT partition.
  await batchWrite(
    Array.from({ length: LEGACY_EVENTS }, (_, i) => ({
      pk: KEYS.auditPk(`legacy-${i}`),
      sk: KEYS.auditSk,
      gsi1pk: KEYS.auditAllGsiPk,
      gsi1sk: KEYS.auditGsiSk(at(i), `legacy-${i}`),
      eventId: `legacy-${i}`,
      at: at(i),
      actor: 'alice',
      action: 'prompt.publish',
      target: `legacy-${i}`,
      details: {},
      requestId: 'r',
    })),
  );
  const log = new DynamoAuditLog(documents, table);
  for (let i = 0; i < SHARDED_EVENTS; i += 50) {
    await Promise.all(
      Array.from({ length: 50 }, (_, j) =>
        log.append({
          eventId: `event-${i + j}`,
          at: at(LEGACY_EVENTS + i + j),
          actor: 'alice',
          action: 'prompt.publish',
          target: `event-${i + j}`,
          details: {},
          requestId: 'r',
        }),
      ),
    );
  }
}, 180_000);

afterAll(() => {
  documents.destroy();
  appconfig.destroy();
});

describe('GET /prompts at 10,000 prompts', () => {
  it(
    'pages of 100 cover every prompt once, by id, each page full but the last',
    async () => {
      const pages = await pageAll('/prompts', 100, { include: 'archived' });
      expect(pages.flat().map((p) => p.id)).toEqual(promptIds);
      expect(pages).toHaveLength(PROMPTS / 100);
      for (const page of pages) expect(page).toHaveLength(100);
    },
    PAGING_TIMEOUT,
  );

  it(
    'leaves archived prompts out and still fills every page but the last',
    async () => {
      const pages = await pageAll('/prompts', 100);
      const expected = promptIds.filter((_, i) => !isArchived(i));
      expect(pages.flat().map((p) => p.id)).toEqual(expected);
      for (const page of pages.slice(0, -1)) expect(page).toHaveLength(100);
      expect(pages).toHaveLength(Math.ceil(expected.length / 100));
    },
    PAGING_TIMEOUT,
  );

  it.each([
    ['limit', { limit: '0' }],
    ['limit', { limit: '1000' }],
    ['cursor', { cursor: 'garbage!' }],
    ['cursor', { cursor: Buffer.from('{"pk":"PROMPT#x","sk":"VERSION#1"}').toString('base64url') }],
  ])('is a 400 problem naming %s for %j', async (parameter, query) => {
    const response = await get('/prompts', query);
    expect(response.status).toBe(400);
    expect(response.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(response.body).toMatchObject({ code: 'BAD_REQUEST', errors: [{ path: parameter }] });
    expect(response.body.detail).toContain(parameter);
  });
});

describe('GET /prompts/{id}/versions with a long history', () => {
  it('pages of 30 cover every version once, newest first', async () => {
    const pages = await pageAll(`/prompts/${promptIds[0]}/versions`, 30);
    const expected = Array.from({ length: VERSIONS }, (_, i) => `1.${VERSIONS - 1 - i}.0`);
    expect(pages.flat().map((v) => v.version)).toEqual(expected);
    for (const page of pages.slice(0, -1)) expect(page).toHaveLength(30);
  });

  it("is a 400 naming cursor for another listing's cursor", async () => {
    const first = await get('/prompts', { limit: '1' });
    const response = await get(`/prompts/${promptIds[0]}/versions`, { cursor: first.body.nextCursor });
    expect(response.status).toBe(400);
    expect(response.body.errors).toEqual([{ path: 'cursor', message: expect.any(String) }]);
  });
});

describe('GET /environments/{env}/revisions', () => {
  it('pages of 50 cover the whole deployment history once, newest first', async () => {
    const pages = await pageAll('/environments/prod/revisions', 50);
    const revisions = pages.flat().map((r) => (r as { revision: number }).revision);
    expect(revisions).toEqual(Array.from({ length: REVISIONS }, (_, i) => REVISIONS - i));
    for (const page of pages.slice(0, -1)) expect(page).toHaveLength(50);
  });

  it.each([
    ['limit', { limit: 'ten' }],
    ['cursor', { cursor: 'x!' }],
  ])('is a 400 problem naming %s for %j', async (parameter, query) => {
    const response = await get('/environments/prod/revisions', query);
    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({ code: 'BAD_REQUEST', errors: [{ path: parameter }] });
  });

  it("is a 400 naming cursor for another environment's cursor", async () => {
    const first = await get('/environments/prod/revisions', { limit: '1' });
    const response = await get('/environments/dev/revisions', { cursor: first.body.nextCursor });
    expect(response.status).toBe(400);
    expect(response.body.errors).toEqual([
      { path: 'cursor', message: expect.stringContaining('another listing') },
    ]);
  });
});

describe('GET /audit over the shards', () => {
  it('spreads the events over every shard, and leaves the old ones where they were', async () => {
    const counts = await Promise.all(
      AUDIT_ALL_PARTITIONS.map(async (partition) => {
        const { Count } = await documents.send(
          new QueryCommand({
            TableName: table,
            IndexName: TABLE.gsi1.name,
            KeyConditionExpression: '#pk = :pk',
            ExpressionAttributeNames: { '#pk': TABLE.gsi1.partitionKey },
            ExpressionAttributeValues: { ':pk': partition },
            Select: 'COUNT',
          }),
        );
        return Count ?? 0;
      }),
    );
    const legacy = counts.pop();
    expect(legacy).toBe(LEGACY_EVENTS);
    expect(counts).toHaveLength(16);
    for (const count of counts) expect(count).toBeGreaterThan(SHARDED_EVENTS / 16 / 2);
    expect(counts.reduce((a, b) => a + b, 0)).toBe(SHARDED_EVENTS);
  });

  it.each([13, 100])(
    'pages of %i cover every event once, newest first, legacy ones last',
    async (limit) => {
      const pages = await pageAll('/audit', limit);
      const targets = pages.flat().map((e) => e.target);
      const expected = [
        ...Array.from({ length: SHARDED_EVENTS }, (_, i) => `event-${SHARDED_EVENTS - 1 - i}`),
        ...Array.from({ length: LEGACY_EVENTS }, (_, i) => `legacy-${LEGACY_EVENTS - 1 - i}`),
      ];
      expect(targets).toEqual(expected);
      for (const page of pages.slice(0, -1)) expect(page).toHaveLength(limit);
    },
    PAGING_TIMEOUT,
  );

  it('is a 400 naming cursor for a cursor of the prompt index', async () => {
    const first = await get('/prompts', { limit: '1' });
    const response = await get('/audit', { cursor: first.body.nextCursor });
    expect(response.status).toBe(400);
    expect(response.body.errors).toEqual([{ path: 'cursor', message: expect.any(String) }]);
  });
});
