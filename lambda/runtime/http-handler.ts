/**
 * The middy stack shared by every API route: Lambda context in the logs, one error handler for
 * every route, and (for routes with a body) the JSON body reader.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import type { ApiResult, JsonApiEvent } from './http.ts';
import { type JsonBodyOptions, jsonBody } from './middleware/json-body.ts';
import { problemResponses } from './middleware/problem-responses.ts';

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
  if (options.body) handler.use(jsonBody(options.body));
  return handler.handler(route);
}
