/**
 * Evaluation suites and runs in the main table, under the prompt's partition (key layout in core
 * contracts). Single-item conditional writes only, as the other adapters. A suite text over
 * `INLINE_SUITE_BYTES` lives only in the object store; the item keeps its hash.
 */
import { type DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { EvaluationSummary } from '../../src/core/api.ts';
import { KEYS, TABLE } from '../../src/core/contracts.ts';
import { versionSortKey } from '../../src/core/versioning.ts';
import type { EvalSuiteRecord, EvaluationRecord } from '../evaluation/model.ts';
import type { EvaluationObjectStore, EvaluationRepository } from '../evaluation/ports.ts';
import { newRunId } from '../evaluation/run-ids.ts';
import { isConditionalCheckFailed } from './dynamo-errors.ts';

/** Suite texts up to this many UTF-8 bytes are kept in the item too, so reading a suite is one GetItem. */
export const INLINE_SUITE_BYTES = 100 * 1024;

const SUMMARY_FIELDS = [
  'id',
  'promptId',
  'version',
  'state',
  'passRate',
  'threshold',
  'suiteRevision',
  'provider',
  'providerOverride',
  'startedBy',
  'startedAt',
  'endedAt',
  'reason',
] as const;

function suiteKey(promptId: string, revision?: number) {
  return {
    [TABLE.partitionKey]: KEYS.promptPk(promptId),
    [TABLE.sortKey]: revision === undefined ? KEYS.evalSuiteSk : KEYS.evalSuiteRevisionSk(revision),
  };
}

function runKey(promptId: string, version: string, runId: string) {
  return {
    [TABLE.partitionKey]: KEYS.promptPk(promptId),
    [TABLE.sortKey]: KEYS.evalRunSk(versionSortKey(version), runId),
  };
}

function withoutKeys(item: Record<string, unknown>): Record<string, unknown> {
  const { [TABLE.partitionKey]: _pk, [TABLE.sortKey]: _sk, ...rest } = item;
  return rest;
}

export class DynamoEvaluationRepository implements EvaluationRepository {
  private readonly client: DynamoDBDocumentClient;
  private readonly tableName: string;
  private readonly objects: Pick<EvaluationObjectStore, 'getSuite'>;

  constructor(
    client: DynamoDBDocumentClient,
    tableName: string,
    objects: Pick<EvaluationObjectStore, 'getSuite'>,
  ) {
    this.client = client;
    this.tableName = tableName;
    this.objects = objects;
  }

  getSuite(promptId: string): Promise<EvalSuiteRecord | undefined> {
    return this.readSuite(suiteKey(promptId));
  }

  async getSuiteRevision(promptId: string, revision: number): Promise<EvalSuiteRecord | undefined> {
    const record = await this.readSuite(suiteKey(promptId, revision));
    if (record) return record;
    // The history entry is written after the current item: a failure between the two leaves only that.
    const current = await this.getSuite(promptId);
    return current?.revision === revision ? current : undefined;
  }

  async putSuite(record: EvalSuiteRecord, expectedRevision: number): Promise<'created' | 'conflict'> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...suiteKey(record.promptId), ...this.suiteItem(record) },
          ConditionExpression: expectedRevision === 0 ? 'attribute_not_exists(#pk)' : '#revision = :expected',
          ExpressionAttributeNames:
            expectedRevision === 0 ? { '#pk': TABLE.partitionKey } : { '#revision': 'revision' },
          ...(expectedRevision === 0 ? {} : { ExpressionAttributeValues: { ':expected': expectedRevision } }),
        }),
      );
      return 'created';
    } catch (error) {
      if (isConditionalCheckFailed(error)) return 'conflict';
      throw error;
    }
  }

  async putSuiteRevision(record: EvalSuiteRecord): Promise<void> {
    await this.client.send(
      new PutCommand({
        TableName: this.tableName,
        Item: { ...suiteKey(record.promptId, record.revision), ...this.suiteItem(record) },
      }),
    );
  }

  async createRun(record: EvaluationRecord): Promise<'created' | 'exists'> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...runKey(record.promptId, record.version, record.id), ...record },
          ConditionExpression: 'attribute_not_exists(#pk)',
          ExpressionAttributeNames: { '#pk': TABLE.partitionKey },
        }),
      );
      return 'created';
    } catch (error) {
      if (isConditionalCheckFailed(error)) return 'exists';
      throw error;
    }
  }

  async findRunByRequest(
    promptId: string,
    version: string,
    requestKey: string,
    since: Date,
  ): Promise<EvaluationRecord | undefined> {
    const prefix = KEYS.evalRunSkPrefix(versionSortKey(version));
    let startKey: Record<string, unknown> | undefined;
    // Run ids begin with their start time, so the key range holds only the runs started since then.
    do {
      const result = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: '#pk = :pk AND #sk BETWEEN :from AND :to',
          FilterExpression: '#requestKey = :requestKey',
          ExpressionAttributeNames: {
            '#pk': TABLE.partitionKey,
            '#sk': TABLE.sortKey,
            '#requestKey': 'requestKey',
          },
          ExpressionAttributeValues: {
            ':pk': KEYS.promptPk(promptId),
            ':from': `${prefix}${newRunId(since, '')}`,
            ':to': `${prefix}~`,
            ':requestKey': requestKey,
          },
          ConsistentRead: true,
          ExclusiveStartKey: startKey,
        }),
      );
      const [item] = result.Items ?? [];
      if (item) return withoutKeys(item) as unknown as EvaluationRecord;
      startKey = result.LastEvaluatedKey;
    } while (startKey !== undefined);
    return undefined;
  }

  async finishRun(record: EvaluationRecord): Promise<'finished' | 'not-running'> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...runKey(record.promptId, record.version, record.id), ...record },
          ConditionExpression: '#state = :running',
          ExpressionAttributeNames: { '#state': 'state' },
          ExpressionAttributeValues: { ':running': 'RUNNING' },
        }),
      );
      return 'finished';
    } catch (error) {
      if (isConditionalCheckFailed(error)) return 'not-running';
      throw error;
    }
  }

  async getRun(promptId: string, version: string, runId: string): Promise<EvaluationRecord | undefined> {
    const { Item } = await this.client.send(
      new GetCommand({
        TableName: this.tableName,
        Key: runKey(promptId, version, runId),
        ConsistentRead: true,
      }),
    );
    return Item ? (withoutKeys(Item) as unknown as EvaluationRecord) : undefined;
  }

  async listRuns(promptId: string, version: string, limit = 100): Promise<EvaluationSummary[]> {
    const names = Object.fromEntries(SUMMARY_FIELDS.map((field) => [`#${field}`, field]));
    const { Items } = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :prefix)',
        ProjectionExpression: SUMMARY_FIELDS.map((field) => `#${field}`).join(', '),
        ExpressionAttributeNames: { ...names, '#pk': TABLE.partitionKey, '#sk': TABLE.sortKey },
        ExpressionAttributeValues: {
          ':pk': KEYS.promptPk(promptId),
          ':prefix': KEYS.evalRunSkPrefix(versionSortKey(version)),
        },
        ScanIndexForward: false,
        Limit: limit,
        ConsistentRead: true,
      }),
    );
    return (Items ?? []).map((item) => item as unknown as EvaluationSummary);
  }

  private suiteItem(record: EvalSuiteRecord): Record<string, unknown> {
    const { suite, ...rest } = record;
    return Buffer.byteLength(suite, 'utf8') <= INLINE_SUITE_BYTES ? { ...rest, suite } : rest;
  }

  private async readSuite(key: Record<string, string>): Promise<EvalSuiteRecord | undefined> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: key, ConsistentRead: true }),
    );
    if (!Item) return undefined;
    const record = withoutKeys(Item) as Omit<EvalSuiteRecord, 'suite'> & { suite?: string };
    if (record.suite !== undefined) return record as EvalSuiteRecord;
    const suite = await this.objects.getSuite(record.sha256);
    if (suite === undefined)
      throw new Error(`The suite of ${record.promptId} (${record.sha256}) is missing from the body store`);
    return { ...record, suite };
  }
}
