/**
 * Recording one feedback: the feedback item first, then one atomic ADD into its version's daily
 * aggregate (the commit point; no read-modify-write, so concurrent posts never lose a count). If
 * either write fails, the item is deleted again and the day recounted from its items, so a failed
 * request leaves nothing behind even when a write committed before it failed. Metrics are emitted
 * only once both writes succeeded.
 */
import { NotFoundError } from '../../src/core/errors.ts';
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

export async function submitFeedback(
  deps: FeedbackDeps,
  input: FeedbackInput,
  environments: readonly string[],
): Promise<FeedbackRecord> {
  assertConfiguredEnvironment(input.environment, environments);
  const version = await deps.prompts.getVersion(input.promptId, input.version);
  if (!version) throw new NotFoundError(`Prompt ${input.promptId} has no version ${input.version}`);

  const now = deps.now();
  const at = now.toISOString();
  const scale = input.scale ?? DEFAULT_SCALE;
  const sentiment = sentimentOf(scale, input.rating);
  const record: FeedbackRecord = {
    feedbackId: deps.newId(),
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
      ? { expiresAt: Math.floor(now.getTime() / 1000) + deps.retentionDays * SECONDS_PER_DAY }
      : {}),
  };

  const day = {
    environment: record.environment,
    promptId: record.promptId,
    version: record.version,
    day: at.slice(0, 10),
  };
  try {
    await deps.feedback.putFeedback(record);
    await deps.feedback.addToAggregate(day, tallyOf(scale, input.rating, sentiment));
  } catch (error) {
    // Either write may have committed though it answered an error (a timeout after the store
    // applied it): the item goes (a no-op when it never landed), then the day is recounted from
    // the items that remain, so the aggregate equals them (docs/architecture.md).
    await deps.feedback.deleteFeedback(record).catch((undoError: unknown) => {
      throw new AggregateError(
        [error, undoError],
        `Feedback ${record.feedbackId} was stored but not counted, and deleting it failed`,
      );
    });
    await deps.feedback.recountDay?.(day).catch((recountError: unknown) => {
      throw new AggregateError(
        [error, recountError],
        `Feedback ${record.feedbackId} was deleted again, but recounting its day failed`,
      );
    });
    throw error;
  }

  deps.metrics.publish([
    emfDocument(
      { environment: record.environment, promptId: record.promptId, promptVersion: record.version },
      {
        feedbackCount: 1,
        negativeFeedback: sentiment === 'negative' ? 1 : 0,
        feedbackRating: input.rating,
      },
      now.getTime(),
    ),
  ]);
  return record;
}
