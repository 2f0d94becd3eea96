/**
 * Prompts and versions in the main DynamoDB table (key layout in core contracts). Single-item
 * conditional writes only, so the same code runs on DynamoDB, DynamoDB Local, dynalite and moto.
 */
import {
  BatchGetCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { KEYS, RECORDED_REF_ATTRIBUTES, TABLE } from '../../src/core/contracts.ts';
import type { Pin } from '../../src/core/pins.ts';
import { versionSortKey } from '../../src/core/versioning.ts';
import type { Approval, Archival, Deprecation, PromptSummary, VersionRecord } from '../model.ts';
import type { Page, PageRequest, PromptRepository, RecordedRefs, VersionFacts } from '../ports.ts';
import { batchGetItems } from './batch-get.ts';
import { isConditionalCheckFailed } from './dynamo-errors.ts';
import { decodeCursor, encodeCursor } from './pagination.ts';

const KEY_ATTRIBUTES = [TABLE.partitionKey, TABLE.sortKey];
/** Queries one page of the prompt index may take to fill itself when archived prompts are left out. */
const LIST_ROUNDS = 10;

interface VersionItem {
  pk: string;
  sk: string;
  id: string;
  version: string;
  sha256: string;
  size: number;
  createdBy: string;
  createdAt: string;
  message?: string;
  bump: VersionRecord['bump'];
  approvals: Record<string, { at: string; comment?: string }>;
  description?: string;
  owner?: string;
  deprecation?: Deprecation;
  ref?: string;
  objectBytes?: number;
  bodyBytes?: number;
  publishKey?: string;
  lintedWith?: string;
}

function toRecord(item: Record<string, unknown>): VersionRecord {
  const v = item as unknown as VersionItem;
  const approvals = Object.entries(v.approvals ?? {})
    .map(([by, a]) => ({ by, at: a.at, ...(a.comment !== undefined ? { comment: a.comment } : {}) }))
    .sort((a, b) => a.at.localeCompare(b.at) || a.by.localeCompare(b.by));
  return {
    id: v.id,
    version: v.version,
    sha256: v.sha256,
    size: v.size,
    createdBy: v.createdBy,
    createdAt: v.createdAt,
    ...(v.message !== undefined ? { message: v.message } : {}),
    bump: v.bump,
    approvals,
    ...(v.description !== undefined ? { description: v.description } : {}),
    ...(v.owner !== undefined ? { owner: v.owner } : {}),
    ...(v.deprecation !== undefined ? { deprecation: v.deprecation } : {}),
    ...(v.ref !== undefined ? { ref: v.ref } : {}),
    ...(v.objectBytes !== undefined ? { objectBytes: v.objectBytes } : {}),
    ...(v.bodyBytes !== undefined ? { bodyBytes: v.bodyBytes } : {}),
    ...(v.publishKey !== undefined ? { publishKey: v.publishKey } : {}),
    ...(v.lintedWith !== undefined ? { lintedWith: v.lintedWith } : {}),
  };
}

export class DynamoPromptRepository implements PromptRepository, RecordedRefs {
  private readonly client: DynamoDBDocumentClient;
  private readonly tableName: string;

  constructor(client: DynamoDBDocumentClient, tableName: string) {
    this.client = client;
    this.tableName = tableName;
  }

  private versionKey(id: string, version: string) {
    return {
      [TABLE.partitionKey]: KEYS.promptPk(id),
      [TABLE.sortKey]: KEYS.versionSk(versionSortKey(version)),
    };
  }

  async getVersion(id: string, version: string): Promise<VersionRecord | undefined> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: this.versionKey(id, version), ConsistentRead: true }),
    );
    return Item ? toRecord(Item) : undefined;
  }

  private batchGetItems(keys: readonly Record<string, unknown>[]): Promise<Record<string, unknown>[]> {
    return batchGetItems(this.client, this.tableName, keys);
  }

  async getVersions(
    refs: readonly { readonly id: string; readonly version: string }[],
  ): Promise<(VersionRecord | undefined)[]> {
    const found = new Map<string, VersionRecord>();
    for (const item of await this.batchGetItems(refs.map((r) => this.versionKey(r.id, r.version)))) {
      const record = toRecord(item);
      found.set(`${record.id}@${versionSortKey(record.version)}`, record);
    }
    return refs.map((r) => found.get(`${r.id}@${versionSortKey(r.version)}`));
  }

  async getRecordedRefs(
    versions: readonly { readonly id: string; readonly version: string }[],
  ): Promise<(string | undefined)[]> {
    const keys = versions.map((v) => this.versionKey(v.id, v.version));
    const at = (item: Record<string, unknown>) =>
      `${item[TABLE.partitionKey] as string}\n${item[TABLE.sortKey] as string}`;
    const names = Object.fromEntries(RECORDED_REF_ATTRIBUTES.map((name, i) => [`#a${i}`, name]));
    const items = await batchGetItems(this.client, this.tableName, keys, {
      expression: Object.keys(names).join(', '),
      names,
    });
    const refs = new Map(items.map((item) => [at(item), item.ref as string | undefined]));
    return keys.map((key) => refs.get(at(key)));
  }

  async recentVersions(id: string, limit: number): Promise<VersionRecord[]> {
    return (await this.queryVersions(id, { limit }, true)).items;
  }

  async getLatestVersion(id: string): Promise<VersionRecord | undefined> {
    const page = await this.queryVersions(id, { limit: 1 }, true);
    return page.items[0];
  }

  async createVersion(record: VersionRecord): Promise<'created' | 'exists'> {
    const item: VersionItem = {
      pk: KEYS.promptPk(record.id),
      sk: KEYS.versionSk(versionSortKey(record.version)),
      id: record.id,
      version: record.version,
      sha256: record.sha256,
      size: record.size,
      createdBy: record.createdBy,
      createdAt: record.createdAt,
      ...(record.message !== undefined ? { message: record.message } : {}),
      bump: record.bump,
      approvals: {},
      ...(record.description !== undefined ? { description: record.description } : {}),
      ...(record.owner !== undefined ? { owner: record.owner } : {}),
      ...(record.ref !== undefined ? { ref: record.ref } : {}),
      ...(record.objectBytes !== undefined ? { objectBytes: record.objectBytes } : {}),
      ...(record.bodyBytes !== undefined ? { bodyBytes: record.bodyBytes } : {}),
      ...(record.publishKey !== undefined ? { publishKey: record.publishKey } : {}),
      ...(record.lintedWith !== undefined ? { lintedWith: record.lintedWith } : {}),
    };
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: item,
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

  async recordVersionFacts(
    id: string,
    version: string,
    facts: VersionFacts,
  ): Promise<'recorded' | 'missing'> {
    // The ref and its sizes go together; the lint stamp may replace an older one.
    const object =
      facts.ref !== undefined && facts.objectBytes !== undefined && facts.bodyBytes !== undefined
        ? { ref: facts.ref, objectBytes: facts.objectBytes, bodyBytes: facts.bodyBytes }
        : undefined;
    const names: Record<string, string> = { '#pk': TABLE.partitionKey };
    const values: Record<string, unknown> = {};
    const sets: string[] = [];
    if (object) {
      names['#ref'] = 'ref';
      names['#objectBytes'] = 'objectBytes';
      names['#bodyBytes'] = 'bodyBytes';
      values[':ref'] = object.ref;
      values[':objectBytes'] = object.objectBytes;
      values[':bodyBytes'] = object.bodyBytes;
      sets.push(
        '#ref = if_not_exists(#ref, :ref)',
        '#objectBytes = if_not_exists(#objectBytes, :objectBytes)',
      );
      sets.push('#bodyBytes = if_not_exists(#bodyBytes, :bodyBytes)');
    }
    if (facts.lintedWith !== undefined) {
      names['#lintedWith'] = 'lintedWith';
      values[':lintedWith'] = facts.lintedWith;
      sets.push('#lintedWith = :lintedWith');
    }
    if (sets.length === 0) return (await this.getVersion(id, version)) ? 'recorded' : 'missing';
    const applied = await this.conditionalUpdate({
      Key: this.versionKey(id, version),
      UpdateExpression: `SET ${sets.join(', ')}`,
      ConditionExpression: 'attribute_exists(#pk)',
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: values,
    });
    return applied ? 'recorded' : 'missing';
  }

  async recordLatest(record: VersionRecord): Promise<void> {
    const names: Record<string, string> = {
      '#pk': TABLE.partitionKey,
      '#id': 'id',
      '#latest': 'latestVersion',
      '#sort': 'latestSortKey',
      '#updated': 'updatedAt',
      '#created': 'createdAt',
      '#description': 'description',
      '#owner': 'owner',
    };
    const values: Record<string, unknown> = {
      ':id': record.id,
      ':latest': record.version,
      ':sort': versionSortKey(record.version),
      ':at': record.createdAt,
    };
    const set = [
      '#id = :id',
      '#latest = :latest',
      '#sort = :sort',
      '#updated = :at',
      '#created = if_not_exists(#created, :at)',
    ];
    const remove: string[] = [];
    for (const field of ['description', 'owner'] as const) {
      if (record[field] === undefined) remove.push(`#${field}`);
      else {
        set.push(`#${field} = :${field}`);
        values[`:${field}`] = record[field];
      }
    }
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { [TABLE.partitionKey]: KEYS.promptIndexPk, [TABLE.sortKey]: KEYS.promptSk(record.id) },
          UpdateExpression: `SET ${set.join(', ')}${remove.length ? ` REMOVE ${remove.join(', ')}` : ''}`,
          // Monotonic: a summary never moves back to a lower version.
          ConditionExpression: 'attribute_not_exists(#pk) OR #sort <= :sort',
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
        }),
      );
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw error;
    }
  }

  async addApproval(
    id: string,
    version: string,
    approval: Approval,
  ): Promise<'added' | 'exists' | 'missing'> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: this.versionKey(id, version),
          UpdateExpression: 'SET #approvals.#by = :approval',
          ConditionExpression: 'attribute_exists(#pk) AND attribute_not_exists(#approvals.#by)',
          ExpressionAttributeNames: {
            '#pk': TABLE.partitionKey,
            '#approvals': 'approvals',
            '#by': approval.by,
          },
          ExpressionAttributeValues: {
            ':approval': {
              at: approval.at,
              ...(approval.comment !== undefined ? { comment: approval.comment } : {}),
            },
          },
        }),
      );
      return 'added';
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw error;
      const current = await this.getVersion(id, version);
      return current ? 'exists' : 'missing';
    }
  }

  /**
   * One page of the prompt index, by id. Archived prompts are filtered out by DynamoDB when
   * `excludeArchived`, and the page is refilled (up to `LIST_ROUNDS` Queries) so it holds `limit`
   * prompts whenever that many remain; the cursor is then the key of the last prompt returned.
   */
  async listPrompts(
    page: PageRequest,
    options: { readonly excludeArchived?: boolean } = {},
  ): Promise<Page<PromptSummary>> {
    const scope = { equal: { [TABLE.partitionKey]: KEYS.promptIndexPk } };
    let startKey: Record<string, unknown> | undefined = decodeCursor(page.cursor, KEY_ATTRIBUTES, scope);
    const found: Record<string, unknown>[] = [];
    // One more than a page is asked for, so the last page is never an empty one.
    for (let round = 0; round < LIST_ROUNDS && found.length <= page.limit; round++) {
      const result = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: '#pk = :pk',
          ...(options.excludeArchived ? { FilterExpression: 'attribute_not_exists(#archived)' } : {}),
          ExpressionAttributeNames: {
            '#pk': TABLE.partitionKey,
            ...(options.excludeArchived ? { '#archived': 'archived' } : {}),
          },
          ExpressionAttributeValues: { ':pk': KEYS.promptIndexPk },
          Limit: page.limit + 1,
          ExclusiveStartKey: startKey,
        }),
      );
      found.push(...(result.Items ?? []));
      startKey = result.LastEvaluatedKey;
      if (startKey === undefined) break;
    }
    const returned = found.slice(0, page.limit);
    const last = returned.at(-1);
    // More than a page came back: the next page starts after the last prompt shown.
    if (found.length > page.limit && last !== undefined)
      startKey = { [TABLE.partitionKey]: last[TABLE.partitionKey], [TABLE.sortKey]: last[TABLE.sortKey] };
    const items = returned.map((item) => ({
      id: item.id as string,
      latestVersion: item.latestVersion as string,
      ...(item.description !== undefined ? { description: item.description as string } : {}),
      ...(item.owner !== undefined ? { owner: item.owner as string } : {}),
      updatedAt: item.updatedAt as string,
      ...(item.archived !== undefined ? { archived: item.archived as Archival } : {}),
    }));
    const nextCursor = encodeCursor(startKey);
    return nextCursor ? { items, nextCursor } : { items };
  }

  listVersions(id: string, page: PageRequest): Promise<Page<VersionRecord>> {
    return this.queryVersions(id, page, false);
  }

  private async queryVersions(
    id: string,
    page: PageRequest,
    consistent: boolean,
  ): Promise<Page<VersionRecord>> {
    const result = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :prefix)',
        ExpressionAttributeNames: { '#pk': TABLE.partitionKey, '#sk': TABLE.sortKey },
        ExpressionAttributeValues: { ':pk': KEYS.promptPk(id), ':prefix': KEYS.versionSkPrefix },
        ScanIndexForward: false,
        Limit: page.limit,
        ConsistentRead: consistent,
        ExclusiveStartKey: decodeCursor(page.cursor, KEY_ATTRIBUTES, {
          equal: { [TABLE.partitionKey]: KEYS.promptPk(id) },
          prefix: { [TABLE.sortKey]: KEYS.versionSkPrefix },
        }),
      }),
    );
    const items = (result.Items ?? []).map(toRecord);
    const nextCursor = encodeCursor(result.LastEvaluatedKey);
    return nextCursor ? { items, nextCursor } : { items };
  }

  async getEnvironmentPins(id: string, environments: readonly string[]): Promise<Record<string, Pin>> {
    if (environments.length === 0) return {};
    let keys: Record<string, unknown>[] = environments.map((env) => ({
      [TABLE.partitionKey]: KEYS.environmentPk(env),
      [TABLE.sortKey]: KEYS.environmentStateSk,
    }));
    const pins: Record<string, Pin> = {};
    // BatchGet may return part of the keys unprocessed under load; ask again for those.
    for (let attempt = 0; keys.length > 0 && attempt < 5; attempt++) {
      const result = await this.client.send(
        new BatchGetCommand({
          RequestItems: {
            [this.tableName]: {
              Keys: keys,
              ProjectionExpression: '#env, #pins.#id',
              ExpressionAttributeNames: { '#env': 'environment', '#pins': 'pins', '#id': id },
            },
          },
        }),
      );
      for (const item of result.Responses?.[this.tableName] ?? []) {
        const pin = (item.pins as Record<string, Pin> | undefined)?.[id];
        if (pin !== undefined) pins[item.environment as string] = pin;
      }
      keys = (result.UnprocessedKeys?.[this.tableName]?.Keys as Record<string, unknown>[] | undefined) ?? [];
    }
    if (keys.length > 0)
      throw new Error(`DynamoDB left ${keys.length} environment states unprocessed after 5 attempts`);
    return pins;
  }

  async getAllEnvironmentPins(environments: readonly string[]): Promise<Record<string, Record<string, Pin>>> {
    const result: Record<string, Record<string, Pin>> = Object.fromEntries(
      environments.map((env) => [env, {}]),
    );
    let keys: Record<string, unknown>[] = environments.map((env) => ({
      [TABLE.partitionKey]: KEYS.environmentPk(env),
      [TABLE.sortKey]: KEYS.environmentStateSk,
    }));
    // BatchGet takes 100 keys a call and may leave some unprocessed under load; ask again for those.
    for (let attempt = 0; keys.length > 0 && attempt < 5 + environments.length / 100; attempt++) {
      const batch = keys.slice(0, 100);
      const response = await this.client.send(
        new BatchGetCommand({
          RequestItems: {
            [this.tableName]: {
              Keys: batch,
              ProjectionExpression: '#env, #pins',
              ExpressionAttributeNames: { '#env': 'environment', '#pins': 'pins' },
            },
          },
        }),
      );
      for (const item of response.Responses?.[this.tableName] ?? [])
        result[item.environment as string] = (item.pins as Record<string, Pin> | undefined) ?? {};
      const unprocessed =
        (response.UnprocessedKeys?.[this.tableName]?.Keys as Record<string, unknown>[]) ?? [];
      keys = [...unprocessed, ...keys.slice(100)];
    }
    if (keys.length > 0)
      throw new Error(`DynamoDB left ${keys.length} environment states unprocessed after retries`);
    return result;
  }

  // Library maintenance (docs/maintenance.md): flags beside the items, each set or cleared by one
  // conditional update that touches that attribute alone, so no other write path is affected.

  async setDeprecation(
    id: string,
    version: string,
    deprecation: Deprecation,
  ): Promise<'set' | 'exists' | 'missing'> {
    const outcome = await this.conditionalUpdate({
      Key: this.versionKey(id, version),
      UpdateExpression: 'SET #deprecation = :deprecation',
      ConditionExpression: 'attribute_exists(#pk) AND attribute_not_exists(#deprecation)',
      ExpressionAttributeNames: { '#pk': TABLE.partitionKey, '#deprecation': 'deprecation' },
      ExpressionAttributeValues: { ':deprecation': { ...deprecation } },
    });
    if (outcome) return 'set';
    return (await this.getVersion(id, version)) ? 'exists' : 'missing';
  }

  async clearDeprecation(id: string, version: string): Promise<'cleared' | 'absent' | 'missing'> {
    const outcome = await this.conditionalUpdate({
      Key: this.versionKey(id, version),
      UpdateExpression: 'REMOVE #deprecation',
      ConditionExpression: 'attribute_exists(#deprecation)',
      ExpressionAttributeNames: { '#deprecation': 'deprecation' },
    });
    if (outcome) return 'cleared';
    return (await this.getVersion(id, version)) ? 'absent' : 'missing';
  }

  private summaryKey(id: string) {
    return { [TABLE.partitionKey]: KEYS.promptIndexPk, [TABLE.sortKey]: KEYS.promptSk(id) };
  }

  private async getSummaryItem(id: string): Promise<Record<string, unknown> | undefined> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: this.summaryKey(id), ConsistentRead: true }),
    );
    return Item;
  }

  async getArchival(id: string): Promise<Archival | undefined> {
    return (await this.getSummaryItem(id))?.archived as Archival | undefined;
  }

  async getArchivals(ids: readonly string[]): Promise<(Archival | undefined)[]> {
    const archived = new Map<unknown, Archival | undefined>();
    for (const item of await this.batchGetItems(ids.map((id) => this.summaryKey(id))))
      archived.set(item[TABLE.sortKey], item.archived as Archival | undefined);
    return ids.map((id) => archived.get(KEYS.promptSk(id)));
  }

  async setArchival(id: string, archival: Archival): Promise<'set' | 'exists' | 'missing'> {
    const outcome = await this.conditionalUpdate({
      Key: this.summaryKey(id),
      UpdateExpression: 'SET #archived = :archived',
      ConditionExpression: 'attribute_exists(#pk) AND attribute_not_exists(#archived)',
      ExpressionAttributeNames: { '#pk': TABLE.partitionKey, '#archived': 'archived' },
      ExpressionAttributeValues: { ':archived': { ...archival } },
    });
    if (outcome) return 'set';
    return (await this.getSummaryItem(id)) ? 'exists' : 'missing';
  }

  async clearArchival(id: string): Promise<'cleared' | 'absent' | 'missing'> {
    const outcome = await this.conditionalUpdate({
      Key: this.summaryKey(id),
      UpdateExpression: 'REMOVE #archived',
      ConditionExpression: 'attribute_exists(#archived)',
      ExpressionAttributeNames: { '#archived': 'archived' },
    });
    if (outcome) return 'cleared';
    return (await this.getSummaryItem(id)) ? 'absent' : 'missing';
  }

  /** True when the update applied, false when its condition failed. */
  private async conditionalUpdate(
    input: Omit<ConstructorParameters<typeof UpdateCommand>[0], 'TableName'>,
  ): Promise<boolean> {
    try {
      await this.client.send(new UpdateCommand({ TableName: this.tableName, ...input }));
      return true;
    } catch (error) {
      if (isConditionalCheckFailed(error)) return false;
      throw error;
    }
  }
}
