/**
 * Write sharding of the feedback aggregates (docs/architecture.md, "Sharded feedback aggregates"):
 * each (environment, prompt, version, UTC day) is counted in a fixed number of aggregate items, one
 * chosen per feedback by a hash of its id, and every reader sums them all. Shard 0 keeps the keys
 * the single aggregate had, so days counted before sharding read back unchanged.
 */
import { KEYS } from './contracts.ts';
import { sha256Hex } from './hash.ts';

/** Fixed fan-out: changing it moves no item, but readers must know every shard ever written. */
export const FEEDBACK_SHARD_COUNT = 16;

/**
 * Partitions of the pending index (gsi2): every post writes its item's entry and removes it again,
 * so this is twice the aggregate fan-out to keep each partition under its share of the writes.
 */
export const FEEDBACK_PENDING_PARTITIONS = 32;

const pad = (shard: number) => String(shard).padStart(2, '0');

/** A feedback's aggregate shard: the first 32 bits of the SHA-256 of its id, modulo the fan-out. */
export function feedbackShardOf(feedbackId: string): number {
  return Number.parseInt(sha256Hex(feedbackId).slice(0, 8), 16) % FEEDBACK_SHARD_COUNT;
}

/** The sort key of a day's shard: shard 0 is the unsharded `AGGREGATE#<day>`, then `AGGREGATE#<day>#01`... */
export function feedbackAggregateShardSk(day: string, shard: number): string {
  return shard === 0 ? KEYS.feedbackAggregateSk(day) : `${KEYS.feedbackAggregateSk(day)}#${pad(shard)}`;
}

/** The gsi1 partition of a prompt's shard in an environment: shard 0 is the unsharded one. */
export function feedbackAggregateShardGsiPk(environment: string, promptId: string, shard: number): string {
  const base = KEYS.feedbackAggregateGsiPk(environment, promptId);
  return shard === 0 ? base : `${base}#${pad(shard)}`;
}

/** Every shard number, 0 first. */
export const FEEDBACK_SHARDS: readonly number[] = Array.from({ length: FEEDBACK_SHARD_COUNT }, (_, s) => s);

/** The pending index partition an entry (a feedback item, a dirty shard) goes to, by a hash of its key. */
export function feedbackPendingGsiPk(key: string): string {
  return `PENDING#${pad(Number.parseInt(sha256Hex(key).slice(8, 16), 16) % FEEDBACK_PENDING_PARTITIONS)}`;
}

/** Every partition of the pending index, for the reconciler. */
export const FEEDBACK_PENDING_GSI_PKS: readonly string[] = Array.from(
  { length: FEEDBACK_PENDING_PARTITIONS },
  (_, p) => `PENDING#${pad(p)}`,
);
