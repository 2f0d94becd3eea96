/** Write sharding of the feedback aggregates (docs/architecture.md, "Sharded feedback aggregates"). */
import { describe, expect, it } from 'vitest';
import { classify } from '../../../src/cli/archive.ts';
import {
  FEEDBACK_PENDING_GSI_PKS,
  FEEDBACK_SHARD_COUNT,
  FEEDBACK_SHARDS,
  feedbackAggregateShardGsiPk,
  feedbackAggregateShardSk,
  feedbackPendingGsiPk,
  feedbackShardOf,
} from '../../../src/core/feedback-shards.ts';

describe('feedback aggregate shards', () => {
  it('keeps the unsharded keys for shard 0, so days counted before sharding are read as shard 0', () => {
    expect(feedbackAggregateShardSk('2026-11-05', 0)).toBe('AGGREGATE#2026-11-05');
    expect(feedbackAggregateShardGsiPk('prod', 'support-reply', 0)).toBe('AGGREGATE#prod#support-reply');
    expect(feedbackAggregateShardSk('2026-11-05', 7)).toBe('AGGREGATE#2026-11-05#07');
    expect(feedbackAggregateShardGsiPk('prod', 'support-reply', 15)).toBe('AGGREGATE#prod#support-reply#15');
  });

  it('spreads ids over every shard and every pending partition, the same shard for the same id', () => {
    const ids = Array.from({ length: 4000 }, (_, i) => `feedback-${i}`);
    const perShard = new Map<number, number>();
    for (const id of ids) perShard.set(feedbackShardOf(id), (perShard.get(feedbackShardOf(id)) ?? 0) + 1);
    expect([...perShard.keys()].sort((a, b) => a - b)).toEqual(FEEDBACK_SHARDS);
    // No shard takes much more than its 1/16 share (250 of 4,000).
    expect(Math.max(...perShard.values())).toBeLessThan(350);
    expect(feedbackShardOf('feedback-1')).toBe(feedbackShardOf('feedback-1'));
    const partitions = new Set(ids.map(feedbackPendingGsiPk));
    expect([...partitions].sort()).toEqual([...FEEDBACK_PENDING_GSI_PKS].sort());
    expect(FEEDBACK_SHARD_COUNT).toBe(16);
  });

  it('archives every shard of a day under its own key, shard 0 under the unsharded one', () => {
    const base = {
      pk: 'FEEDBACK#prod#support-reply#1.4.0',
      environment: 'prod',
      promptId: 'support-reply',
      version: '1.4.0',
      day: '2026-11-05',
    };
    expect(classify({ ...base, sk: 'AGGREGATE#2026-11-05' }, 'feedback')).toEqual({
      kind: 'feedback-aggregate',
      key: 'feedback:prod/support-reply@1.4.0/2026-11-05',
    });
    expect(classify({ ...base, sk: 'AGGREGATE#2026-11-05#03', shard: 3 }, 'feedback')).toEqual({
      kind: 'feedback-aggregate',
      key: 'feedback:prod/support-reply@1.4.0/2026-11-05#3',
    });
    // A shard whose key and attribute disagree is not a PromptOps item.
    expect(classify({ ...base, sk: 'AGGREGATE#2026-11-05#03', shard: 4 }, 'feedback')).toBeUndefined();
  });
});
