/** The prompt repository's batched reads against dynalite (docs/architecture.md, "Ten thousand prompts"). */
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoPromptRepository } from '../../../lambda/adapters/prompt-repository.ts';
import type { VersionRecord } from '../../../lambda/model.ts';
import { MAIN_TABLE_INDEXES } from '../../../src/core/contracts.ts';
import { type EmbeddedService, startDynamoDb } from '../../../src/local/embedded-services.ts';
import { tableDefinition } from '../../../src/local/provision.ts';

let dynamo: EmbeddedService;
let documents: DynamoDBDocumentClient;
let repository: DynamoPromptRepository;

const record = (i: number, version = '1.0.0'): VersionRecord => ({
  id: `batch-${String(i).padStart(4, '0')}`,
  version,
  sha256: 'a'.repeat(64),
  size: 10,
  createdBy: 'alice',
  createdAt: '2026-12-01T00:00:00.000Z',
  bump: { level: 'major', reasons: [] },
  approvals: [],
  ref: `${'A'.repeat(42)}${i % 2 === 0 ? 'E' : 'I'}`,
  objectBytes: 500 + i,
  bodyBytes: 300,
});

beforeAll(async () => {
  process.env.AWS_REGION ??= 'us-east-1';
  process.env.AWS_ACCESS_KEY_ID ??= 'local';
  process.env.AWS_SECRET_ACCESS_KEY ??= 'local';
  dynamo = await startDynamoDb();
  const client = new DynamoDBClient({ endpoint: dynamo.endpoint });
  documents = DynamoDBDocumentClient.from(client);
  await client.send(new CreateTableCommand(tableDefinition('batch-test', MAIN_TABLE_INDEXES)));
  repository = new DynamoPromptRepository(documents, 'batch-test');
  for (let i = 0; i < 250; i++) await repository.createVersion(record(i));
});

afterAll(async () => {
  documents.destroy();
  await dynamo.close();
});

describe('DynamoPromptRepository batched reads', () => {
  it('reads 250 versions in order with their refs and sizes, undefined where one does not exist', {
    timeout: 60_000,
  }, async () => {
    const wanted = [
      ...Array.from({ length: 250 }, (_, i) => ({ id: record(i).id, version: '1.0.0' })),
      { id: record(3).id, version: '9.9.9' },
    ];
    const found = await repository.getVersions(wanted);
    expect(found).toHaveLength(251);
    expect(found.slice(0, 250)).toEqual(Array.from({ length: 250 }, (_, i) => record(i)));
    expect(found[250]).toBeUndefined();
  });

  it('reads the refs version items record, in order, undefined for a missing version or an item without one', {
    timeout: 60_000,
  }, async () => {
    const { ref: _r, objectBytes: _o, bodyBytes: _b, ...legacy } = record(950);
    await repository.createVersion(legacy);
    const wanted = [
      ...Array.from({ length: 250 }, (_, i) => ({ id: record(i).id, version: '1.0.0' })),
      { id: record(3).id, version: '9.9.9' },
      { id: legacy.id, version: '1.0.0' },
    ];
    const refs = await repository.getRecordedRefs(wanted);
    expect(refs).toEqual([...Array.from({ length: 250 }, (_, i) => record(i).ref), undefined, undefined]);
  });

  it('reads archival flags of many prompts in order', { timeout: 60_000 }, async () => {
    await repository.recordLatest(record(1));
    await repository.recordLatest(record(2));
    await repository.setArchival(record(2).id, {
      at: '2026-12-02T00:00:00.000Z',
      by: 'alice',
      reason: 'old',
    });
    const archivals = await repository.getArchivals([record(1).id, record(2).id, 'batch-none']);
    expect(archivals[0]).toBeUndefined();
    expect(archivals[1]).toMatchObject({ reason: 'old' });
    expect(archivals[2]).toBeUndefined();
  });

  it('records a backfilled ref only on an item without one, and replaces the lint stamp', async () => {
    const { ref: _r, objectBytes: _o, bodyBytes: _b, ...legacy } = record(900);
    await repository.createVersion(legacy);
    const facts = { ref: `${'B'.repeat(42)}E`, objectBytes: 700, bodyBytes: 400 };
    expect(await repository.recordVersionFacts(legacy.id, '1.0.0', { ...facts, lintedWith: '1-old' })).toBe(
      'recorded',
    );
    expect(await repository.getVersion(legacy.id, '1.0.0')).toEqual({
      ...legacy,
      ...facts,
      lintedWith: '1-old',
    });
    // A ref already recorded stays (publish wrote that object); the stamp moves on.
    await repository.recordVersionFacts(record(5).id, '1.0.0', { ...facts, lintedWith: '2-new' });
    expect(await repository.getVersion(record(5).id, '1.0.0')).toEqual({ ...record(5), lintedWith: '2-new' });
    expect(await repository.recordVersionFacts('batch-none', '1.0.0', { lintedWith: '2-new' })).toBe(
      'missing',
    );
    expect(await repository.getVersion('batch-none', '1.0.0')).toBeUndefined();
  });
});
