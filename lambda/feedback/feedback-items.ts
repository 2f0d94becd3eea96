/**
 * GET /prompts/{id}/feedback/items (docs/feedback.md): a prompt's feedback items in one environment,
 * with their comments. Items live under their version (core contracts), so the listing runs version
 * by version, newest version first (those with aggregates in the window, from the aggregate index),
 * newest item first within each: one Query per partition read, no scans. The cursor is the key of
 * the last item returned, checked to belong to this prompt and environment.
 *
 * Comments may hold personal data: nothing here logs them, and user and session hashes are never
 * read.
 */
import type { FeedbackItem, FeedbackItemsPage } from '../../src/core/api.ts';
import { KEYS, LIMITS, TABLE } from '../../src/core/contracts.ts';
import { BadRequestError, displayValue, NotFoundError } from '../../src/core/errors.ts';
import { assertPromptId } from '../../src/core/ids.ts';
import { badParameter, parseInstant } from '../../src/core/metrics-history.ts';
import { segmentNameProblem } from '../../src/core/segments.ts';
import { assertVersion, compareVersions } from '../../src/core/versioning.ts';
import { type CursorScope, type DynamoKey, decodeCursor, encodeCursor } from '../adapters/pagination.ts';
import type { FeedbackRecord, FeedbackSentiment } from '../model.ts';
import type { FeedbackItemReader, PromptRepository } from '../ports.ts';
import { assertConfiguredEnvironment } from './environments.ts';

export interface FeedbackItemsDeps {
  readonly feedback: FeedbackItemReader;
  readonly prompts: Pick<PromptRepository, 'getLatestVersion'>;
}

/** The route's query parameters, as given. */
export interface FeedbackItemsInput {
  readonly environment?: string;
  readonly version?: string;
  readonly since?: string;
  readonly until?: string;
  readonly rating?: string;
  readonly commented?: string;
  readonly segment?: string;
  readonly limit?: string;
  readonly cursor?: string;
}

const SENTIMENTS = ['negative', 'neutral', 'positive'] as const satisfies readonly FeedbackSentiment[];

function sentimentOf(rating: string): FeedbackSentiment {
  if ((SENTIMENTS as readonly string[]).includes(rating)) return rating as FeedbackSentiment;
  throw badParameter(
    'rating',
    `rating ${displayValue(rating)} is not known: use negative (thumbs down, 1 or 2 stars), neutral (3 stars) or positive`,
  );
}

function commentedOf(commented: string): boolean {
  if (commented === 'true' || commented === 'false') return commented === 'true';
  throw badParameter(
    'commented',
    `commented ${displayValue(commented)} must be true (only items with a comment) or false (only items without)`,
  );
}

function segmentOf(segment: string): string {
  const problem = segmentNameProblem(segment);
  if (problem !== undefined) throw badParameter('segment', problem);
  return segment;
}

function limitOf(limit: string | undefined): number {
  if (limit === undefined) return LIMITS.defaultPageSize;
  if (!/^\d{1,3}$/.test(limit) || Number(limit) < 1 || Number(limit) > LIMITS.maxPageSize)
    throw badParameter(
      'limit',
      `limit ${displayValue(limit)} must be a whole number from 1 to ${LIMITS.maxPageSize}`,
    );
  return Number(limit);
}

/** The cursor's item key, within `scope`; a bad cursor is BAD_REQUEST naming `cursor` in `errors`. */
function cursorKey(cursor: string | undefined, scope: CursorScope): DynamoKey | undefined {
  try {
    return decodeCursor(cursor, [TABLE.partitionKey, TABLE.sortKey], scope);
  } catch (error) {
    if (error instanceof BadRequestError) throw badParameter('cursor', error.message);
    throw error;
  }
}

function itemOf(record: FeedbackRecord): FeedbackItem {
  return {
    id: record.feedbackId,
    version: record.version,
    at: record.at,
    scale: record.scale,
    rating: record.rating,
    sentiment: record.sentiment,
    ...(record.comment !== undefined ? { comment: record.comment } : {}),
    ...(record.tags !== undefined ? { tags: record.tags } : {}),
    ...(record.segment !== undefined ? { segment: record.segment } : {}),
  };
}

