/**
 * The release gate's read-only view of evaluation suites and runs in the main table (key layout in
 * core contracts): the current suite item `EVALSUITE` and the version's run items `EVAL#<version>#<runId>`,
 * both under the prompt's partition. Only the attributes the gate decides on are read.
 */
import { type DynamoDBDocumentClient, GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { KEYS, TABLE } from '../../src/core/contracts.ts';
import { versionSortKey } from '../../src/core/versioning.ts';
import type { EvaluationEvidence, EvaluationEvidenceRun } from '../delivery/evaluation-gate.ts';
import { batchGetItems } from './batch-get.ts';

const RUN_ATTRIBUTES = [
  'id',
  'state',
  'suiteRevision',
  'passRate',
  'threshold',
  'reason',
  'providerOverride',
] as const;

export class DynamoEvaluationEvidence implements EvaluationEvidence {
  private readonly client: DynamoDBDocumentClient;
  private readonly tableName: string;

  constructor(client: DynamoDBDocumentClient, tableName: string) {
    this.client = client;
    this.tableName = tableName;
  }

  async getSuite(promptId: string): Promise<{ revision: number } | undefined> {
    const { Item } = await this.client.send(
      new GetCommand({
        TableName: this.tableName,
        Key: { [TABLE.partitionKey]: KEYS.promptPk(promptId), [TABLE.sortKey]: KEYS.evalSuiteSk },
        ProjectionExpression: '#revision',
        ExpressionAttributeNames: { '#revision': 'revision' },
        // A suite put just before a deploy must gate it.
        ConsistentRead: true,
      }),
    );
    return typeof Item?.revision === 'number' ? { revision: Item.revision } : undefined;
  }

  /** The current suites of many prompts in batched reads, in the order asked. */
  async getSuites(promptIds: readonly string[]): Promise<({ revision: number } | undefined)[]> {
    const items = await batchGetItems(
      this.client,
      this.tableName,
      // BatchGetItem refuses a request that names a key twice.
      [...new Set(promptIds)].map((id) => ({
        [TABLE.partitionKey]: KEYS.promptPk(id),
        [TABLE.sortKey]: KEYS.evalSuiteSk,
      })),
      {
        expression: '#pk, #revision',
        names: { '#pk': TABLE.partitionKey, '#revision': 'revision' },
      },
    );
    const revisions = new Map<unknown, number>();
    for (const item of items)
      if (typeof item.revision === 'number') revisions.set(item[TABLE.partitionKey], item.revision);
    return promptIds.map((id) => {
      const revision = revisions.get(KEYS.promptPk(id));
      return revision === undefined ? undefined : { revision };
    });
  }

  /** Every run of the version, newest first (run ids sort by start time), page by page. */
  async listRuns(promptId: string, version: string): Promise<EvaluationEvidenceRun[]> {
    const runs: EvaluationEvidenceRun[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const page = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :prefix)',
          ProjectionExpression: RUN_ATTRIBUTES.map((name) => `#${name}`).join(', '),
          ExpressionAttributeNames: {
            '#pk': TABLE.partitionKey,
            '#sk': TABLE.sortKey,
            ...Object.fromEntries(RUN_ATTRIBUTES.map((name) => [`#${name}`, name])),
          },
          ExpressionAttributeValues: {
            ':pk': KEYS.promptPk(promptId),
            ':prefix': KEYS.evalRunSkPrefix(versionSortKey(version)),
          },
          ScanIndexForward: false,
          ConsistentRead: true,
          ...(start ? { ExclusiveStartKey: start } : {}),
        }),
      );
      for (const item of page.Items ?? []) runs.push(toRun(item));
      start = page.LastEvaluatedKey;
    } while (start);
    return runs;
  }
}

function toRun(item: Record<string, unknown>): EvaluationEvidenceRun {
  return {
    id: String(item.id),
    state: item.state as EvaluationEvidenceRun['state'],
    suiteRevision: Number(item.suiteRevision),
    threshold: Number(item.threshold),
    ...(typeof item.passRate === 'number' ? { passRate: item.passRate } : {}),
    ...(typeof item.reason === 'string' ? { reason: item.reason } : {}),
    ...(item.providerOverride === true ? { providerOverride: true } : {}),
  };
}
