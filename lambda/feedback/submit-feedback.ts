/**
 * Recording one feedback (docs/architecture.md, "Exact feedback counts"): the item first, pending,
 * then one atomic ADD into one of its day's aggregate shards (the commit point; no read-modify-write,
 * so concurrent posts never lose a count), then its pending mark cleared. If the item or the count
 * fails, the item is deleted again and, when the ADD may have landed, its shard is marked dirty for a
 * recount of that shard alone, so a failed request leaves nothing behind even when a write committed
 * before it failed. A Lambda killed in between leaves a pending item, which the reconciler settles.
 * No write starts once the request's time is up (its caller already has a timeout and may retry).
 * A post with an Idempotency-Key has an id derived from it and first marks that id, so its retry
 * after a cut-off attempt finishes that attempt's item instead of storing a second one.
 * Metrics are emitted only once the feedback is counted.
 */
import { IDEMPOTENCY_TABLE } from '../../src/core/contracts.ts';
import { NotFoundError } from '../../src/core/errors.ts';
import { feedbackShardOf } from '../../src/core/feedback-shards.ts';
import { emfDocument } from '../../src/core/metrics.ts';
import type { FeedbackRecord, FeedbackScale } from '../model.ts';
import type { FeedbackDeps } from '../ports.ts';
import { assertConfiguredEnvironment } from './environments.ts';
import { DEFAULT_SCALE, sentimentOf, tallyOf } from './ratings.ts';

export interface FeedbackInput {
  readonly promptId: string;
  readonly version: string;
  readonly environment: string;
  readonly rating: number;
  readonly scale?: FeedbackScale;
  readonly comment?: string;
  readonly sessionId?: string;
  readonly userId?: string;
  readonly segment?: string;
  readonly tags?: readonly string[];
}

const SECONDS_PER_DAY = 86_400;

/** DynamoDB refuses a throttled write before applying it: the ADD cannot have landed. */
const REFUSED_UNAPPLIED = new Set(['ProvisionedThroughputExceededException', 'ThrottlingException']);
const mayHaveApplied = (error: unknown) => !(error instanceof Error && REFUSED_UNAPPLIED.has(error.name));

export interface SubmitOptions {
  /** Epoch ms after which no write may start: the request is about to be answered with a timeout. */
  readonly deadline?: number;
  /**
   * Epoch ms at which the caller has answered with a timeout (middy's, just before the Lambda's): a
   * count that completes later is undone, since the client will retry it.
   */
  readonly answeredBy?: number;
  /**
   * The id a post with an Idempotency-Key derives from it (keyed-feedback-id.ts): a retry after an
   * attempt that was cut off finds that attempt's item and finishes it instead of storing another.
   */
  readonly keyedId?: string;
}

/** A write refused because the request's time is up: nothing more is written for it. */
export class FeedbackDeadlineError extends Error {
  constructor(step: string) {
    super(`Feedback not recorded: the request ran out of time before ${step}`);
    this.name = 'FeedbackDeadlineError';
  }
}

