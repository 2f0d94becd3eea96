/** The DynamoDB and S3 evaluation adapters against dynalite and s3rver (or whatever PROMPTOPS_*_ENDPOINT name). */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { sharedDocumentClient } from '../../lambda/adapters/aws-clients.ts';
import { S3EvaluationObjectStore } from '../../lambda/adapters/evaluation-object-store.ts';
import {
  DynamoEvaluationRepository,
  INLINE_SUITE_BYTES,
} from '../../lambda/adapters/evaluation-repository.ts';
import { sharedS3Client } from '../../lambda/adapters/s3-client.ts';
import type { EvalSuiteRecord, EvaluationRecord } from '../../lambda/evaluation/model.ts';
import { ENV } from '../../src/core/contracts.ts';
import { sha256Hex } from '../../src/core/hash.ts';

const objects = new S3EvaluationObjectStore(sharedS3Client(), process.env[ENV.bodyBucket] as string);
const repository = new DynamoEvaluationRepository(
  sharedDocumentClient(),
  process.env[ENV.table] as string,
  objects,
);

const promptId = () => `it-${randomBytes(5).toString('hex')}`;

function suite(id: string, revision: number, text = `tests: [] # ${revision}`): EvalSuiteRecord {
  return {
    promptId: id,
    revision,
    sha256: sha256Hex(text),
    suite: text,
    updatedBy: 'alice',
    updatedAt: '2026-12-01T10:00:00.000Z',
  };
}

function run(id: string, runId: string, version = '1.0.0'): EvaluationRecord {
  return {
    id: runId,
    promptId: id,
    version,
    state: 'RUNNING',
    threshold: 0.9,
    suiteRevision: 1,
    provider: { type: 'echo' },
    providerSpec: { type: 'echo' },
    startedBy: 'bob',
    startedAt: '2026-12-01T10:00:00.000Z',
  };
}

describe('DynamoEvaluationRepository', () => {
  it('moves the current suite only from the revision read, and keeps every revision', async () => {
    const id = promptId();
    expect(await repository.getSuite(id)).toBeUndefined();
    expect(await repository.putSuite(suite(id, 1), 0)).toBe('created');
    await repository.putSuiteRevision(suite(id, 1));
    expect(await repository.putSuite(suite(id, 1, 'other'), 0)).toBe('conflict');
    expect(await repository.putSuite(suite(id, 2), 1)).toBe('created');
    expect(await repository.putSuite(suite(id, 3), 1)).toBe('conflict');
    expect(await repository.getSuite(id)).toEqual(suite(id, 2));
    expect(await repository.getSuiteRevision(id, 1)).toEqual(suite(id, 1));
    // No history item yet for 2: the current item stands in for it.
    expect(await repository.getSuiteRevision(id, 2)).toEqual(suite(id, 2));
    expect(await repository.getSuiteRevision(id, 3)).toBeUndefined();
  });

  it('keeps a large suite text in S3 only and reads it back from there', async () => {
    const id = promptId();
    const text = `# ${'x'.repeat(INLINE_SUITE_BYTES)}\ntests: []\n`;
    const record = suite(id, 1, text);
    await objects.putSuite(record.sha256, text);
    await repository.putSuite(record, 0);
    expect(await repository.getSuite(id)).toEqual(record);
  });

  it("creates a run once, finishes it only while RUNNING, and lists a version's runs newest first", async () => {
    const id = promptId();
    const older = run(id, '20261201T100000000Z-aaaaaaaa');
    const newer = run(id, '20261201T110000000Z-bbbbbbbb');
    await repository.createRun(older);
    await repository.createRun(newer);
    await repository.createRun(run(id, '20261201T120000000Z-cccccccc', '1.1.0'));
    expect(await repository.createRun(older)).toBe('exists');

    const ended: EvaluationRecord = {
      ...older,
      state: 'PASSED',
      passRate: 1,
      endedAt: '2026-12-01T10:01:00.000Z',
      tests: [
        {
          description: 't',
          vars: { q: 'x' },
          passed: true,
          assertions: [{ type: 'equals', passed: true, reason: 'ok' }],
        },
      ],
    };
    expect(await repository.finishRun(ended)).toBe('finished');
    expect(await repository.finishRun({ ...ended, state: 'ERROR', reason: 'late' })).toBe('not-running');
    expect(await repository.getRun(id, '1.0.0', older.id)).toEqual(ended);

    const listed = await repository.listRuns(id, '1.0.0');
    expect(listed.map((r) => r.id)).toEqual([newer.id, older.id]);
    expect(listed[1]).toEqual({
      id: older.id,
      promptId: id,
      version: '1.0.0',
      state: 'PASSED',
      passRate: 1,
      threshold: 0.9,
      suiteRevision: 1,
      provider: { type: 'echo' },
      startedBy: 'bob',
      startedAt: older.startedAt,
      endedAt: ended.endedAt,
    });
    expect(await repository.listRuns(id, '1.0.0', 1)).toHaveLength(1);
    expect(await repository.getRun(id, '2.0.0', older.id)).toBeUndefined();
  });
});

describe('S3EvaluationObjectStore', () => {
  it('stores outputs by hash and refuses an altered object', async () => {
    const json = JSON.stringify([{ output: 'x'.repeat(1000) }]);
    const sha = sha256Hex(json);
    await objects.putOutputs(sha, json);
    expect(await objects.getOutputs(sha)).toBe(json);
    expect(await objects.getOutputs(sha256Hex('absent'))).toBeUndefined();
    await objects.putOutputs(sha256Hex('a'), 'b');
    await expect(objects.getOutputs(sha256Hex('a'))).rejects.toThrow(/altered/);
  });
});
