/** Opaque cursors: a DynamoDB LastEvaluatedKey, base64url-encoded JSON, checked on the way back in. */
import { BadRequestError, displayValue } from '../../src/core/errors.ts';

export type DynamoKey = Record<string, string>;

export function encodeCursor(key: Record<string, unknown> | undefined): string | undefined {
  return key ? Buffer.from(JSON.stringify(key), 'utf8').toString('base64url') : undefined;
}

/** Decodes a cursor made by `encodeCursor`; its keys must be exactly `attributes` with string values. */
export function decodeCursor(
  cursor: string | undefined,
  attributes: readonly string[],
): DynamoKey | undefined {
  if (cursor === undefined) return undefined;
  const invalid = () =>
    new BadRequestError(
      `Invalid cursor ${displayValue(cursor, 40)}: pass back the nextCursor of the previous page unchanged`,
    );
  if (cursor.length > 2048 || !/^[A-Za-z0-9_-]+$/.test(cursor)) throw invalid();
  let key: unknown;
  try {
    key = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw invalid();
  }
  if (typeof key !== 'object' || key === null || Array.isArray(key)) throw invalid();
  const entries = Object.entries(key);
  const expected = new Set(attributes);
  if (
    entries.length !== expected.size ||
    entries.some(([k, v]) => !expected.has(k) || typeof v !== 'string')
  ) {
    throw invalid();
  }
  return key as DynamoKey;
}
