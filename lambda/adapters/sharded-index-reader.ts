/**
 * Reads a write-sharded index (several partitions holding one logical list) as one list in sort-key
 * order, newest first, a page at a time (docs/architecture.md, "Sharded audit index"; the cursor's
 * shape is in docs/api.md, "Pagination").
 *
 * A page is a k-way merge: every partition is asked for a share of the page in parallel (1.5 times
 * an even share, plus 2), and a partition whose share is used up while it has more is asked again for
 * what the page still needs. With hash-chosen shards a page costs about twice `limit` items read,
 * in one round, rarely two; a partition holding everything (the legacy one) costs two rounds.
 */
import { BadRequestError, displayValue } from '../../src/core/errors.ts';

/** One partition's answer: items newest first, and whether it holds more beyond them. */
export interface PartitionRead<T> {
  readonly items: readonly T[];
  readonly more: boolean;
}

/**
 * Reads up to `limit` items of `partition` whose sort key is below `before` (all of them when
 * undefined), newest first.
 */
export type ReadPartition<T> = (
  partition: string,
  before: string | undefined,
  limit: number,
) => Promise<PartitionRead<T>>;

/**
 * Where the next page starts. Because the merge emits items in one total order, every partition's
 * position is the same: just below the last sort key emitted (`before`). Partitions read to their
 * end are listed in `done` and not queried again.
 */
export interface MergedPosition {
  readonly before: string;
  readonly done: readonly string[];
}

export interface MergedPage<T> {
  readonly items: T[];
  readonly next?: MergedPosition;
}

interface PartitionState<T> {
  readonly partition: string;
  buffer: T[];
  more: boolean;
  /** Exclusive upper bound of the next read of this partition. */
  bound: string | undefined;
}

export async function readMergedPage<T>(
  partitions: readonly string[],
  sortKeyOf: (item: T) => string,
  read: ReadPartition<T>,
  limit: number,
  position?: MergedPosition,
): Promise<MergedPage<T>> {
  const done = new Set(position?.done ?? []);
  const states: PartitionState<T>[] = partitions
    .filter((partition) => !done.has(partition))
    .map((partition) => ({ partition, buffer: [], more: true, bound: position?.before }));
  const items: T[] = [];
  // Half as much again as an even share, so with hash-chosen shards a second round is rare.
  let share = Math.ceil((1.5 * limit) / Math.max(states.length, 1)) + 2;
  while (items.length < limit) {
    const drained = states.filter((s) => s.buffer.length === 0 && s.more);
    if (drained.length > 0) {
      await Promise.all(
        drained.map(async (state) => {
          const result = await read(state.partition, state.bound, share);
          state.buffer.push(...result.items);
          state.more = result.more && result.items.length > 0;
          const last = result.items.at(-1);
          if (last !== undefined) state.bound = sortKeyOf(last);
        }),
      );
      // A partition asked again is asked for all the page still needs, so a skewed one (or the
      // legacy partition before any shard has items) costs one more round, not many.
      share = limit - items.length;
    }
    let newest: PartitionState<T> | undefined;
    for (const state of states) {
      const head = state.buffer[0];
      if (head === undefined) continue;
      if (newest === undefined || sortKeyOf(head) > sortKeyOf(newest.buffer[0] as T)) newest = state;
    }
    if (newest === undefined) break;
    items.push(newest.buffer.shift() as T);
  }
  for (const state of states) if (state.buffer.length === 0 && !state.more) done.add(state.partition);
  const last = items.at(-1);
  const finished = partitions.every((partition) => done.has(partition));
  if (finished || last === undefined) return { items };
  return { items, next: { before: sortKeyOf(last), done: partitions.filter((p) => done.has(p)) } };
}

const CURSOR_VERSION = 1;

/** `{"v":1,"b":"<sort key>","d":["<partition>",...]}`, base64url-encoded. */
export function encodeMergedCursor(position: MergedPosition): string {
  return Buffer.from(
    JSON.stringify({ v: CURSOR_VERSION, b: position.before, d: position.done }),
    'utf8',
  ).toString('base64url');
}

/**
 * Decodes a cursor made by `encodeMergedCursor` for these partitions; anything else (a cursor of
 * another listing, an edited or truncated one) is a 400 naming the `cursor` parameter.
 */
export function decodeMergedCursor(
  cursor: string | undefined,
  partitions: readonly string[],
  sortKeyPattern: RegExp,
): MergedPosition | undefined {
  if (cursor === undefined) return undefined;
  const message = `Invalid cursor ${displayValue(cursor, 40)}: pass back the nextCursor of the previous page of this listing unchanged`;
  const invalid = () => new BadRequestError(message, { errors: [{ path: 'cursor', message }] });
  if (cursor.length > 2048 || !/^[A-Za-z0-9_-]+$/.test(cursor)) throw invalid();
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw invalid();
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw invalid();
  const { v, b, d, ...rest } = value as Record<string, unknown>;
  const known = new Set(partitions);
  const validDone =
    Array.isArray(d) &&
    d.every((p) => typeof p === 'string' && known.has(p)) &&
    new Set(d).size === d.length &&
    d.length < partitions.length;
  if (
    v !== CURSOR_VERSION ||
    typeof b !== 'string' ||
    b.length > 512 ||
    !sortKeyPattern.test(b) ||
    !validDone ||
    Object.keys(rest).length > 0
  ) {
    throw invalid();
  }
  return { before: b, done: d as string[] };
}