export async function submitFeedback(
  deps: FeedbackDeps,
  input: FeedbackInput,
  environments: readonly string[],
  options: SubmitOptions = {},
): Promise<FeedbackRecord> {
  const inTime = (step: string) => {
    if (options.deadline !== undefined && Date.now() >= options.deadline)
      throw new FeedbackDeadlineError(step);
  };
  assertConfiguredEnvironment(input.environment, environments);
  const version = await deps.prompts.getVersion(input.promptId, input.version);
  if (!version) throw new NotFoundError(`Prompt ${input.promptId} has no version ${input.version}`);

  const now = deps.now();
  const feedbackId = options.keyedId ?? deps.newId();
  let at = now.toISOString();
  let retried = false;
  if (options.keyedId !== undefined) {
    inTime('marking its key');
    const base = { environment: input.environment, promptId: input.promptId, version: input.version };
    const earlier = await deps.feedback.markKeyedId(
      { ...base, feedbackId, at },
      Math.floor(now.getTime() / 1000) + IDEMPOTENCY_TABLE.keepSeconds,
    );
    // An earlier attempt of this request: its item (if any) is under its time.
    if (earlier !== undefined) {
      at = earlier;
      retried = true;
    }
  }
  const scale = input.scale ?? DEFAULT_SCALE;
  const sentiment = sentimentOf(scale, input.rating);
  const record: FeedbackRecord = {
    feedbackId,
    promptId: input.promptId,
    version: input.version,
    environment: input.environment,
    scale,
    rating: input.rating,
    sentiment,
    at,
    ...(input.comment !== undefined ? { comment: input.comment } : {}),
    ...(input.tags !== undefined && input.tags.length > 0 ? { tags: input.tags } : {}),
    ...(input.segment !== undefined ? { segment: input.segment } : {}),
    ...(input.userId !== undefined ? { userHash: deps.identities.hash('user', input.userId) } : {}),
    ...(input.sessionId !== undefined
      ? { sessionHash: deps.identities.hash('session', input.sessionId) }
      : {}),
    ...(deps.retentionDays !== undefined
      ? { expiresAt: Math.floor(Date.parse(at) / 1000) + deps.retentionDays * SECONDS_PER_DAY }
      : {}),
  };

  const shard = {
    environment: record.environment,
    promptId: record.promptId,
    version: record.version,
    day: at.slice(0, 10),
    shard: feedbackShardOf(record.feedbackId),
  };
  if (retried) {
    const stored = await deps.feedback.feedbackState(record);
    // Counted and cleared: the earlier attempt did everything but answer.
    if (stored === 'counted') return record;
    if (stored === 'pending') {
      // Stored, and its ADD may or may not have landed: recounting its shard from the items counts
      // it exactly once either way (a late ADD of that attempt is refused as claimed).
      inTime('recounting its shard');
      await deps.feedback.settleShard(shard);
      await deps.feedback.markCounted(record).catch(() => undefined);
      publishCounted(deps, record, now);
      return record;
    }
  }
  let counting = false;
  try {
    inTime('storing the item');
    await deps.feedback.putFeedback(record);
    inTime('counting the item');
    counting = true;
    await deps.feedback.countFeedback(record, tallyOf(scale, input.rating, sentiment));
    if (options.answeredBy !== undefined && Date.now() >= options.answeredBy)
      throw new FeedbackDeadlineError('answering');
  } catch (error) {
    // Either write may have committed though it answered an error (a timeout after the store
    // applied it): the item goes (a no-op when it never landed), then its shard, if the ADD may
    // have landed, is marked for a recount of that shard (docs/architecture.md).
    await deps.feedback.deleteFeedback(record).catch((undoError: unknown) => {
      throw new AggregateError(
        [error, undoError],
        `Feedback ${record.feedbackId} was stored but not counted, and deleting it failed`,
      );
    });
    if (counting && mayHaveApplied(error))
      await deps.feedback.markDirty(shard, deps.now().toISOString()).catch((markError: unknown) => {
        throw new AggregateError(
          [error, markError],
          `Feedback ${record.feedbackId} was deleted again, but marking its aggregate shard for a recount failed`,
        );
      });
    throw error;
  }
  // Counted: a failure here only leaves the mark for the reconciler, which finds the count exact.
  await deps.feedback.markCounted(record).catch(() => undefined);

  publishCounted(deps, record, now);
  return record;
}

/** The outcome metrics of a counted feedback (emitted once it is counted, never before). */
function publishCounted(deps: FeedbackDeps, record: FeedbackRecord, now: Date): void {
  deps.metrics.publish([
    emfDocument(
      { environment: record.environment, promptId: record.promptId, promptVersion: record.version },
      {
        feedbackCount: 1,
        negativeFeedback: record.sentiment === 'negative' ? 1 : 0,
        feedbackRating: record.rating,
      },
      now.getTime(),
    ),
  ]);
}
