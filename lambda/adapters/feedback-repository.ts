/**
 * Feedback in its own DynamoDB table (key layout in core contracts). Items sit under their prompt
 * version; each (environment, prompt, version, UTC day) has one aggregate item counted with ADD,
 * which DynamoDB applies atomically on the item: no read, so concurrent posts never lose a count.
 * The aggregates carry the gsi1 keys, so a report is one Query per prompt and environment.
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
import type {
  DailyFeedbackTally,
  FeedbackAggregateKey,
  FeedbackRecord,
  FeedbackScale,
  FeedbackSentiment,
  FeedbackTally,
} from '../model.ts';
import type { FeedbackItemQuery, FeedbackItemReader, FeedbackRepository } from '../ports.ts';
import { isConditionalCheckFailed } from './dynamo-errors.ts';

const COUNTERS = [
  'count',
  'positive',
  'negative',
  'stars',
  'starsSum',
] as const satisfies readonly (keyof FeedbackTally)[];

function itemKey(record: FeedbackRecord) {
  return {
    [TABLE.partitionKey]: KEYS.feedbackPk(record.environment, record.promptId, record.version),
    [TABLE.sortKey]: KEYS.feedbackItemSk(record.at, record.feedbackId),
  };
}

/** The aggregate's update counter: every ADD and every recount increments it. */
const REVISION = 'revision';
/** A recount that keeps losing to concurrent posts gives up after this many tries (the next failure recounts again). */
const RECOUNT_ATTEMPTS = 8;

