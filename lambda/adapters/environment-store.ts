/** Environment state and revision history in the main table (key layout in core contracts). */
import { randomUUID } from 'node:crypto';
import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type { CanaryAnalysisEntry } from '../../src/core/api.ts';
import { KEYS, TABLE } from '../../src/core/contracts.ts';
import type { DeploymentRecord, EnvironmentState, RevisionRecord } from '../delivery/model.ts';
import type { EnvironmentStore } from '../delivery/ports.ts';
import type { Page, PageRequest } from '../ports.ts';
import { isConditionalCheckFailed } from './dynamo-errors.ts';
import { decodeCursor, encodeCursor } from './pagination.ts';

const STATE_FIELDS = [
  'environment',
  'revision',
  'lastRevision',
  'pins',
  'deployment',
  'updatedAt',
  'pendingRevision',
  'pendingUntil',
  'pendingToken',
  'pendingKey',
  'lastStart',
  'recentStarts',
] as const;

function stateKey(environment: string) {
  return { [TABLE.partitionKey]: KEYS.environmentPk(environment), [TABLE.sortKey]: KEYS.environmentStateSk };
}

function revisionKey(environment: string, revision: number) {
  return {
    [TABLE.partitionKey]: KEYS.environmentPk(environment),
    [TABLE.sortKey]: KEYS.environmentRevisionSk(revision),
  };
}

function toState(item: Record<string, unknown>): EnvironmentState {
  const state: Record<string, unknown> = { revision: 0, lastRevision: 0, pins: {} };
  for (const field of STATE_FIELDS) if (item[field] !== undefined) state[field] = item[field];
  return state as unknown as EnvironmentState;
}

function toRevision(item: Record<string, unknown>): RevisionRecord {
  const { pk: _pk, sk: _sk, ...record } = item;
  return record as unknown as RevisionRecord;
}

export class DynamoEnvironmentStore implements EnvironmentStore {
  private readonly client: DynamoDBDocumentClient;
  private readonly tableName: string;

  constructor(client: DynamoDBDocumentClient, tableName: string) {
    this.client = client;
    this.tableName = tableName;
  }

