/**
 * Items by key in batched consistent reads (BatchGetItem, 100 keys a call), a few calls in flight
 * (docs/architecture.md, "Ten thousand prompts"). Absent keys are left out; keys DynamoDB leaves
 * unprocessed under load are asked for again.
 */
import { BatchGetCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { mapBounded } from '../../src/core/bounded.ts';

/** BatchGetItem takes at most 100 keys; a few batches run at once. */
const BATCH_KEYS = 100;
const BATCHES_IN_FLIGHT = 8;
const ATTEMPTS = 8;

export async function batchGetItems(
  client: DynamoDBDocumentClient,
  tableName: string,
  keys: readonly Record<string, unknown>[],
  projection?: { readonly expression: string; readonly names: Readonly<Record<string, string>> },
): Promise<Record<string, unknown>[]> {
  const batches: Record<string, unknown>[][] = [];
  for (let i = 0; i < keys.length; i += BATCH_KEYS) batches.push(keys.slice(i, i + BATCH_KEYS));
  const items: Record<string, unknown>[] = [];
  await mapBounded(batches, BATCHES_IN_FLIGHT, async (batch) => {
    let pending = batch;
    for (let attempt = 0; pending.length > 0 && attempt < ATTEMPTS; attempt++) {
      const response = await client.send(
        new BatchGetCommand({
          RequestItems: {
            [tableName]: {
              Keys: pending,
              ConsistentRead: true,
              ...(projection
                ? { ProjectionExpression: projection.expression, ExpressionAttributeNames: projection.names }
                : {}),
            },
          },
        }),
      );
      items.push(...(response.Responses?.[tableName] ?? []));
      pending = (response.UnprocessedKeys?.[tableName]?.Keys as Record<string, unknown>[] | undefined) ?? [];
    }
    if (pending.length > 0)
      throw new Error(`DynamoDB left ${pending.length} keys unprocessed after ${ATTEMPTS} attempts`);
  });
  return items;
}
