/** What the registry stores and returns, independent of the database. */

import type { Approval, Archival, AuditEntry, Deprecation } from '../src/core/api.ts';
import type { BumpResult } from '../src/core/versioning.ts';

export type { Approval, Archival, Deprecation };

export interface VersionRecord {
  readonly id: string;
  readonly version: string;
  readonly sha256: string;
  /** Bytes of the canonical document text. */
  readonly size: number;
  readonly createdBy: string;
  readonly createdAt: string;
  readonly message?: string;
  readonly bump: BumpResult;
  readonly approvals: readonly Approval[];
  readonly description?: string;
  readonly owner?: string;
  /** Set while the version is deprecated (docs/maintenance.md). */
  readonly deprecation?: Deprecation;
  /**
   * The ref of the version's object (`versions/<ref>.json`), written at publish before this item;
   * absent on versions published before version objects (docs/architecture.md, "Ten thousand prompts").
   */
  readonly ref?: string;
  /** Bytes of the version object's text, beside `ref`. */
  readonly objectBytes?: number;
  /** Bytes of the body (the sections) in the version object, beside `ref`. */
  readonly bodyBytes?: number;
  /**
   * The publish request that created it, hashed (route, caller, Idempotency-Key, body), when it
   * carried a key: its same-key retry finds it after later versions (publish-version.ts).
   */
  readonly publishKey?: string;
  /**
   * The lint stamp (`LINT_STAMP`, src/core/lint) the document passed with: deploy lints it again only
   * when the rules changed since. Absent on versions published before stamps.
   */
  readonly lintedWith?: string;
}

export interface PromptSummary {
  readonly id: string;
  readonly latestVersion: string;
  readonly description?: string;
  readonly owner?: string;
  readonly updatedAt: string;
  /** Set while the prompt is archived (docs/maintenance.md). */
  readonly archived?: Archival;
}

export interface AuditEvent extends AuditEntry {
  /** Deterministic: the same action on the same target yields the same id, so a retry adds nothing. */
  readonly eventId: string;
  readonly promptId?: string;
  readonly environment?: string;
}

export interface AuditQuery {
  readonly promptId?: string;
  readonly environment?: string;
}

export type FeedbackScale = 'thumbs' | 'stars';

/** Thumbs: 1 positive, -1 negative. Stars: 4-5 positive, 3 neutral, 1-2 negative. */
export type FeedbackSentiment = 'positive' | 'neutral' | 'negative';

/** One feedback as stored. User and session ids appear only as keyed hashes. */
export interface FeedbackRecord {
  readonly feedbackId: string;
  readonly promptId: string;
  readonly version: string;
  readonly environment: string;
  readonly scale: FeedbackScale;
  readonly rating: number;
  readonly sentiment: FeedbackSentiment;
  readonly at: string;
  readonly comment?: string;
  readonly tags?: readonly string[];
  /** The segment whose pin served (docs/segments.md). */
  readonly segment?: string;
  /** HMAC-SHA-256 of the user id under the deployment's secret. */
  readonly userHash?: string;
  /** HMAC-SHA-256 of the session id under the deployment's secret. */
  readonly sessionHash?: string;
  /** Epoch seconds after which DynamoDB's TTL deletes the item; absent when feedback is kept. */
  readonly expiresAt?: number;
}

/** Counters of an aggregate; every field is added to atomically. */
export interface FeedbackTally {
  readonly count: number;
  readonly positive: number;
  readonly negative: number;
  /** Ratings on the stars scale, and the sum of their stars (mean = starsSum / stars). */
  readonly stars: number;
  readonly starsSum: number;
}

/** Where a feedback is counted: its prompt version in an environment, on a UTC day (`YYYY-MM-DD`). */
export interface FeedbackAggregateKey {
  readonly environment: string;
  readonly promptId: string;
  readonly version: string;
  readonly day: string;
}

/** One of the aggregate shards of a day (docs/architecture.md, "Sharded feedback aggregates"). */
export interface FeedbackShardKey extends FeedbackAggregateKey {
  readonly shard: number;
}

export interface DailyFeedbackTally extends FeedbackTally {
  readonly version: string;
  readonly day: string;
}
