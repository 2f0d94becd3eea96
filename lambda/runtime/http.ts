/** The HTTP shapes of API Gateway HTTP APIs (payload format 2.0, IAM authorization). */
import type { APIGatewayProxyEventV2WithIAMAuthorizer, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import type { ProblemDetails } from '../../src/core/api.ts';
import { ForbiddenError, ValidationError } from '../../src/core/errors.ts';

export type ApiEvent = APIGatewayProxyEventV2WithIAMAuthorizer;
export type ApiResult = APIGatewayProxyStructuredResultV2;

/** An event whose JSON body the `jsonBody` middleware has parsed. */
export type JsonApiEvent = ApiEvent & { jsonBody?: unknown };

const NO_STORE = { 'cache-control': 'no-store' };

export function jsonResponse(statusCode: number, body: unknown): ApiResult {
  return {
    statusCode,
    headers: { 'content-type': 'application/json', ...NO_STORE },
    body: JSON.stringify(body),
  };
}

export function problemResponse(problem: ProblemDetails, headers: Record<string, string> = {}): ApiResult {
  return {
    statusCode: problem.status,
    headers: { 'content-type': 'application/problem+json', ...NO_STORE, ...headers },
    body: JSON.stringify(problem),
  };
}

/** The IAM principal that signed the request; the `requireIamCaller` middleware has checked there is one. */
export function callerOf(event: ApiEvent): string {
  const arn = event.requestContext?.authorizer?.iam?.userArn;
  if (typeof arn !== 'string' || arn === '') {
    throw new ForbiddenError(
      'The request carries no IAM identity: sign it with SigV4 (the API uses IAM authorization)',
    );
  }
  return arn;
}

export function requestIdOf(event: ApiEvent): string {
  return event.requestContext?.requestId ?? 'unknown';
}

export function pathParameter(event: ApiEvent, name: string): string {
  const value = event.pathParameters?.[name];
  if (value === undefined)
    throw new ValidationError(`Missing path parameter ${name}`, [{ path: name, message: 'required' }]);
  return value;
}

export function queryParameter(event: ApiEvent, name: string): string | undefined {
  return event.queryStringParameters?.[name];
}
