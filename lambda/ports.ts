/** Ports: what the use cases need from storage, implemented by the adapters (S3, DynamoDB, AppConfig). */
import type { Pin } from '../src/core/pins.ts';
import type {
  Approval,
  Archival,
  AuditEvent,
  AuditQuery,
  DailyFeedbackTally,
  Deprecation,
  FeedbackRecord,
  FeedbackSentiment,
  FeedbackShardKey,
  FeedbackTally,
  PromptSummary,
  VersionRecord,
} from './model.ts';

export interface PageRequest {
  readonly limit: number;
  /** Opaque: the `nextCursor` of the previous page. */
  readonly cursor?: string;
}

export interface Page<T> {
  readonly items: T[];
  readonly nextCursor?: string;
}

/** Prompt documents by the SHA-256 of their canonical text. */
export interface BodyStore {
  /** Stores a document under its hash. Writing the same document again is harmless. */
  put(sha256: string, text: string): Promise<void>;
  /** The document with this hash, verified against it; undefined when absent. */
  get(sha256: string): Promise<string | undefined>;
}

/** Version objects (docs/architecture.md, "Ten thousand prompts"), in the body bucket by key. */
export interface VersionObjectStore {
  /** Writes the object; the same key always holds the same text, so writing again is harmless. */
  put(key: string, text: string): Promise<void>;
  /** The object's text; undefined when absent. */
  get(key: string): Promise<string | undefined>;
}

/**
 * The ref each version's item records (docs/architecture.md, "Ten thousand prompts": Validator): an
 * item's ref means its object was written, so the validator need not read it.
 */
export interface RecordedRefs {
  /** In the order asked; undefined where the version does not exist or its item records no ref. */
  getRecordedRefs(
    versions: readonly { readonly id: string; readonly version: string }[],
  ): Promise<(string | undefined)[]>;
}

/** What deploy may record on an existing version item (docs/architecture.md, "Ten thousand prompts"). */
export type VersionFacts = Partial<Pick<VersionRecord, 'ref' | 'objectBytes' | 'bodyBytes' | 'lintedWith'>>;

export interface PromptRepository {
  getVersion(id: string, version: string): Promise<VersionRecord | undefined>;
  /**
   * Several versions in batched reads (BatchGetItem), in the order asked; undefined where one does
   * not exist. Optional: without it callers read one at a time.
   */
  getVersions?(
    refs: readonly { readonly id: string; readonly version: string }[],
  ): Promise<(VersionRecord | undefined)[]>;
  /** The highest version by semver precedence. */
  getLatestVersion(id: string): Promise<VersionRecord | undefined>;
  /** The `limit` highest versions, highest first (read consistently). */
  recentVersions(id: string, limit: number): Promise<VersionRecord[]>;
  /** Conditional put: `exists` when the version is already there (nothing is written). */
  createVersion(record: VersionRecord): Promise<'created' | 'exists'>;
  /** Moves the prompt's summary to this version unless a greater one is already recorded. Idempotent. */
  recordLatest(record: VersionRecord): Promise<void>;
  /**
   * Records what deploy learned of an existing version (its object's ref and sizes, the lint stamp it
   * passed), each field only where the item has none yet, so it is paid once. `missing` when the
   * version does not exist. Optional: without it deploy repeats that work each time.
   */
  recordVersionFacts?(id: string, version: string, facts: VersionFacts): Promise<'recorded' | 'missing'>;
  /** `exists` when this principal already approved; `missing` when the version does not exist. */
  addApproval(id: string, version: string, approval: Approval): Promise<'added' | 'exists' | 'missing'>;
  /** By id; `excludeArchived` leaves archived prompts out and still fills the page. */
  listPrompts(
    page: PageRequest,
    options?: { readonly excludeArchived?: boolean },
  ): Promise<Page<PromptSummary>>;
  /** Newest first. */
  listVersions(id: string, page: PageRequest): Promise<Page<VersionRecord>>;
  /** The prompt's pin in each of these environments that pins it. */
  getEnvironmentPins(id: string, environments: readonly string[]): Promise<Record<string, Pin>>;
  /** Every pin of each of these environments (an environment never deployed has none). */
  getAllEnvironmentPins(environments: readonly string[]): Promise<Record<string, Record<string, Pin>>>;
  /**
   * Marks a version deprecated unless it already is (docs/maintenance.md): `exists` when it was
   * (nothing is written), `missing` when the version does not exist.
   */
  setDeprecation(
    id: string,
    version: string,
    deprecation: Deprecation,
  ): Promise<'set' | 'exists' | 'missing'>;
  /** Clears a version's deprecation: `absent` when it had none, `missing` when the version does not exist. */
  clearDeprecation(id: string, version: string): Promise<'cleared' | 'absent' | 'missing'>;
  /** The prompt's archival, read consistently; undefined when it is not archived (or does not exist). */
  getArchival(id: string): Promise<Archival | undefined>;
  /** `getArchival` for several prompts in batched reads, in the order asked. Optional. */
  getArchivals?(ids: readonly string[]): Promise<(Archival | undefined)[]>;
  /** Archives a prompt unless it already is: `exists` when it was, `missing` when the prompt does not exist. */
  setArchival(id: string, archival: Archival): Promise<'set' | 'exists' | 'missing'>;
  /** Unarchives a prompt: `absent` when it was not archived, `missing` when the prompt does not exist. */
  clearArchival(id: string): Promise<'cleared' | 'absent' | 'missing'>;
}

