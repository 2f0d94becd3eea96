/**
 * The one error handler of every route: typed errors become their `application/problem+json`
 * response (docs/api.md, "Errors"); AWS throttling becomes 429; anything else is a 500 that names
 * the request id and is logged in full, never shown. A response already set by an earlier error
 * handler is left as it is.
 */

import type { Logger } from '@aws-lambda-powertools/logger';
import type { MiddlewareObj, Request } from '@middy/core';
import { ERROR_STATUS } from '../../../src/core/api.ts';
import { isPromptOpsError, ThrottledError } from '../../../src/core/errors.ts';
import { type ApiEvent, type ApiResult, problemResponse, requestIdOf } from '../http.ts';
import { internalProblem, problemDetails } from '../problem-details.ts';

/** Error names AWS SDK clients use for throttling. */
const AWS_THROTTLING_ERRORS: readonly string[] = [
  'ThrottlingException',
  'ProvisionedThroughputExceededException',
  'RequestLimitExceeded',
  'TooManyRequestsException',
  'SlowDown',
];

export interface ProblemResponsesOptions {
  readonly logger: Logger;
  /** Errors by these names become 429 THROTTLED with `retry-after`. @default AWS_THROTTLING_ERRORS */
  readonly throttlingErrors?: readonly string[];
  /** Seconds of the `retry-after` header of a 429. @default 1 */
  readonly retryAfterSeconds?: number;
}

const DEFAULTS = { throttlingErrors: AWS_THROTTLING_ERRORS, retryAfterSeconds: 1 };

export function problemResponses(options: ProblemResponsesOptions): MiddlewareObj<ApiEvent, ApiResult> {
  const { logger, throttlingErrors, retryAfterSeconds } = { ...DEFAULTS, ...options };
  const throttling = new Set(throttlingErrors);

  const problemResponsesMiddlewareOnError = (request: Request<ApiEvent, ApiResult>): void => {
    if (request.response !== undefined) return;
    const error = request.error;
    if (isPromptOpsError(error)) {
      // Code and status only: details can name principals or echo input.
      logger.info('request rejected', { status: ERROR_STATUS[error.code], code: error.code });
      request.response = problemResponse(problemDetails(error));
      return;
    }
    if (error instanceof Error && throttling.has(error.name)) {
      logger.warn('throttled by a downstream service', { error });
      const throttled = new ThrottledError('The service is busy: retry with exponential backoff', {
        cause: error,
      });
      request.response = problemResponse(problemDetails(throttled), {
        'retry-after': String(retryAfterSeconds),
      });
      return;
    }
    logger.error('unhandled error', { error });
    request.response = problemResponse(internalProblem(requestIdOf(request.event)));
  };

  return { onError: problemResponsesMiddlewareOnError };
}
