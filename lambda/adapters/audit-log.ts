/**
 * The audit log in the main table: one item per event under a deterministic key (a retry writes
 * nothing new), indexed by time overall (gsi1), per prompt (gsi2) and per environment (gsi3).
 */
import { type DynamoDBDocumentClient, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { KEYS, TABLE } from '../../src/core/contracts.ts';
import type { AuditEvent, AuditQuery } from '../model.ts';
import type { AuditLog, Page, PageRequest } from '../ports.ts';
import { isConditionalCheckFailed } from './dynamo-errors.ts';
import { decodeCursor, encodeCursor } from './pagination.ts';

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
      [TABLE.gsi1.partitionKey]: KEYS.auditAllGsiPk,
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
    const index =
      query.promptId !== undefined
        ? { ...TABLE.gsi2, value: KEYS.auditPromptGsiPk(query.promptId) }
        : query.environment !== undefined
          ? { ...TABLE.gsi3, value: KEYS.auditEnvironmentGsiPk(query.environment) }
          : { ...TABLE.gsi1, value: KEYS.auditAllGsiPk };
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
    const items = (result.Items ?? []).map(
      (item): AuditEvent => ({
        eventId: item.eventId as string,
        at: item.at as string,
        actor: item.actor as string,
        action: item.action as string,
        target: item.target as string,
        details: (item.details as Record<string, unknown>) ?? {},
        requestId: item.requestId as string,
        ...(item.promptId !== undefined ? { promptId: item.promptId as string } : {}),
        ...(item.environment !== undefined ? { environment: item.environment as string } : {}),
      }),
    );
    const nextCursor = encodeCursor(result.LastEvaluatedKey);
    return nextCursor ? { items, nextCursor } : { items };
  }
}
