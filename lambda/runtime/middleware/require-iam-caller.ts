/**
 * Refuses a request that carries no IAM identity with 403 FORBIDDEN before the route runs. Every
 * route of the API uses IAM authorization, so API Gateway never forwards such a request; local
 * mode and a misconfigured route could.
 */
import type { MiddlewareObj, Request } from '@middy/core';
import { type ApiEvent, type ApiResult, callerOf } from '../http.ts';

export function requireIamCaller(): MiddlewareObj<ApiEvent, ApiResult> {
  const requireIamCallerMiddlewareBefore = (request: Request<ApiEvent, ApiResult>): void => {
    callerOf(request.event);
  };
  return { before: requireIamCallerMiddlewareBefore };
}
