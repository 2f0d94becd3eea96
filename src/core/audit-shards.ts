/**
 * Write sharding of the audit log's all-events index (docs/architecture.md, "Sharded audit index").
 * Every event goes to one of a fixed number of gsi1 partitions chosen by a hash of its event id, so
 * no partition takes more than its share of the writes; readers query every shard and merge.
 */
import { KEYS } from './contracts.ts';
import { sha256Hex } from './hash.ts';

/** Fixed fan-out: changing it moves no item, but readers must know every shard ever written. */
export const AUDIT_SHARD_COUNT = 16;

/** The gsi1 partition of one shard: `AUDIT#ALL#00` to `AUDIT#ALL#15`. */
export function auditShardGsiPk(shard: number): string {
  return `AUDIT#ALL#${String(shard).padStart(2, '0')}`;
}

/** The shard of an event: the first 32 bits of the SHA-256 of its id, modulo the fan-out. */
export function auditShardOf(eventId: string): number {
  return Number.parseInt(sha256Hex(eventId).slice(0, 8), 16) % AUDIT_SHARD_COUNT;
}

/**
 * Every partition a reader of all events queries: the shards, then the partition events written
 * before sharding live in (`AUDIT`), which is read too, so no migration is needed.
 */
export const AUDIT_ALL_PARTITIONS: readonly string[] = [
  ...Array.from({ length: AUDIT_SHARD_COUNT }, (_, shard) => auditShardGsiPk(shard)),
  KEYS.auditAllGsiPk,
];
