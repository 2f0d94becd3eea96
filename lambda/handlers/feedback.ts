/** POST /feedback (rate a prompt version) and GET /prompts/{id}/feedback (the feedback report). */
import type { Context } from 'aws-lambda';
import type { FeedbackAccepted } from '../../src/core/api.ts';
import { NotFoundError } from '../../src/core/errors.ts';
import { feedbackDeps } from '../feedback/deps.ts';
import { feedbackReport } from '../feedback/feedback-report.ts';
import { keyedFeedbackId } from '../feedback/keyed-feedback-id.ts';
import { submitFeedback } from '../feedback/submit-feedback.ts';
import type { FeedbackDeps } from '../ports.ts';
import { configuredEnvironments } from '../runtime/config.ts';
import {
  type ApiResult,
  callerOf,
  type JsonApiEvent,
  jsonResponse,
  pathParameter,
  queryParameter,
} from '../runtime/http.ts';
import { httpHandler } from '../runtime/http-handler.ts';
import { createLogger } from '../runtime/logger.ts';
import { IDEMPOTENCY_HEADER } from '../runtime/middleware/idempotent-writes.ts';
import { requiredQueryParameter } from '../runtime/query.ts';
import { routeTable } from '../runtime/route-table.ts';
import { parseInput } from '../runtime/validation.ts';
import { feedbackBody } from '../schemas/feedback.ts';

const logger = createLogger('feedback');

/** No write starts later than this before the Lambda's timeout (one DynamoDB call's worst case). */
const WRITE_MARGIN_MS = 1000;
/** middy answers a timeout this long before the Lambda's (its `timeoutEarlyInMillis` default). */
const MIDDY_EARLY_MS = 5;

export function createFeedbackHandler(deps: () => FeedbackDeps | Promise<FeedbackDeps>) {
  const post = httpHandler(
    async (event, context) => {
      // After middy's timeout answer the client retries: no write may start, and a count that
      // lands late is undone, so the retry is the only one counted (docs/architecture.md).
      const end = Date.now() + context.getRemainingTimeInMillis();
      const deadline = end - WRITE_MARGIN_MS;
      const answeredBy = end - MIDDY_EARLY_MS;
      const body = parseInput(feedbackBody, event.jsonBody);
      const keyedId = keyedFeedbackId({
        route: event.routeKey,
        caller: callerOf(event),
        idempotencyKey: event.headers?.[IDEMPOTENCY_HEADER],
        body: event.body,
      });
      const record = await submitFeedback(await deps(), body, configuredEnvironments(), {
        deadline,
        answeredBy,
        ...(keyedId !== undefined ? { keyedId } : {}),
      });
      // Never the comment, tags or (hashed) identities: the EMF line already counts the rating.
      logger.debug('feedback recorded', {
        feedbackId: record.feedbackId,
        promptId: record.promptId,
        version: record.version,
        environment: record.environment,
      });
      return jsonResponse(202, { id: record.feedbackId } satisfies FeedbackAccepted);
    },
    { logger, body: {} },
  );

  const report = httpHandler(
    async (event) => {
      const since = queryParameter(event, 'since');
      const baseline = queryParameter(event, 'baseline');
      const candidate = queryParameter(event, 'candidate');
      const result = await feedbackReport(
        await deps(),
        {
          promptId: pathParameter(event, 'id'),
          environment: requiredQueryParameter(event, 'environment'),
          ...(since !== undefined ? { since } : {}),
          ...(baseline !== undefined ? { baseline } : {}),
          ...(candidate !== undefined ? { candidate } : {}),
        },
        configuredEnvironments(),
      );
      return jsonResponse(200, result);
    },
    { logger },
  );

  const unknownRoute = httpHandler(
    async (event) => {
      throw new NotFoundError(`No route ${event.routeKey}`);
    },
    { logger },
  );

  const routes = routeTable<'feedback', typeof post>('feedback', {
    'POST /feedback': post,
    'GET /prompts/{id}/feedback': report,
  });

  return (event: JsonApiEvent, context: Context): Promise<ApiResult> =>
    (routes.find(event.routeKey) ?? unknownRoute)(event, context);
}

export const handler = createFeedbackHandler(feedbackDeps);
