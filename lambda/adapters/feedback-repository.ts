/**
 * Feedback in its own DynamoDB table (key layout in core contracts). Items sit under their prompt
 * version; each (environment, prompt, version, UTC day) is counted in FEEDBACK_SHARD_COUNT aggregate
 * shards with ADD, which DynamoDB applies atomically on the item: no read, so concurrent posts never
 * lose a count. The shards carry sharded gsi1 keys, so a report is one Query per shard.
 *
 * Exactness (docs/architecture.md, "Exact feedback counts"): an item is written pending (an entry in
 * the sparse gsi2), counted by a conditional ADD into its shard, then cleared. A shard is settled by
 * recounting its items under a revision condition; the pending items it counted are recorded on the
 * shard (`claimed`), so their writers' later ADDs are refused instead of counting them twice.
 */
import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  type QueryCommandInput,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { KEYS, TABLE } from '../../src/core/contracts.ts';
import {
  FEEDBACK_PENDING_GSI_PKS,
  FEEDBACK_SHARDS,
  feedbackAggregateShardGsiPk,
  feedbackAggregateShardSk,
  feedbackPendingGsiPk,
  feedbackShardOf,
} from '../../src/core/feedback-shards.ts';
import type {
  DailyFeedbackTally,
  FeedbackRecord,
  FeedbackScale,
  FeedbackSentiment,
  FeedbackShardKey,
  FeedbackTally,
} from '../model.ts';
import type {
  FeedbackItemQuery,
  FeedbackItemReader,
  FeedbackRepository,
  PendingFeedback,
  PendingFeedbackItem,
  TallyOptions,
} from '../ports.ts';
import { isConditionalCheckFailed } from './dynamo-errors.ts';

const COUNTERS = [
  'count',
  'positive',
  'negative',
  'stars',
  'starsSum',
] as const satisfies readonly (keyof FeedbackTally)[];

type MutableTally = { -readonly [K in keyof FeedbackTally]: number };
const zeroTally = (): MutableTally => ({ count: 0, positive: 0, negative: 0, stars: 0, starsSum: 0 });

function itemKey(record: Pick<FeedbackRecord, 'environment' | 'promptId' | 'version' | 'at' | 'feedbackId'>) {
  return {
    [TABLE.partitionKey]: KEYS.feedbackPk(record.environment, record.promptId, record.version),
    [TABLE.sortKey]: KEYS.feedbackItemSk(record.at, record.feedbackId),
  };
}

/** The shard update counter: every ADD, dirty mark and settle increments it. */
const REVISION = 'revision';
/** The pending items a settle counted: their writers' ADDs are refused. */
const CLAIMED = 'claimed';
/** Which shard an item was counted in; items written before sharding have none and belong to shard 0. */
const SHARD = 'shard';
/** A settle that keeps losing to concurrent posts gives up after this many tries (the shard stays dirty). */
const SETTLE_ATTEMPTS = 8;
const PENDING = TABLE.gsi2;

function shardKey(key: FeedbackShardKey) {
  return {
    [TABLE.partitionKey]: KEYS.feedbackPk(key.environment, key.promptId, key.version),
    [TABLE.sortKey]: feedbackAggregateShardSk(key.day, key.shard),
  };
}

/** The attributes every write of a shard sets (the same constants each time). */
function shardConstants(key: FeedbackShardKey) {
  return {
    names: {
      '#gpk': TABLE.gsi1.partitionKey,
      '#gsk': TABLE.gsi1.sortKey,
      '#environment': 'environment',
      '#promptId': 'promptId',
      '#version': 'version',
      '#day': 'day',
      '#shard': SHARD,
    },
    values: {
      ':gpk': feedbackAggregateShardGsiPk(key.environment, key.promptId, key.shard),
      ':gsk': KEYS.feedbackAggregateGsiSk(key.day, key.version),
      ':environment': key.environment,
      ':promptId': key.promptId,
      ':version': key.version,
      ':day': key.day,
      ':shard': key.shard,
    },
    set: '#gpk = :gpk, #gsk = :gsk, #environment = :environment, #promptId = :promptId, #version = :version, #day = :day, #shard = :shard',
  };
}

/** The shard a record is counted in. */
export function shardOfRecord(record: FeedbackRecord): FeedbackShardKey {
  return {
    environment: record.environment,
    promptId: record.promptId,
    version: record.version,
    day: record.at.slice(0, 10),
    shard: feedbackShardOf(record.feedbackId),
  };
}

