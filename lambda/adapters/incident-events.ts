/** What the notifier saw, under the environment's partition by time (key layout in core contracts). */
import { type DynamoDBDocumentClient, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { KEYS, TABLE } from '../../src/core/contracts.ts';
import type { RecordedEvent } from '../../src/core/incident.ts';
import type { IncidentEventStore } from '../notifications/ports.ts';

/** Incidents are read within weeks; the audit log keeps what must be kept longer. */
const KEEP_SECONDS = 90 * 86_400;
/** One incident's window holds far fewer; a Query page is 1 MB anyway. */
const MAX_EVENTS = 1000;

export class DynamoIncidentEventStore implements IncidentEventStore {
  private readonly client: DynamoDBDocumentClient;
  private readonly tableName: string;

  constructor(client: DynamoDBDocumentClient, tableName: string) {
    this.client = client;
    this.tableName = tableName;
  }

  async record(environment: string, id: string, event: RecordedEvent): Promise<void> {
    await this.client.send(
      new PutCommand({
        TableName: this.tableName,
        Item: {
          [TABLE.partitionKey]: KEYS.environmentPk(environment),
          [TABLE.sortKey]: KEYS.incidentEventSk(event.at, id),
          ...event,
          [TABLE.ttlAttribute]: Math.floor(Date.parse(event.at) / 1000) + KEEP_SECONDS,
        },
      }),
    );
  }

  async list(environment: string, since: Date): Promise<RecordedEvent[]> {
    const { Items } = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: '#pk = :pk AND #sk BETWEEN :from AND :to',
        ExpressionAttributeNames: { '#pk': TABLE.partitionKey, '#sk': TABLE.sortKey },
        ExpressionAttributeValues: {
          ':pk': KEYS.environmentPk(environment),
          ':from': KEYS.incidentEventSk(since.toISOString(), ''),
          // '~' sorts after every character of an ISO time and an id.
          ':to': `${KEYS.incidentEventSkPrefix}~`,
        },
        Limit: MAX_EVENTS,
      }),
    );
    return (Items ?? []).map((item) => ({
      at: item.at as string,
      kind: item.kind as RecordedEvent['kind'],
      summary: item.summary as string,
      actor: item.actor as string,
      ...(typeof item.deploymentNumber === 'number' ? { deploymentNumber: item.deploymentNumber } : {}),
      details: (item.details ?? {}) as Record<string, unknown>,
    }));
  }
}
