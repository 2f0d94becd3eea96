/**
 * Request bodies of the feedback and metrics routes. Unknown keys (including `__proto__`) are
 * rejected, and anything over a limit is refused, never cut.
 */
import * as v from 'valibot';
import type { FeedbackRequest, MetricsRequest } from '../../src/core/api.ts';
import { LIMITS } from '../../src/core/contracts.ts';
import { PayloadTooLargeError } from '../../src/core/errors.ts';
import { ENVIRONMENT_NAME_RULE, isEnvironmentName, isPromptId, promptIdProblem } from '../../src/core/ids.ts';
import { SEGMENT_NAME } from '../../src/core/segments.ts';
import { isValidVersion } from '../../src/core/versioning.ts';
import { FEEDBACK_SCALES, isValidRating, RATING_RULES } from '../feedback/ratings.ts';
import { parseInput } from '../runtime/validation.ts';
import { wireSchema } from './wire-schema.ts';

/** User and session ids are hashed, never stored; the bound only keeps requests sane. */
export const MAX_IDENTITY_LENGTH = 256;

const promptId = v.pipe(
  v.string('must be a prompt id string'),
  v.check(
    (input: string) => isPromptId(input),
    (issue) => promptIdProblem(issue.input) as string,
  ),
);
const version = v.pipe(
  v.string('must be a version string such as 1.2.0'),
  v.check(
    (input: string) => isValidVersion(input),
    'must be a semantic version such as 1.4.0 (no "v" prefix, no build metadata)',
  ),
);
const environment = v.pipe(
  v.string('must be an environment name string'),
  v.check(
    (input: string) => isEnvironmentName(input),
    `must be an environment name: ${ENVIRONMENT_NAME_RULE}`,
  ),
);
const identity = v.pipe(
  v.string('must be a string'),
  v.minLength(1, 'must not be empty'),
  v.maxLength(MAX_IDENTITY_LENGTH, `must be at most ${MAX_IDENTITY_LENGTH} characters`),
);
const nonNegative = (what: string) => v.pipe(v.number(`must be ${what}`), v.minValue(0, `must be ${what}`));
const count = (what: string) =>
  v.pipe(v.number(`must be ${what}`), v.integer(`must be ${what}`), v.minValue(0, `must be ${what}`));

/** docs/segments.md: 1 to 32 characters of a-z, 0-9 and -, starting with a letter. */
const segmentName = v.pipe(
  v.string('must be a segment name'),
  v.regex(
    SEGMENT_NAME,
    'must be a segment name: 1 to 32 characters of a-z, 0-9 and -, starting with a letter',
  ),
);

export const feedbackBody = wireSchema<FeedbackRequest>()(
  v.pipe(
    v.strictObject(
      {
        promptId,
        version,
        environment,
        rating: v.number('must be a number: 1 or -1 for thumbs, 1 to 5 for stars'),
        scale: v.optional(v.picklist(FEEDBACK_SCALES, `must be one of ${FEEDBACK_SCALES.join(', ')}`)),
        comment: v.optional(
          v.pipe(
            v.string('must be a string'),
            v.maxLength(
              LIMITS.maxFeedbackCommentLength,
              (issue) =>
                `must be at most ${LIMITS.maxFeedbackCommentLength} characters, got ${(issue.input as string).length}`,
            ),
          ),
        ),
        sessionId: v.optional(identity),
        userId: v.optional(identity),
        segment: v.optional(segmentName),
        tags: v.optional(
          v.pipe(
            v.array(
              v.pipe(
                v.string('must be a string'),
                v.minLength(1, 'must not be empty'),
                v.maxLength(
                  LIMITS.maxFeedbackTagLength,
                  `must be at most ${LIMITS.maxFeedbackTagLength} characters`,
                ),
              ),
              'must be an array of strings',
            ),
            v.maxLength(
              LIMITS.maxFeedbackTags,
              (issue) =>
                `must have at most ${LIMITS.maxFeedbackTags} tags, got ${(issue.input as unknown[]).length}`,
            ),
          ),
        ),
      },
      'must be a JSON object with promptId, version, environment, rating and optional scale, comment, sessionId, userId, segment, tags',
    ),
    v.forward(
      v.partialCheck(
        [['rating'], ['scale']],
        (input) => isValidRating(input.scale ?? 'thumbs', input.rating),
        (issue) => RATING_RULES[(issue.input as { scale?: 'thumbs' | 'stars' }).scale ?? 'thumbs'],
      ),
      ['rating'],
    ),
  ),
);

const outcomeRecord = v.strictObject(
  {
    promptId,
    version,
    environment,
    segment: v.optional(segmentName),
    role: v.optional(v.picklist(['primary', 'shadow'], 'must be "primary" or "shadow" (docs/shadows.md)')),
    latencyMs: v.optional(nonNegative('a number of milliseconds, 0 or more')),
    inputTokens: v.optional(count('a whole number of tokens, 0 or more')),
    outputTokens: v.optional(count('a whole number of tokens, 0 or more')),
    costUsd: v.optional(nonNegative('a cost in US dollars, 0 or more')),
    error: v.optional(v.boolean('must be true or false')),
    score: v.optional(
      v.pipe(
        v.number('must be a number from 0 to 1'),
        v.minValue(0, 'must be a number from 0 to 1'),
        v.maxValue(1, 'must be a number from 0 to 1'),
      ),
    ),
  },
  'must be an object with promptId, version, environment and optional segment, role, latencyMs, inputTokens, outputTokens, costUsd, error, score',
);

const metricsBody = wireSchema<MetricsRequest>()(
  v.strictObject(
    {
      records: v.pipe(
        v.array(outcomeRecord, 'must be an array of outcome records'),
        v.minLength(1, `must hold 1 to ${LIMITS.maxMetricRecords} records`),
      ),
    },
    'must be a JSON object with a records array',
  ),
);

/** Parses a POST /metrics body: more than the record limit is 413 before any record is looked at. */
export function parseMetricsBody(body: unknown): MetricsRequest {
  const records = (body as { records?: unknown } | null)?.records;
  if (Array.isArray(records) && records.length > LIMITS.maxMetricRecords) {
    throw new PayloadTooLargeError(
      `The request holds ${records.length} records; the limit is ${LIMITS.maxMetricRecords} per request: send them in batches`,
    );
  }
  return parseInput(metricsBody, body);
}