export class DynamoFeedbackRepository implements FeedbackRepository, FeedbackItemReader {
  private readonly client: DynamoDBDocumentClient;
  private readonly tableName: string;

  constructor(client: DynamoDBDocumentClient, tableName: string) {
    this.client = client;
    this.tableName = tableName;
  }

  async putFeedback(record: FeedbackRecord): Promise<void> {
    const { expiresAt, ...fields } = record;
    await this.client.send(
      new PutCommand({
        TableName: this.tableName,
        Item: {
          ...itemKey(record),
          ...fields,
          [SHARD]: feedbackShardOf(record.feedbackId),
          // Pending until counted: the reconciler finds it here if its writer never finishes.
          [PENDING.partitionKey]: feedbackPendingGsiPk(record.feedbackId),
          [PENDING.sortKey]: `${record.at}#${record.feedbackId}`,
          ...(expiresAt !== undefined ? { [TABLE.ttlAttribute]: expiresAt } : {}),
        },
        ConditionExpression: 'attribute_not_exists(#pk)',
        ExpressionAttributeNames: { '#pk': TABLE.partitionKey },
      }),
    );
  }

  async deleteFeedback(record: FeedbackRecord): Promise<void> {
    await this.client.send(new DeleteCommand({ TableName: this.tableName, Key: itemKey(record) }));
  }

