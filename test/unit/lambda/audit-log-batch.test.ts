/** The audit log's batched append against dynalite: a deploy of thousands of prompts writes one event per prompt. */
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoAuditLog } from '../../../lambda/adapters/audit-log.ts';
import { auditEvent } from '../../../lambda/audit-events.ts';
import { MAIN_TABLE_INDEXES } from '../../../src/core/contracts.ts';
import { type EmbeddedService, startDynamoDb } from '../../../src/local/embedded-services.ts';
import { tableDefinition } from '../../../src/local/provision.ts';

let dynamo: EmbeddedService;
let documents: DynamoDBDocumentClient;
let log: DynamoAuditLog;

const event = (i: number) =>
  auditEvent(
    {
      at: `2026-12-02T10:00:${String(i % 60).padStart(2, '0')}.000Z`,
      actor: 'alice',
      action: 'environment.deploy',
      target: `batch-${i}@1.0.0`,
      details: { revision: 1 },
      requestId: 'r1',
      promptId: `batch-${i}`,
      environment: 'dev',
    },
    'dev#1',
  );

beforeAll(async () => {
  process.env.AWS_REGION ??= 'us-east-1';
  process.env.AWS_ACCESS_KEY_ID ??= 'local';
  process.env.AWS_SECRET_ACCESS_KEY ??= 'local';
  dynamo = await startDynamoDb();
  const client = new DynamoDBClient({ endpoint: dynamo.endpoint });
  documents = DynamoDBDocumentClient.from(client);
  await client.send(new CreateTableCommand(tableDefinition('audit-batch-test', MAIN_TABLE_INDEXES)));
  log = new DynamoAuditLog(documents, 'audit-batch-test');
});

afterAll(async () => {
  documents.destroy();
  await dynamo.close();
});

describe('DynamoAuditLog.appendMany', () => {
  it('writes every event once, readable per environment and per prompt, and a repeat adds nothing', {
    timeout: 60_000,
  }, async () => {
    const events = Array.from({ length: 120 }, (_, i) => event(i));
    // A retried batch, and an event named twice in one call.
    await log.appendMany([...events, event(7)]);
    await log.appendMany(events.slice(0, 30));
    const listed = await log.list({ environment: 'dev' }, { limit: 500 });
    expect(listed.items).toHaveLength(120);
    expect(new Set(listed.items.map((e) => e.eventId))).toEqual(new Set(events.map((e) => e.eventId)));
    expect((await log.list({ promptId: 'batch-7' }, { limit: 10 })).items).toEqual([event(7)]);
    // A single append of an event already written by the batch is a no-op, as before.
    await log.append(event(3));
    expect((await log.list({ promptId: 'batch-3' }, { limit: 10 })).items).toHaveLength(1);
  });
});
