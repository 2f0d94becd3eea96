/**
 * The notifier's ledger in the main table: a conditional put per notification id (an alarm's
 * name, new state and transition time; a deployment's number and phase), so a redelivered event, a
 * retry or the fallback path finds the id taken and sends nothing (docs/runbooks/README.md).
 * Powertools' idempotency utility does the same on DynamoDB, but its persistence layer asks for
 * ReturnValuesOnConditionCheckFailure, which dynalite (local mode) does not implement.
 */
import { type DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { KEYS, TABLE } from '../../src/core/contracts.ts';
import type { NotificationLedger, NotificationPath } from '../notifications/ports.ts';
import { isConditionalCheckFailed } from './dynamo-errors.ts';

/** Longer than any retry or the fallback's delay can arrive after: EventBridge retries for 24 hours. */
const KEEP_SECONDS = 3 * 86_400;

export class DynamoNotificationLedger implements NotificationLedger {
  private readonly client: DynamoDBDocumentClient;
  private readonly tableName: string;
  /** A claim older than this is a sender that died; the function's timeout bounds a live one. */
  private readonly staleMs: number;

  constructor(client: DynamoDBDocumentClient, tableName: string, staleMs = 60_000) {
    this.client = client;
    this.tableName = tableName;
    this.staleMs = staleMs;
  }

  private key(id: string) {
    return { [TABLE.partitionKey]: KEYS.notificationPk(id), [TABLE.sortKey]: KEYS.notificationSk };
  }

  async claim(id: string, now: Date): Promise<'claimed' | 'sent' | 'in-progress'> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            ...this.key(id),
            status: 'SENDING',
            claimedAt: now.getTime(),
            [TABLE.ttlAttribute]: Math.floor(now.getTime() / 1000) + KEEP_SECONDS,
          },
          ConditionExpression:
            'attribute_not_exists(#pk) OR #status = :released OR (#status = :sending AND #claimedAt < :stale)',
          ExpressionAttributeNames: {
            '#pk': TABLE.partitionKey,
            '#status': 'status',
            '#claimedAt': 'claimedAt',
          },
          ExpressionAttributeValues: {
            ':released': 'RELEASED',
            ':sending': 'SENDING',
            ':stale': now.getTime() - this.staleMs,
          },
        }),
      );
      return 'claimed';
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw error;
      const { Item } = await this.client.send(
        new GetCommand({ TableName: this.tableName, Key: this.key(id), ConsistentRead: true }),
      );
      return Item?.status === 'SENT' ? 'sent' : 'in-progress';
    }
  }

  async markSent(id: string, now: Date, via: NotificationPath): Promise<void> {
    await this.client.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: this.key(id),
        UpdateExpression: 'SET #status = :sent, sentAt = :at, via = :via',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':sent': 'SENT', ':at': now.toISOString(), ':via': via },
      }),
    );
  }

  async release(id: string): Promise<void> {
    await this.client
      .send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: this.key(id),
          UpdateExpression: 'SET #status = :released',
          ConditionExpression: '#status = :sending',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':released': 'RELEASED', ':sending': 'SENDING' },
        }),
      )
      .catch((error: unknown) => {
        if (!isConditionalCheckFailed(error)) throw error;
      });
  }
}
