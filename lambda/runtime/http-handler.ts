/**
 * The middy stack shared by every API route: Lambda context in the logs, one error handler for
 * every route, (for routes with a body) the JSON body reader, then the IAM caller check, then (for
 * the write routes, those with a body) the Idempotency-Key check (docs/architecture.md).
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import type { ApiResult, JsonApiEvent } from './http.ts';
import { idempotentWrites } from './middleware/idempotent-writes.ts';
import { type JsonBodyOptions, jsonBody } from './middleware/json-body.ts';
import { problemResponses } from './middleware/problem-responses.ts';
import { requireIamCaller } from './middleware/require-iam-caller.ts';

export type RouteHandler = (event: JsonApiEvent, context: Context) => Promise<ApiResult>;

export interface HttpHandlerOptions {
  readonly logger: Logger;
  /** Parse a JSON body with these options; routes without a body leave it out. */
  readonly body?: JsonBodyOptions;
}

export function httpHandler(route: RouteHandler, options: HttpHandlerOptions) {
  const handler = middy<JsonApiEvent, ApiResult>()
    .use(injectLambdaContext(options.logger, { resetKeys: true }))
    .use(problemResponses({ logger: options.logger }));
  // The body is read first, so a malformed request is refused as such (413, 415, 400) before 403.
  if (options.body) handler.use(jsonBody(options.body));
  handler.use(requireIamCaller());
  if (options.body) handler.use(idempotentWrites());
  return handler.handler(route);
}