export async function listFeedbackItems(
  deps: FeedbackItemsDeps,
  id: string,
  input: FeedbackItemsInput,
  environments: readonly string[],
): Promise<FeedbackItemsPage> {
  // Every parameter is checked before anything is read.
  const promptId = assertPromptId(id);
  if (input.environment === undefined || input.environment === '')
    throw badParameter('environment', 'Query parameter environment is required');
  const environment = input.environment;
  assertConfiguredEnvironment(environment, environments);
  const version = input.version === undefined ? undefined : assertVersion(input.version);
  const sinceMs = input.since === undefined ? undefined : parseInstant('since', input.since);
  const untilMs = input.until === undefined ? undefined : parseInstant('until', input.until);
  if (sinceMs !== undefined && untilMs !== undefined && sinceMs >= untilMs)
    throw badParameter(
      'since',
      `since ${new Date(sinceMs).toISOString()} must be before until ${new Date(untilMs).toISOString()}`,
    );
  const since = sinceMs === undefined ? undefined : new Date(sinceMs).toISOString();
  const until = untilMs === undefined ? undefined : new Date(untilMs).toISOString();
  const sentiment = input.rating === undefined ? undefined : sentimentOf(input.rating);
  const commented = input.commented === undefined ? undefined : commentedOf(input.commented);
  const segment = input.segment === undefined ? undefined : segmentOf(input.segment);
  const limit = limitOf(input.limit);
  const partitionPrefix = KEYS.feedbackPk(environment, promptId, '');
  const start = cursorKey(input.cursor, {
    ...(version !== undefined
      ? { equal: { [TABLE.partitionKey]: KEYS.feedbackPk(environment, promptId, version) } }
      : {}),
    prefix: { [TABLE.partitionKey]: partitionPrefix, [TABLE.sortKey]: KEYS.feedbackItemSkPrefix },
  });

  const [latest, tallies] = await Promise.all([
    deps.prompts.getLatestVersion(promptId),
    version === undefined
      ? deps.feedback.listDailyTallies(environment, promptId, since?.slice(0, 10))
      : Promise.resolve([]),
  ]);
  if (!latest) throw new NotFoundError(`Prompt ${promptId} does not exist`);
  const untilDay = until?.slice(0, 10);
  const versions =
    version !== undefined
      ? [version]
      : [
          ...new Set(
            tallies
              .filter((t) => t.count > 0 && (untilDay === undefined || t.day <= untilDay))
              .map((t) => t.version),
          ),
        ].sort((a, b) => compareVersions(b, a));

  let first = 0;
  if (start) {
    const cursorVersion = (start[TABLE.partitionKey] as string).slice(partitionPrefix.length);
    first = versions.indexOf(cursorVersion);
    if (first < 0)
      throw badParameter(
        'cursor',
        `Invalid cursor ${displayValue(input.cursor, 40)}: it belongs to another listing; pass back the nextCursor of the previous page of this one`,
      );
  }

  const items: FeedbackRecord[] = [];
  for (let index = first; index < versions.length; index++) {
    const current = versions[index] as string;
    const page = await deps.feedback.listItems({
      environment,
      promptId,
      version: current,
      ...(since !== undefined ? { since } : {}),
      ...(until !== undefined ? { until } : {}),
      ...(sentiment !== undefined ? { sentiment } : {}),
      ...(commented !== undefined ? { commented } : {}),
      ...(segment !== undefined ? { segment } : {}),
      limit: limit - items.length,
      ...(index === first && start ? { after: start[TABLE.sortKey] as string } : {}),
    });
    items.push(...page.items);
    if (items.length < limit) continue;
    const last = items[items.length - 1] as FeedbackRecord;
    const more = page.more || index < versions.length - 1;
    const nextCursor = more
      ? encodeCursor({
          [TABLE.partitionKey]: KEYS.feedbackPk(environment, promptId, last.version),
          [TABLE.sortKey]: KEYS.feedbackItemSk(last.at, last.feedbackId),
        })
      : undefined;
    return { environment, items: items.map(itemOf), ...(nextCursor ? { nextCursor } : {}) };
  }
  return { environment, items: items.map(itemOf) };
}