function aggregateKey(key: FeedbackAggregateKey) {
  return {
    [TABLE.partitionKey]: KEYS.feedbackPk(key.environment, key.promptId, key.version),
    [TABLE.sortKey]: KEYS.feedbackAggregateSk(key.day),
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

  async addToAggregate(key: FeedbackAggregateKey, increment: FeedbackTally): Promise<void> {
    const names: Record<string, string> = {
      '#gpk': TABLE.gsi1.partitionKey,
      '#gsk': TABLE.gsi1.sortKey,
      '#environment': 'environment',
      '#promptId': 'promptId',
      '#version': 'version',
      '#day': 'day',
    };
    const values: Record<string, unknown> = {
      ':gpk': KEYS.feedbackAggregateGsiPk(key.environment, key.promptId),
      ':gsk': KEYS.feedbackAggregateGsiSk(key.day, key.version),
      ':environment': key.environment,
      ':promptId': key.promptId,
      ':version': key.version,
      ':day': key.day,
    };
    for (const counter of COUNTERS) {
      names[`#${counter}`] = counter;
      values[`:${counter}`] = increment[counter];
    }
    await this.client.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: {
          [TABLE.partitionKey]: KEYS.feedbackPk(key.environment, key.promptId, key.version),
          [TABLE.sortKey]: KEYS.feedbackAggregateSk(key.day),
        },
        // SET writes the same constants every time; ADD is the only change, and it is atomic.
        // `revision` counts the updates, so a recount (recountDay) knows whether one landed meanwhile.
        UpdateExpression: `SET #gpk = :gpk, #gsk = :gsk, #environment = :environment, #promptId = :promptId, #version = :version, #day = :day ADD ${COUNTERS.map((c) => `#${c} :${c}`).join(', ')}, #revision :one`,
        ExpressionAttributeNames: { ...names, '#revision': REVISION },
        ExpressionAttributeValues: { ...values, ':one': 1 },
      }),
    );
  }

  async recountDay(key: FeedbackAggregateKey): Promise<void> {
    for (let attempt = 0; attempt < RECOUNT_ATTEMPTS; attempt++) {
      const read = await this.client.send(
        new GetCommand({ TableName: this.tableName, Key: aggregateKey(key), ConsistentRead: true }),
      );
      const Item = read?.Item;
      const revision = Item?.[REVISION] as number | undefined;
      const exact = await this.tallyItems(key);
      if (!Item && exact.count === 0) return;
      const names: Record<string, string> = {
        '#revision': REVISION,
        '#gpk': TABLE.gsi1.partitionKey,
        '#gsk': TABLE.gsi1.sortKey,
        '#environment': 'environment',
        '#promptId': 'promptId',
        '#version': 'version',
        '#day': 'day',
      };
      const values: Record<string, unknown> = {
        ':next': (revision ?? 0) + 1,
        ':gpk': KEYS.feedbackAggregateGsiPk(key.environment, key.promptId),
        ':gsk': KEYS.feedbackAggregateGsiSk(key.day, key.version),
        ':environment': key.environment,
        ':promptId': key.promptId,
        ':version': key.version,
        ':day': key.day,
        ...(revision !== undefined ? { ':revision': revision } : {}),
      };
      for (const counter of COUNTERS) {
        names[`#${counter}`] = counter;
        values[`:${counter}`] = exact[counter];
      }
      try {
        await this.client.send(
          new UpdateCommand({
            TableName: this.tableName,
            Key: aggregateKey(key),
            UpdateExpression: `SET ${COUNTERS.map((c) => `#${c} = :${c}`).join(', ')}, #revision = :next, #gpk = :gpk, #gsk = :gsk, #environment = :environment, #promptId = :promptId, #version = :version, #day = :day`,
            // Only if no ADD landed since the read: otherwise the items are counted again.
            ConditionExpression:
              revision === undefined ? 'attribute_not_exists(#revision)' : '#revision = :revision',
            ExpressionAttributeNames: names,
            ExpressionAttributeValues: values,
          }),
        );
        return;
      } catch (error) {
        if (!isConditionalCheckFailed(error)) throw error;
      }
    }
    throw new Error(
      `Recounting ${key.promptId}@${key.version} ${key.environment} ${key.day} kept racing new feedback`,
    );
  }

  /** What the day's stored items count, read consistently, all pages. */
  private async tallyItems(key: FeedbackAggregateKey): Promise<FeedbackTally> {
    const tally: { -readonly [K in keyof FeedbackTally]: number } = {
      count: 0,
      positive: 0,
      negative: 0,
      stars: 0,
      starsSum: 0,
    };
    const input: QueryCommandInput = {
      TableName: this.tableName,
      KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :prefix)',
      ProjectionExpression: '#scale, #rating, #sentiment',
      ExpressionAttributeNames: {
        '#pk': TABLE.partitionKey,
        '#sk': TABLE.sortKey,
        '#scale': 'scale',
        '#rating': 'rating',
        '#sentiment': 'sentiment',
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
        tally.count += 1;
        if (item.sentiment === 'positive') tally.positive += 1;
        if (item.sentiment === 'negative') tally.negative += 1;
        if (item.scale === 'stars') {
          tally.stars += 1;
          tally.starsSum += Number(item.rating);
        }
      }
      startKey = page?.LastEvaluatedKey;
    } while (startKey);
    return tally;
  }

  async listDailyTallies(
    environment: string,
    promptId: string,
    sinceDay?: string,
  ): Promise<DailyFeedbackTally[]> {
    const input: QueryCommandInput = {
      TableName: this.tableName,
      IndexName: TABLE.gsi1.name,
      KeyConditionExpression: `#gpk = :gpk${sinceDay !== undefined ? ' AND #gsk >= :since' : ''}`,
      ProjectionExpression: ['#version', '#day', ...COUNTERS.map((c) => `#${c}`)].join(', '),
      ExpressionAttributeNames: {
        '#gpk': TABLE.gsi1.partitionKey,
        ...(sinceDay !== undefined ? { '#gsk': TABLE.gsi1.sortKey } : {}),
        '#version': 'version',
        '#day': 'day',
        ...Object.fromEntries(COUNTERS.map((c) => [`#${c}`, c])),
      },
      ExpressionAttributeValues: {
        ':gpk': KEYS.feedbackAggregateGsiPk(environment, promptId),
        ...(sinceDay !== undefined ? { ':since': sinceDay } : {}),
      },
    };
    const tallies: DailyFeedbackTally[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.client.send(
        new QueryCommand(startKey ? { ...input, ExclusiveStartKey: startKey } : input),
      );
      for (const item of page.Items ?? []) {
        tallies.push({
          version: item.version as string,
          day: item.day as string,
          count: Number(item.count ?? 0),
          positive: Number(item.positive ?? 0),
          negative: Number(item.negative ?? 0),
          stars: Number(item.stars ?? 0),
          starsSum: Number(item.starsSum ?? 0),
        });
      }
      startKey = page.LastEvaluatedKey;
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