  async countFeedback(record: FeedbackRecord, increment: FeedbackTally): Promise<'counted' | 'claimed'> {
    const key = shardOfRecord(record);
    const constants = shardConstants(key);
    const names: Record<string, string> = { ...constants.names, '#revision': REVISION, '#claimed': CLAIMED };
    const values: Record<string, unknown> = { ...constants.values, ':one': 1, ':id': record.feedbackId };
    for (const counter of COUNTERS) {
      names[`#${counter}`] = counter;
      values[`:${counter}`] = increment[counter];
    }
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: shardKey(key),
          // SET writes the same constants every time; ADD is the only change, and it is atomic.
          UpdateExpression: `SET ${constants.set} ADD ${COUNTERS.map((c) => `#${c} :${c}`).join(', ')}, #revision :one`,
          // A settle that already counted this pending item claimed it: counting it again would double it.
          ConditionExpression: 'attribute_not_exists(#claimed) OR NOT contains(#claimed, :id)',
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
        }),
      );
      return 'counted';
    } catch (error) {
      if (isConditionalCheckFailed(error)) return 'claimed';
      throw error;
    }
  }

  async markCounted(
    record: Pick<FeedbackRecord, 'environment' | 'promptId' | 'version' | 'at' | 'feedbackId'>,
  ) {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: itemKey(record),
          UpdateExpression: 'REMOVE #ppk, #psk',
          // Never recreates an item its undo deleted.
          ConditionExpression: 'attribute_exists(#pk)',
          ExpressionAttributeNames: {
            '#pk': TABLE.partitionKey,
            '#ppk': PENDING.partitionKey,
            '#psk': PENDING.sortKey,
          },
        }),
      );
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw error;
    }
  }

  async markKeyedId(item: PendingFeedbackItem, expiresAt: number): Promise<string | undefined> {
    const key = {
      [TABLE.partitionKey]: KEYS.feedbackPk(item.environment, item.promptId, item.version),
      [TABLE.sortKey]: KEYS.feedbackKeySk(item.feedbackId),
    };
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...key, feedbackId: item.feedbackId, at: item.at, [TABLE.ttlAttribute]: expiresAt },
          ConditionExpression: 'attribute_not_exists(#pk)',
          ExpressionAttributeNames: { '#pk': TABLE.partitionKey },
        }),
      );
      return undefined;
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw error;
      const { Item } = await this.client.send(
        new GetCommand({ TableName: this.tableName, Key: key, ConsistentRead: true }),
      );
      const at = Item?.at;
      // Expired between the put and the read: this attempt is the only one left.
      return typeof at === 'string' ? at : undefined;
    }
  }

  async feedbackState(item: PendingFeedbackItem): Promise<'absent' | 'pending' | 'counted'> {
    const { Item } = await this.client.send(
      new GetCommand({
        TableName: this.tableName,
        Key: itemKey(item),
        ConsistentRead: true,
        ProjectionExpression: '#pk, #ppk',
        ExpressionAttributeNames: { '#pk': TABLE.partitionKey, '#ppk': PENDING.partitionKey },
      }),
    );
    if (!Item) return 'absent';
    return Item[PENDING.partitionKey] !== undefined ? 'pending' : 'counted';
  }

  async markDirty(key: FeedbackShardKey, at: string): Promise<void> {
    const constants = shardConstants(key);
    const sk = feedbackAggregateShardSk(key.day, key.shard);
    await this.client.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: shardKey(key),
        // The revision moves too, so a settle already under way retries and sees the mark.
        UpdateExpression: `SET ${constants.set}, #ppk = :ppk, #psk = :psk ADD #revision :one`,
        ExpressionAttributeNames: {
          ...constants.names,
          '#ppk': PENDING.partitionKey,
          '#psk': PENDING.sortKey,
          '#revision': REVISION,
        },
        ExpressionAttributeValues: {
          ...constants.values,
          ':ppk': feedbackPendingGsiPk(
            `${KEYS.feedbackPk(key.environment, key.promptId, key.version)}#${sk}`,
          ),
          ':psk': `${at}#DIRTY`,
          ':one': 1,
        },
      }),
    );
  }

  async settleShard(
    key: FeedbackShardKey,
    options: { releaseMarkedBefore?: string } = {},
  ): Promise<FeedbackTally> {
    const constants = shardConstants(key);
    for (let attempt = 0; attempt < SETTLE_ATTEMPTS; attempt++) {
      const read = await this.client.send(
        new GetCommand({ TableName: this.tableName, Key: shardKey(key), ConsistentRead: true }),
      );
      const item = read?.Item;
      const revision = item?.[REVISION] as number | undefined;
      const { tally, pending } = await this.tallyShard(key);
      if (!item && tally.count === 0 && pending.length === 0) return tally;
      const mark = item?.[PENDING.sortKey];
      const release =
        typeof mark === 'string' &&
        options.releaseMarkedBefore !== undefined &&
        mark < options.releaseMarkedBefore;
      const names: Record<string, string> = {
        ...constants.names,
        '#revision': REVISION,
        '#claimed': CLAIMED,
      };
      const values: Record<string, unknown> = {
        ...constants.values,
        ':next': (revision ?? 0) + 1,
        ...(revision !== undefined ? { ':revision': revision } : {}),
        ...(pending.length > 0 ? { ':claimed': new Set(pending) } : {}),
      };
      for (const counter of COUNTERS) {
        names[`#${counter}`] = counter;
        values[`:${counter}`] = tally[counter];
      }
      const removed = [...(pending.length > 0 ? [] : ['#claimed']), ...(release ? ['#ppk', '#psk'] : [])];
      if (release) {
        names['#ppk'] = PENDING.partitionKey;
        names['#psk'] = PENDING.sortKey;
      }
      try {
        await this.client.send(
          new UpdateCommand({
            TableName: this.tableName,
            Key: shardKey(key),
            UpdateExpression: `SET ${COUNTERS.map((c) => `#${c} = :${c}`).join(', ')}, #revision = :next, ${constants.set}${pending.length > 0 ? ', #claimed = :claimed' : ''}${removed.length > 0 ? ` REMOVE ${removed.join(', ')}` : ''}`,
            // Only if no ADD landed since the read: otherwise the items are counted again.
            ConditionExpression:
              revision === undefined ? 'attribute_not_exists(#revision)' : '#revision = :revision',
            ExpressionAttributeNames: names,
            ExpressionAttributeValues: values,
          }),
        );
        return tally;
      } catch (error) {
        if (!isConditionalCheckFailed(error)) throw error;
      }
    }
    throw new Error(
      `Settling ${key.promptId}@${key.version} ${key.environment} ${key.day} shard ${key.shard} kept racing new feedback`,
    );
  }

  /** What a shard's stored items count, read consistently, all pages; and which of them are pending. */
  private async tallyShard(key: FeedbackShardKey): Promise<{ tally: FeedbackTally; pending: string[] }> {
    const tally = zeroTally();
    const pending: string[] = [];
    const input: QueryCommandInput = {
      TableName: this.tableName,
      KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :prefix)',
      ProjectionExpression: '#feedbackId, #scale, #rating, #sentiment, #shard, #ppk',
      ExpressionAttributeNames: {
        '#pk': TABLE.partitionKey,
        '#sk': TABLE.sortKey,
        '#feedbackId': 'feedbackId',
        '#scale': 'scale',
        '#rating': 'rating',
        '#sentiment': 'sentiment',
        '#shard': SHARD,
        '#ppk': PENDING.partitionKey,
      },
      ExpressionAttributeValues: {
        ':pk': KEYS.feedbackPk(key.environment, key.promptId, key.version),
        ':prefix': `${KEYS.feedbackItemSkPrefix}${key.day}`,
      },
      ConsistentRead: true,
    };
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.client.send(
        new QueryCommand(startKey ? { ...input, ExclusiveStartKey: startKey } : input),
      );
      for (const item of page?.Items ?? []) {
        if (Number(item[SHARD] ?? 0) !== key.shard) continue;
        tally.count += 1;
        if (item.sentiment === 'positive') tally.positive += 1;
        if (item.sentiment === 'negative') tally.negative += 1;
        if (item.scale === 'stars') {
          tally.stars += 1;
          tally.starsSum += Number(item.rating);
        }
        if (item[PENDING.partitionKey] !== undefined) pending.push(String(item.feedbackId));
      }
      startKey = page?.LastEvaluatedKey;
    } while (startKey);
    return { tally, pending };
  }

  async listPending(before: string): Promise<PendingFeedback[]> {
    const found = await Promise.all(
      FEEDBACK_PENDING_GSI_PKS.map(async (partition) => {
        const entries: PendingFeedback[] = [];
        const input: QueryCommandInput = {
          TableName: this.tableName,
          IndexName: PENDING.name,
          KeyConditionExpression: '#ppk = :ppk AND #psk < :before',
          ExpressionAttributeNames: { '#ppk': PENDING.partitionKey, '#psk': PENDING.sortKey },
          ExpressionAttributeValues: { ':ppk': partition, ':before': before },
        };
        let startKey: Record<string, unknown> | undefined;
        do {
          const page = await this.client.send(
            new QueryCommand(startKey ? { ...input, ExclusiveStartKey: startKey } : input),
          );
          for (const item of page?.Items ?? []) {
            const sk = String(item[TABLE.sortKey]);
            const base = {
              environment: String(item.environment),
              promptId: String(item.promptId),
              version: String(item.version),
            };
            if (sk.startsWith(KEYS.feedbackItemSkPrefix)) {
              const record = { ...base, at: String(item.at), feedbackId: String(item.feedbackId) };
              entries.push({
                kind: 'item',
                item: record,
                shard: { ...base, day: record.at.slice(0, 10), shard: Number(item[SHARD] ?? 0) },
              });
            } else {
              entries.push({
                kind: 'shard',
                shard: { ...base, day: String(item.day), shard: Number(item[SHARD] ?? 0) },
              });
            }
          }
          startKey = page?.LastEvaluatedKey;
        } while (startKey);
        return entries;
      }),
    );
    return found.flat();
  }

  async listDailyTallies(
    environment: string,
    promptId: string,
    sinceDay?: string,
    options: TallyOptions = {},
  ): Promise<DailyFeedbackTally[]> {
    const shards = await Promise.all(
      FEEDBACK_SHARDS.map((shard) => this.listShardTallies(environment, promptId, shard, sinceDay, options)),
    );
    // The fixed fan-out summed: one tally per (version, day), as before sharding.
    const sums = new Map<string, MutableTally & { version: string; day: string }>();
    for (const tally of shards.flat()) {
      const id = `${tally.day}#${tally.version}`;
      let sum = sums.get(id);
      if (!sum) {
        sum = { version: tally.version, day: tally.day, ...zeroTally() };
        sums.set(id, sum);
      }
      for (const counter of COUNTERS) sum[counter] += tally[counter];
    }
    return [...sums.values()];
  }

  private async listShardTallies(
    environment: string,
    promptId: string,
    shard: number,
    sinceDay: string | undefined,
    options: TallyOptions,
  ): Promise<DailyFeedbackTally[]> {
    const input: QueryCommandInput = {
      TableName: this.tableName,
      IndexName: TABLE.gsi1.name,
      KeyConditionExpression: `#gpk = :gpk${sinceDay !== undefined ? ' AND #gsk >= :since' : ''}`,
      ProjectionExpression: ['#version', '#day', '#ppk', ...COUNTERS.map((c) => `#${c}`)].join(', '),
      ExpressionAttributeNames: {
        '#gpk': TABLE.gsi1.partitionKey,
        ...(sinceDay !== undefined ? { '#gsk': TABLE.gsi1.sortKey } : {}),
        '#version': 'version',
        '#day': 'day',
        '#ppk': PENDING.partitionKey,
        ...Object.fromEntries(COUNTERS.map((c) => [`#${c}`, c])),
      },
      ExpressionAttributeValues: {
        ':gpk': feedbackAggregateShardGsiPk(environment, promptId, shard),
        ...(sinceDay !== undefined ? { ':since': sinceDay } : {}),
      },
    };
    const tallies: DailyFeedbackTally[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.client.send(
        new QueryCommand(startKey ? { ...input, ExclusiveStartKey: startKey } : input),
      );
      for (const item of page?.Items ?? []) {
        const version = item.version as string;
        const day = item.day as string;
        const stored = {
          count: Number(item.count ?? 0),
          positive: Number(item.positive ?? 0),
          negative: Number(item.negative ?? 0),
          stars: Number(item.stars ?? 0),
          starsSum: Number(item.starsSum ?? 0),
        };
        // A dirty shard (a failed post may have counted an item it then deleted) is recounted first.
        const exact =
          options.settleDirty && item[PENDING.partitionKey] !== undefined
            ? await this.settleShard({ environment, promptId, version, day, shard })
            : stored;
        tallies.push({ version, day, ...exact });
      }
      startKey = page?.LastEvaluatedKey;
    } while (startKey);
    return tallies;
  }

  /**
   * One version's items, newest first, within [since, until) by their sort key (`ITEM#<at>#<id>`).
   * The filters are a FilterExpression, which DynamoDB applies after `Limit`: pages are read until
   * `limit` items match or the partition ends. Never reads the user or session hashes.
   */
  async listItems(query: FeedbackItemQuery): Promise<{ items: FeedbackRecord[]; more: boolean }> {
    const prefix = KEYS.feedbackItemSkPrefix;
    const pk = KEYS.feedbackPk(query.environment, query.promptId, query.version);
    const filters: string[] = [];
    const names: Record<string, string> = {
      '#pk': TABLE.partitionKey,
      '#sk': TABLE.sortKey,
      '#feedbackId': 'feedbackId',
      '#at': 'at',
      '#scale': 'scale',
      '#rating': 'rating',
      '#sentiment': 'sentiment',
      '#comment': 'comment',
      '#tags': 'tags',
      '#segment': 'segment',
    };
    const values: Record<string, unknown> = {
      ':pk': pk,
      // `~` sorts after every character of an ISO 8601 date-time.
      ':from': `${prefix}${query.since ?? ''}`,
      ':to': `${prefix}${query.until ?? '~'}`,
    };
    if (query.sentiment !== undefined) {
      filters.push('#sentiment = :sentiment');
      values[':sentiment'] = query.sentiment;
    }
    if (query.commented !== undefined)
      filters.push(query.commented ? 'attribute_exists(#comment)' : 'attribute_not_exists(#comment)');
    if (query.segment !== undefined) {
      filters.push('#segment = :segment');
      values[':segment'] = query.segment;
    }
    const input: QueryCommandInput = {
      TableName: this.tableName,
      KeyConditionExpression: '#pk = :pk AND #sk BETWEEN :from AND :to',
      ProjectionExpression: '#feedbackId, #at, #scale, #rating, #sentiment, #comment, #tags, #segment',
      ...(filters.length > 0 ? { FilterExpression: filters.join(' AND ') } : {}),
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: values,
      ScanIndexForward: false,
      Limit: query.limit,
    };
    // DynamoDB refuses a start key outside the key condition: a cursor older than the window has
    // nothing left in it, and one newer than the window starts at its top.
    const from = values[':from'] as string;
    const to = values[':to'] as string;
    if (query.after !== undefined && query.after <= from) return { items: [], more: false };
    const after = query.after !== undefined && query.after < to ? query.after : undefined;
    const items: FeedbackRecord[] = [];
    let startKey: Record<string, unknown> | undefined =
      after !== undefined ? { [TABLE.partitionKey]: pk, [TABLE.sortKey]: after } : undefined;
    do {
      const page = await this.client.send(
        new QueryCommand(startKey ? { ...input, ExclusiveStartKey: startKey } : input),
      );
      const found = page.Items ?? [];
      for (const [index, item] of found.entries()) {
        items.push({
          feedbackId: item.feedbackId as string,
          promptId: query.promptId,
          version: query.version,
          environment: query.environment,
          scale: item.scale as FeedbackScale,
          rating: Number(item.rating),
          sentiment: item.sentiment as FeedbackSentiment,
          at: item.at as string,
          ...(typeof item.comment === 'string' ? { comment: item.comment } : {}),
          ...(Array.isArray(item.tags) && item.tags.length > 0 ? { tags: item.tags as string[] } : {}),
          ...(typeof item.segment === 'string' ? { segment: item.segment } : {}),
        });
        if (items.length === query.limit)
          return { items, more: index < found.length - 1 || page.LastEvaluatedKey !== undefined };
      }
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return { items, more: false };
  }
}
