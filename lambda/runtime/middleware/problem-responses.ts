/**
 * The one error handler of every route: typed errors become their `application/problem+json`
 * response (CONTRACT.md section 2); AWS throttling becomes 429; anything else is a 500 that names
 * the request id and is logged in full, never shown.
 */

import type { Logger } from '@aws-lambda-powertools/logger';
import type { MiddlewareObj } from '@middy/core';
import { isPromptOpsError, problemType, ThrottledError } from '../../../src/core/errors.ts';
import { type ApiEvent, type ApiResult, problemResponse, requestIdOf } from '../http.ts';

const THROTTLING = new Set([
  'ThrottlingException',
  'ProvisionedThroughputExceededException',
  'RequestLimitExceeded',
  'TooManyRequestsException',
  'SlowDown',
]);

export interface ProblemResponsesOptions {
  readonly logger: Logger;
}

export function problemResponses({ logger }: ProblemResponsesOptions): MiddlewareObj<ApiEvent, ApiResult> {
  return {
    name: 'problemResponses',
    onError(request) {
      const error = request.error;
      const requestId = requestIdOf(request.event);
      if (isPromptOpsError(error)) {
        // Code and status only: details can name principals or echo input.
        logger.info('request rejected', { status: error.status, code: error.code });
        request.response = problemResponse(error.toProblem());
        return;
      }
      if (error instanceof Error && THROTTLING.has(error.name)) {
        logger.warn('throttled by a downstream service', { error });
        const throttled = new ThrottledError('The service is busy: retry with exponential backoff', {
          cause: error,
        });
        request.response = problemResponse(throttled.toProblem(), { 'retry-after': '1' });
        return;
      }
      logger.error('unhandled error', { error });
      request.response = problemResponse({
        type: problemType('INTERNAL'),
        title: 'Internal error',
        status: 500,
        detail: `An internal error occurred. Quote request id ${requestId} to your operators.`,
        code: 'INTERNAL',
        requestId,
      });
    },
  };
}