export interface AuditLog {
  /** Appends an event; an event with the same id is already there after a retry, and that is fine. */
  append(event: AuditEvent): Promise<void>;
  /** Newest first. */
  list(query: AuditQuery, page: PageRequest): Promise<Page<AuditEvent>>;
}

export interface RegistryDeps {
  readonly prompts: PromptRepository;
  readonly bodies: BodyStore;
  /** Where publish writes version objects; without it, deploy writes them (docs/architecture.md). */
  readonly versionObjects?: VersionObjectStore;
  readonly audit: AuditLog;
  readonly now: () => Date;
}

/** Feedback items and their sharded daily aggregates (docs/architecture.md, "Exact feedback counts"). */
export interface FeedbackRepository {
  /** Stores one feedback item, pending until counted (conditional on its id being new). */
  putFeedback(record: FeedbackRecord): Promise<void>;
  /** Removes a stored feedback item: undoes `putFeedback` when counting it failed. */
  deleteFeedback(record: FeedbackRecord): Promise<void>;
  /**
   * Adds the item's `increment` to its aggregate shard with an atomic ADD (no read, so no concurrent
   * count is lost); 'claimed' when a settle had already counted the pending item, and nothing changed.
   */
  countFeedback(record: FeedbackRecord, increment: FeedbackTally): Promise<'counted' | 'claimed'>;
  /** Clears a counted item's pending mark (a no-op for an item that is gone). */
  markCounted(record: PendingFeedbackItem): Promise<void>;
  /**
   * Marks a keyed feedback id as used (docs/architecture.md, "Exact feedback counts"): a conditional
   * put beside the version's items, kept until `expiresAt` (epoch seconds). Answers the `at` the mark
   * already holds when an earlier attempt made it, undefined when this one did.
   */
  markKeyedId(item: PendingFeedbackItem, expiresAt: number): Promise<string | undefined>;
  /** Whether an item is stored, and whether it is still pending (read consistently). */
  feedbackState(item: PendingFeedbackItem): Promise<'absent' | 'pending' | 'counted'>;
  /** Marks a shard for a recount: a failed post may have counted an item it then deleted. */
  markDirty(key: FeedbackShardKey, at: string): Promise<void>;
  /**
   * Sets a shard to exactly what its stored items count, racing no concurrent ADD; releases its dirty
   * mark when the mark is older than `releaseMarkedBefore` (a late ADD can no longer land).
   */
  settleShard(key: FeedbackShardKey, options?: { releaseMarkedBefore?: string }): Promise<FeedbackTally>;
  /** Pending items and dirty shards marked before `before` (ISO 8601): the reconciler's work. */
  listPending(before: string): Promise<PendingFeedback[]>;
  /**
   * Every version's daily aggregates of a prompt in an environment, from `sinceDay` on (all when
   * absent): the sum of each day's shards.
   */
  listDailyTallies(
    environment: string,
    promptId: string,
    sinceDay?: string,
    options?: TallyOptions,
  ): Promise<DailyFeedbackTally[]>;
}

export interface TallyOptions {
  /** Recount the dirty shards first (needs read and write access): the report's exact figures. */
  readonly settleDirty?: boolean;
}

/** What identifies a stored feedback item. */
export type PendingFeedbackItem = Pick<
  FeedbackRecord,
  'environment' | 'promptId' | 'version' | 'at' | 'feedbackId'
>;

/** An entry of the pending index: an item never marked counted, or a shard marked dirty. */
export type PendingFeedback =
  | { readonly kind: 'item'; readonly item: PendingFeedbackItem; readonly shard: FeedbackShardKey }
  | { readonly kind: 'shard'; readonly shard: FeedbackShardKey };

/** One page of a version's feedback items, newest first (GET /prompts/{id}/feedback/items). */
export interface FeedbackItemQuery {
  readonly environment: string;
  readonly promptId: string;
  readonly version: string;
  /** Given at or after this instant (ISO 8601, UTC). */
  readonly since?: string;
  /** Given before this instant (ISO 8601, UTC). */
  readonly until?: string;
  readonly sentiment?: FeedbackSentiment;
  /** true: only items with a comment; false: only items without. */
  readonly commented?: boolean;
  /** Only items given under this segment's pin (docs/segments.md). */
  readonly segment?: string;
  readonly limit: number;
  /** Resume after this item: the sort key of the last item of the previous page. */
  readonly after?: string;
}

/** Reads feedback items and aggregates: Query only, on the table and its aggregate index. */
export interface FeedbackItemReader {
  listDailyTallies: FeedbackRepository['listDailyTallies'];
  /** Up to `limit` items; `more` when the version may hold further matching items. */
  listItems(query: FeedbackItemQuery): Promise<{ items: FeedbackRecord[]; more: boolean }>;
}

/** Keyed hashes of user and session ids, so feedback can be grouped per user without holding identities. */
export interface IdentityHasher {
  hash(kind: 'user' | 'session', value: string): string;
}

/** Where Embedded Metric Format documents go: one log line each, for CloudWatch to extract. */
export interface MetricSink {
  publish(documents: readonly Record<string, unknown>[]): void;
}

export interface FeedbackDeps {
  readonly feedback: FeedbackRepository;
  /** The registry's versions, to check that a rated version exists. */
  readonly prompts: Pick<PromptRepository, 'getVersion' | 'getLatestVersion'>;
  readonly identities: IdentityHasher;
  readonly metrics: MetricSink;
  /** Feedback items expire this many days after they were given; undefined keeps them. */
  readonly retentionDays: number | undefined;
  readonly now: () => Date;
  readonly newId: () => string;
}

export interface MetricsDeps {
  readonly metrics: MetricSink;
  readonly now: () => Date;
}
