/**
 * Listing at scale (issue 16; docs/architecture.md, "Listing at 10,000 prompts" and "Sharded audit
 * index"), against dynalite in-process: paging every one of 10,000 prompts through the query handler,
 * and a page of the all-events audit log merged from its 16 shards and the legacy partition.
 */
import { randomBytes } from 'node:crypto';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { BatchWriteCommand, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoAuditLog } from '../lambda/adapters/audit-log.ts';
import { createQueryHandler } from '../lambda/handlers/query.ts';
import { buildRegistryDeps } from '../lambda/registry/deps.ts';
import { KEYS, MAIN_TABLE_INDEXES } from '../src/core/contracts.ts';
import { matchRoute } from '../src/core/routes.ts';
import { apiGatewayEvent } from '../src/local/api-event.ts';
import { startDynamoDb } from '../src/local/embedded-services.ts';
import { tableDefinition } from '../src/local/provision.ts';
import { lambdaContext } from '../test/fixtures/api.ts';
import { type BenchResult, evaluate } from './harness.ts';

const PROMPTS = 10_000;
const EVENTS = 2_000;
const at = (i: number) => new Date(Date.UTC(2026, 10, 1) + i * 1000).toISOString();
const median = (values: number[]) =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;

async function batchWrite(
  documents: DynamoDBDocumentClient,
  table: string,
  items: Record<string, unknown>[],
) {
  for (let i = 0; i < items.length; i += 200) {
    await Promise.all(
      Array.from({ length: 8 }, async (_, b) => {
        let pending = {
          [table]: items.slice(i + b * 25, i + b * 25 + 25).map((Item) => ({ PutRequest: { Item } })),
        };
        while ((pending[table]?.length ?? 0) > 0) {
          const { UnprocessedItems } = await documents.send(new BatchWriteCommand({ RequestItems: pending }));
          pending = { [table]: (UnprocessedItems?.[table] ?? []) as (typeof pending)[string] };
        }
      }),
    );
  }
}

export default async function listing(): Promise<BenchResult[]> {
  process.env.AWS_REGION ??= 'us-east-1';
  process.env.AWS_ACCESS_KEY_ID ??= 'S3RVER';
  process.env.AWS_SECRET_ACCESS_KEY ??= 'S3RVER';
  const dynamo = await startDynamoDb();
  const client = new DynamoDBClient({ endpoint: dynamo.endpoint });
  const documents = DynamoDBDocumentClient.from(client);
  let itemsRead = 0;
  documents.middlewareStack.add(
    (next) => async (args) => {
      const result = await next(args);
      itemsRead += (result.output as { ScannedCount?: number }).ScannedCount ?? 0;
      return result;
    },
    { step: 'initialize', name: 'countItemsRead' },
  );
  const s3 = new S3Client({});
  try {
    const table = `promptops-bench-${randomBytes(4).toString('hex')}`;
    await client.send(new CreateTableCommand(tableDefinition(table, MAIN_TABLE_INDEXES)));
    await batchWrite(
      documents,
      table,
      Array.from({ length: PROMPTS }, (_, i) => ({
        pk: KEYS.promptIndexPk,
        sk: KEYS.promptSk(`bench-${String(i).padStart(5, '0')}`),
        id: `bench-${String(i).padStart(5, '0')}`,
        latestVersion: '1.0.0',
        description: `Prompt ${i}`,
        updatedAt: at(i),
      })),
    );
    const log = new DynamoAuditLog(documents, table);
    for (let i = 0; i < EVENTS; i += 100) {
      await Promise.all(
        Array.from({ length: 100 }, (_, j) =>
          log.append({
            eventId: `event-${i + j}`,
            at: at(i + j),
            actor: 'alice',
            action: 'prompt.publish',
            target: `event-${i + j}`,
            details: {},
            requestId: 'r',
          }),
        ),
      );
    }
    const handler = createQueryHandler(() => buildRegistryDeps({ documents, s3, table, bucket: 'unused' }));
    const get = async (path: string, query: Record<string, string>) => {
      const match = matchRoute('GET', path);
      if (!match) throw new Error(`no route ${path}`);
      const result = await handler(
        apiGatewayEvent({
          method: 'GET',
          path,
          routeKey: match.routeKey,
          query,
          caller: 'arn:aws:iam::1:user/a',
        }),
        lambdaContext('query'),
      );
      if (result.statusCode !== 200) throw new Error(`${path} answered ${result.statusCode}: ${result.body}`);
      return JSON.parse(result.body as string) as { items: unknown[]; nextCursor?: string };
    };

    const pageAll = async (path: string) => {
      let cursor: string | undefined;
      let count = 0;
      do {
        const page = await get(path, { limit: '100', ...(cursor ? { cursor } : {}) });
        count += page.items.length;
        cursor = page.nextCursor;
      } while (cursor);
      return count;
    };
    await pageAll('/prompts'); // warm-up
    const promptRuns: number[] = [];
    for (let run = 0; run < 3; run++) {
      const started = performance.now();
      const count = await pageAll('/prompts');
      promptRuns.push(performance.now() - started);
      if (count !== PROMPTS) throw new Error(`paged ${count} prompts, not ${PROMPTS}`);
    }

    const auditPages: number[] = [];
    const readPerPage: number[] = [];
    let cursor: string | undefined;
    let events = 0;
    do {
      itemsRead = 0;
      const started = performance.now();
      const page = await get('/audit', { limit: '100', ...(cursor ? { cursor } : {}) });
      auditPages.push(performance.now() - started);
      readPerPage.push(itemsRead);
      events += page.items.length;
      cursor = page.nextCursor;
    } while (cursor);
    if (events !== EVENTS) throw new Error(`paged ${events} audit events, not ${EVENTS}`);

    return [
      evaluate({
        name: 'list-10k-prompts',
        unit: 'ms',
        value: median(promptRuns),
        detail: `GET /prompts, 100 pages of 100 through the query handler against dynalite, median of 3`,
      }),
      evaluate({
        name: 'audit-page-sharded',
        unit: 'ms',
        value: median(auditPages),
        detail: `GET /audit page of 100 merged from 16 shards + legacy (${EVENTS} events), median of ${auditPages.length} pages`,
      }),
      evaluate({
        name: 'audit-page-items-read',
        unit: 'items',
        value: median(readPerPage),
        detail:
          'items DynamoDB read for one merged page of 100 (ScannedCount summed over its Queries), median',
      }),
    ];
  } finally {
    documents.destroy();
    s3.destroy();
    await dynamo.close();
  }
}
