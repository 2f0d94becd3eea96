/**
 * The audit log in the main table: one item per event under a deterministic key (a retry writes
 * nothing new), indexed by time overall (gsi1, write-sharded over a fixed set of partitions and
 * merged on read: docs/architecture.md, "Sharded audit index"), per prompt (gsi2) and per
 * environment (gsi3).
 */
import { type DynamoDBDocumentClient, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { AUDIT_ALL_PARTITIONS, auditShardGsiPk, auditShardOf } from '../../src/core/audit-shards.ts';
import { KEYS, TABLE } from '../../src/core/contracts.ts';
import type { AuditEvent, AuditQuery } from '../model.ts';
import type { AuditLog, Page, PageRequest } from '../ports.ts';
import { isConditionalCheckFailed } from './dynamo-errors.ts';
import { decodeCursor, encodeCursor } from './pagination.ts';
import { decodeMergedCursor, encodeMergedCursor, readMergedPage } from './sharded-index-reader.ts';

/** The gsi1 sort key of an audit event, `<ISO time>#<event id>`: what a merged cursor may hold. */
const AUDIT_SORT_KEY = /^\d{4}-\d{2}-\d{2}T[^#]*#.+$/;

function toAuditEvent(item: Record<string, unknown>): AuditEvent {
  return {
    eventId: item.eventId as string,
    at: item.at as string,
    actor: item.actor as string,
    action: item.action as string,
    target: item.target as string,
    details: (item.details as Record<string, unknown>) ?? {},
    requestId: item.requestId as string,
    ...(item.promptId !== undefined ? { promptId: item.promptId as string } : {}),
    ...(item.environment !== undefined ? { environment: item.environment as string } : {}),
  };
}

export class DynamoAuditLog implements AuditLog {
  private readonly client: DynamoDBDocumentClient;
  private readonly tableName: string;

  constructor(client: DynamoDBDocumentClient, tableName: string) {
    this.client = client;
    this.tableName = tableName;
  }

  async append(event: AuditEvent): Promise<void> {
    const sortKey = KEYS.auditGsiSk(event.at, event.eventId);
    const item: Record<string, unknown> = {
      [TABLE.partitionKey]: KEYS.auditPk(event.eventId),
      [TABLE.sortKey]: KEYS.auditSk,
      [TABLE.gsi1.partitionKey]: auditShardGsiPk(auditShardOf(event.eventId)),
      [TABLE.gsi1.sortKey]: sortKey,
      ...event,
    };
    if (event.promptId !== undefined) {
      item[TABLE.gsi2.partitionKey] = KEYS.auditPromptGsiPk(event.promptId);
      item[TABLE.gsi2.sortKey] = sortKey;
    }
    if (event.environment !== undefined) {
      item[TABLE.gsi3.partitionKey] = KEYS.auditEnvironmentGsiPk(event.environment);
      item[TABLE.gsi3.sortKey] = sortKey;
    }
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: item,
          ConditionExpression: 'attribute_not_exists(#pk)',
          ExpressionAttributeNames: { '#pk': TABLE.partitionKey },
        }),
      );
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw error;
    }
  }

  async list(query: AuditQuery, page: PageRequest): Promise<Page<AuditEvent>> {
    if (query.promptId === undefined && query.environment === undefined) return this.listAll(page);
    const index =
      query.promptId !== undefined
        ? { ...TABLE.gsi2, value: KEYS.auditPromptGsiPk(query.promptId) }
        : { ...TABLE.gsi3, value: KEYS.auditEnvironmentGsiPk(query.environment as string) };
    // Both filters: query the prompt's partition and keep that environment's events.
    const filterEnvironment = query.promptId !== undefined && query.environment !== undefined;
    const result = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: index.name,
        KeyConditionExpression: '#ipk = :ipk',
        ...(filterEnvironment ? { FilterExpression: '#environment = :environment' } : {}),
        ExpressionAttributeNames: {
          '#ipk': index.partitionKey,
          ...(filterEnvironment ? { '#environment': 'environment' } : {}),
        },
        ExpressionAttributeValues: {
          ':ipk': index.value,
          ...(filterEnvironment ? { ':environment': query.environment } : {}),
        },
        ScanIndexForward: false,
        Limit: page.limit,
        ExclusiveStartKey: decodeCursor(
          page.cursor,
          [TABLE.partitionKey, TABLE.sortKey, index.partitionKey, index.sortKey],
          { equal: { [index.partitionKey]: index.value } },
        ),
      }),
    );
    const items = (result.Items ?? []).map(toAuditEvent);
    const nextCursor = encodeCursor(result.LastEvaluatedKey);
    return nextCursor ? { items, nextCursor } : { items };
  }

  /** Every event, newest first: the shards of gsi1 and its legacy partition, merged. */
  private async listAll(page: PageRequest): Promise<Page<AuditEvent>> {
    const position = decodeMergedCursor(page.cursor, AUDIT_ALL_PARTITIONS, AUDIT_SORT_KEY);
    const merged = await readMergedPage(
      AUDIT_ALL_PARTITIONS,
      (item: Record<string, unknown>) => item[TABLE.gsi1.sortKey] as string,
      async (partition, before, limit) => {
        const result = await this.client.send(
          new QueryCommand({
            TableName: this.tableName,
            IndexName: TABLE.gsi1.name,
            KeyConditionExpression: before === undefined ? '#ipk = :ipk' : '#ipk = :ipk AND #isk < :before',
            ExpressionAttributeNames: {
              '#ipk': TABLE.gsi1.partitionKey,
              ...(before === undefined ? {} : { '#isk': TABLE.gsi1.sortKey }),
            },
            ExpressionAttributeValues: {
              ':ipk': partition,
              ...(before === undefined ? {} : { ':before': before }),
            },
            ScanIndexForward: false,
            // One more than asked: a partition read exactly to its end says so, and the last page
            // is never an empty one.
            Limit: limit + 1,
          }),
        );
        const found = result.Items ?? [];
        // The extra item proves there is more, whether or not the store also sent LastEvaluatedKey
        // (DynamoDB does when Limit stops the read; moto only when items are left after it).
        return {
          items: found.slice(0, limit),
          more: found.length > limit || result.LastEvaluatedKey !== undefined,
        };
      },
      page.limit,
      position,
    );
    const items = merged.items.map(toAuditEvent);
    return merged.next ? { items, nextCursor: encodeMergedCursor(merged.next) } : { items };
  }
}
