/** Opaque cursors: a DynamoDB LastEvaluatedKey, base64url-encoded JSON, checked on the way back in. */
import { BadRequestError, displayValue } from '../../src/core/errors.ts';

export type DynamoKey = Record<string, string>;

export function encodeCursor(key: Record<string, unknown> | undefined): string | undefined {
  return key ? Buffer.from(JSON.stringify(key), 'utf8').toString('base64url') : undefined;
}

/** What a cursor must hold to belong to the query it is passed to. */
export interface CursorScope {
  /** Attributes whose value is fixed by the query (its partition key). */
  readonly equal?: Readonly<Record<string, string>>;
  /** Attributes whose value must start with a prefix (its sort key condition). */
  readonly prefix?: Readonly<Record<string, string>>;
}

/**
 * Decodes a cursor made by `encodeCursor`; its keys must be exactly `attributes` with string values,
 * within `scope`, so a cursor from another listing (or a forged one) is a 400, never a start key
 * DynamoDB refuses.
 */
export function decodeCursor(
  cursor: string | undefined,
  attributes: readonly string[],
  scope: CursorScope = {},
): DynamoKey | undefined {
  if (cursor === undefined) return undefined;
  // The problem body names the parameter in `errors` too, for programs (docs/api.md, "Pagination").
  const badCursor = (message: string) =>
    new BadRequestError(message, { errors: [{ path: 'cursor', message }] });
  const invalid = () =>
    badCursor(
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
  const values = key as DynamoKey;
  const outside =
    Object.entries(scope.equal ?? {}).some(([name, value]) => values[name] !== value) ||
    Object.entries(scope.prefix ?? {}).some(([name, prefix]) => !values[name]?.startsWith(prefix));
  if (outside) {
    throw badCursor(
      `Invalid cursor ${displayValue(cursor, 40)}: it belongs to another listing; pass back the nextCursor of the previous page of this one`,
    );
  }
  return values;
}
