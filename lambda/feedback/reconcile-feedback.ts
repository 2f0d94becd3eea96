/**
 * The feedback reconciler (docs/architecture.md, "Exact feedback counts"): settles what failed or
 * killed posts left behind. A pending item older than the grace period belongs to a writer that is
 * gone (the grace is longer than the feedback function's timeout), so whether its ADD landed no
 * longer changes: its shard is recounted, then the mark cleared. A dirty shard is recounted and its
 * mark released once older than the grace, when no late ADD can still land.
 */
import type { FeedbackShardKey } from '../model.ts';
import type { FeedbackRepository } from '../ports.ts';

/** Longer than the feedback function's 10 s timeout, with room for a slow store. */
export const RECONCILE_GRACE_MS = 120_000;

/** Shards settled at a time: each is one consistent read and one Query of its day. */
const CONCURRENCY = 4;

export interface ReconcileDeps {
  readonly feedback: FeedbackRepository;
  readonly now: () => Date;
}

export interface ReconcileResult {
  /** Shards recounted. */
  readonly settled: number;
  /** Pending items whose mark was cleared. */
  readonly cleared: number;
}

const shardId = (key: FeedbackShardKey) =>
  `${key.environment}\u0000${key.promptId}\u0000${key.version}\u0000${key.day}\u0000${key.shard}`;

export interface ReconcileOptions {
  /**
   * How old an entry must be before its writer is known to be gone. Local mode passes 0 once at
   * startup, for what a killed predecessor left (it held the data dir alone).
   * @default RECONCILE_GRACE_MS
   */
  readonly graceMs?: number;
}

export async function reconcileFeedback(
  deps: ReconcileDeps,
  options: ReconcileOptions = {},
): Promise<ReconcileResult> {
  const before = new Date(deps.now().getTime() - (options.graceMs ?? RECONCILE_GRACE_MS)).toISOString();
  const pending = await deps.feedback.listPending(before);
  const shards = new Map<string, FeedbackShardKey>();
  for (const entry of pending) shards.set(shardId(entry.shard), entry.shard);

  const queue = [...shards.values()];
  const settleNext = async (): Promise<void> => {
    for (let key = queue.shift(); key; key = queue.shift())
      await deps.feedback.settleShard(key, { releaseMarkedBefore: before });
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, settleNext));
  // Only once their shard is exact: a mark cleared first would leave an uncounted item unfound.
  let cleared = 0;
  for (const entry of pending) {
    if (entry.kind !== 'item') continue;
    await deps.feedback.markCounted(entry.item);
    cleared++;
  }
  return { settled: shards.size, cleared };
}