  async get(environment: string): Promise<EnvironmentState | undefined> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: stateKey(environment), ConsistentRead: true }),
    );
    return Item ? toState(Item) : undefined;
  }

  async claim(
    environment: string,
    expectedLastRevision: number,
    revision: number,
    until: string,
    now: string,
    requestKey?: string,
  ): Promise<'claimed' | 'conflict'> {
    const allocated = expectedLastRevision === 0 ? 'attribute_not_exists(#last)' : '#last = :expected';
    // Names this claim, so a claim whose answer was lost is released without touching another's.
    const token = randomUUID();
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: stateKey(environment),
          UpdateExpression: `SET #env = :env, #pending = :revision, #until = :until, #token = :token${
            requestKey !== undefined ? ', #key = :key' : ''
          }${requestKey === undefined ? ' REMOVE #key' : ''}`,
          ConditionExpression: `(${allocated}) AND (attribute_not_exists(#pending) OR #until < :now)`,
          ExpressionAttributeNames: {
            '#env': 'environment',
            '#last': 'lastRevision',
            '#pending': 'pendingRevision',
            '#until': 'pendingUntil',
            '#token': 'pendingToken',
            '#key': 'pendingKey',
          },
          ExpressionAttributeValues: {
            ':env': environment,
            ':revision': revision,
            ':until': until,
            ':token': token,
            ':now': now,
            ...(requestKey !== undefined ? { ':key': requestKey } : {}),
            ...(expectedLastRevision === 0 ? {} : { ':expected': expectedLastRevision }),
          },
        }),
      );
      return 'claimed';
    } catch (error) {
      if (isConditionalCheckFailed(error)) return 'conflict';
      // Unanswered: the claim may have been applied. Drop it if it is this one, then fail as before
      // (docs/architecture.md, "Cut points: delivery").
      await this.releaseToken(environment, token).catch(() => undefined);
      throw error;
    }
  }

  private async releaseToken(environment: string, token: string): Promise<void> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: stateKey(environment),
          UpdateExpression: 'REMOVE #pending, #until, #token, #key',
          ConditionExpression: '#token = :token',
          ExpressionAttributeNames: {
            '#pending': 'pendingRevision',
            '#until': 'pendingUntil',
            '#token': 'pendingToken',
            '#key': 'pendingKey',
          },
          ExpressionAttributeValues: { ':token': token },
        }),
      );
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw error;
    }
  }

  async release(environment: string, revision: number, token?: string): Promise<void> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: stateKey(environment),
          UpdateExpression: 'REMOVE #pending, #until, #token, #key',
          ConditionExpression: `#pending = :revision${token !== undefined ? ' AND #token = :token' : ''}`,
          ExpressionAttributeNames: {
            '#pending': 'pendingRevision',
            '#until': 'pendingUntil',
            '#token': 'pendingToken',
            '#key': 'pendingKey',
          },
          ExpressionAttributeValues: {
            ':revision': revision,
            ...(token !== undefined ? { ':token': token } : {}),
          },
        }),
      );
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw error;
    }
  }

  async commit(state: EnvironmentState, claimedRevision: number): Promise<void> {
    const names: Record<string, string> = {
      '#pending': 'pendingRevision',
      '#until': 'pendingUntil',
      '#token': 'pendingToken',
      '#key': 'pendingKey',
    };
    const values: Record<string, unknown> = { ':claimed': claimedRevision };
    const set: string[] = [];
    for (const field of [
      'environment',
      'revision',
      'lastRevision',
      'pins',
      'deployment',
      'updatedAt',
      'lastStart',
      'recentStarts',
    ] as const) {
      if (state[field] === undefined) continue;
      names[`#${field}`] = field;
      values[`:${field}`] = state[field];
      set.push(`#${field} = :${field}`);
    }
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: stateKey(state.environment),
          UpdateExpression: `SET ${set.join(', ')} REMOVE #pending, #until, #token, #key`,
          ConditionExpression: '#pending = :claimed',
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
        }),
      );
    } catch (error) {
      // A commit retried after its first answer was lost finds it applied: that is success.
      if (!isConditionalCheckFailed(error)) throw error;
      const current = await this.get(state.environment);
      const applied =
        current?.lastRevision === claimedRevision && current.deployment?.number === state.deployment?.number;
      if (!applied) throw error;
    }
  }

  async recordOutcome(
    environment: string,
    deploymentNumber: number,
    update: {
      deployment: DeploymentRecord;
      revision: number;
      pins: EnvironmentState['pins'];
      recentStarts?: EnvironmentState['recentStarts'];
    },
  ): Promise<'updated' | 'unchanged'> {
    const recent = update.recentStarts;
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: stateKey(environment),
          UpdateExpression: `SET #deployment = :deployment, #revision = :revision, #pins = :pins, #updated = :updated${
            recent ? ', #recent = :recent' : ''
          }`,
          ConditionExpression:
            '#deployment.#number = :number AND (#deployment.#state = :deploying OR #deployment.#state = :baking)',
          ExpressionAttributeNames: {
            '#deployment': 'deployment',
            '#revision': 'revision',
            '#pins': 'pins',
            '#updated': 'updatedAt',
            '#number': 'number',
            '#state': 'state',
            ...(recent ? { '#recent': 'recentStarts' } : {}),
          },
          ExpressionAttributeValues: {
            ':deployment': update.deployment,
            ':revision': update.revision,
            ':pins': update.pins,
            ':updated': update.deployment.endedAt ?? update.deployment.startedAt,
            ':number': deploymentNumber,
            ':deploying': 'DEPLOYING',
            ':baking': 'BAKING',
            ...(recent ? { ':recent': recent } : {}),
          },
        }),
      );
      return 'updated';
    } catch (error) {
      if (isConditionalCheckFailed(error)) return 'unchanged';
      throw error;
    }
  }

  async rememberStarts(
    environment: string,
    deploymentNumber: number,
    recent: NonNullable<EnvironmentState['recentStarts']>,
  ): Promise<void> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: stateKey(environment),
          UpdateExpression: 'SET #recent = :recent',
          ConditionExpression: '#deployment.#number = :number',
          ExpressionAttributeNames: {
            '#recent': 'recentStarts',
            '#deployment': 'deployment',
            '#number': 'number',
          },
          ExpressionAttributeValues: { ':recent': recent, ':number': deploymentNumber },
        }),
      );
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw error;
    }
  }

  async recordAnalysis(
    environment: string,
    deploymentNumber: number,
    analysis: readonly CanaryAnalysisEntry[],
    at: string,
  ): Promise<'updated' | 'unchanged'> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: stateKey(environment),
          // Nested paths only: the outcome, a deploy or another tick may write the rest meanwhile.
          UpdateExpression: 'SET #deployment.#analysis = :analysis, #deployment.#analyzedAt = :at',
          ConditionExpression: '#deployment.#number = :number',
          ExpressionAttributeNames: {
            '#deployment': 'deployment',
            '#analysis': 'analysis',
            '#analyzedAt': 'analyzedAt',
            '#number': 'number',
          },
          ExpressionAttributeValues: { ':analysis': analysis, ':at': at, ':number': deploymentNumber },
        }),
      );
      return 'updated';
    } catch (error) {
      if (isConditionalCheckFailed(error)) return 'unchanged';
      throw error;
    }
  }

  async putRevision(record: RevisionRecord): Promise<void> {
    await this.client.send(
      new PutCommand({
        TableName: this.tableName,
        Item: { ...revisionKey(record.environment, record.revision), ...record },
      }),
    );
  }

  async deleteRevision(environment: string, revision: number): Promise<void> {
    await this.client.send(
      new DeleteCommand({ TableName: this.tableName, Key: revisionKey(environment, revision) }),
    );
  }

  async getRevision(environment: string, revision: number): Promise<RevisionRecord | undefined> {
    const { Item } = await this.client.send(
      new GetCommand({
        TableName: this.tableName,
        Key: revisionKey(environment, revision),
        ConsistentRead: true,
      }),
    );
    return Item ? toRevision(Item) : undefined;
  }

  async listRevisions(environment: string, limit: number): Promise<RevisionRecord[]> {
    const { Items } = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :prefix)',
        ExpressionAttributeNames: { '#pk': TABLE.partitionKey, '#sk': TABLE.sortKey },
        ExpressionAttributeValues: {
          ':pk': KEYS.environmentPk(environment),
          ':prefix': KEYS.environmentRevisionSkPrefix,
        },
        ScanIndexForward: false,
        Limit: limit,
        ConsistentRead: true,
      }),
    );
    return (Items ?? []).map(toRevision);
  }

  /**
   * One Query per page: DynamoDB stops a Query at 1 MB, so a page of revisions that pin thousands of
   * prompts holds fewer than `limit` and says so with `nextCursor`; a response never outgrows Lambda's.
   */
  async listRevisionPage(environment: string, page: PageRequest): Promise<Page<RevisionRecord>> {
    const pk = KEYS.environmentPk(environment);
    const result = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :prefix)',
        ExpressionAttributeNames: { '#pk': TABLE.partitionKey, '#sk': TABLE.sortKey },
        ExpressionAttributeValues: { ':pk': pk, ':prefix': KEYS.environmentRevisionSkPrefix },
        ScanIndexForward: false,
        Limit: page.limit,
        ExclusiveStartKey: decodeCursor(page.cursor, [TABLE.partitionKey, TABLE.sortKey], {
          equal: { [TABLE.partitionKey]: pk },
          prefix: { [TABLE.sortKey]: KEYS.environmentRevisionSkPrefix },
        }),
      }),
    );
    const items = (result.Items ?? []).map(toRevision);
    const nextCursor = encodeCursor(result.LastEvaluatedKey);
    return nextCursor ? { items, nextCursor } : { items };
  }
}
