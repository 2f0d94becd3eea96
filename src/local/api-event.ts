/**
 * Builds API Gateway HTTP API (payload format 2.0) events with IAM authorization, as AWS delivers
 * them to the handlers. Used by the local gateway and the tests.
 */
import { randomUUID } from 'node:crypto';
import type { APIGatewayProxyEventV2WithIAMAuthorizer } from 'aws-lambda';

export interface ApiRequest {
  readonly method: string;
  /** Raw path without the query string. */
  readonly path: string;
  readonly routeKey: string;
  readonly pathParameters?: Record<string, string>;
  readonly query?: Record<string, string>;
  /** Header names are lower-cased, as HTTP APIs deliver them. */
  readonly headers?: Record<string, string>;
  readonly body?: string;
  /** The IAM principal's ARN. */
  readonly caller?: string;
  readonly requestId?: string;
  readonly sourceIp?: string;
}

export function apiGatewayEvent(request: ApiRequest): APIGatewayProxyEventV2WithIAMAuthorizer {
  const now = new Date();
  const headers = Object.fromEntries(
    Object.entries(request.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v]),
  );
  const query = request.query && Object.keys(request.query).length > 0 ? request.query : undefined;
  const requestId = request.requestId ?? randomUUID();
  const caller = request.caller ?? '';
  return {
    version: '2.0',
    routeKey: request.routeKey,
    rawPath: request.path,
    rawQueryString: query ? new URLSearchParams(query).toString() : '',
    headers,
    ...(query ? { queryStringParameters: query } : {}),
    ...(request.pathParameters && Object.keys(request.pathParameters).length > 0
      ? { pathParameters: request.pathParameters }
      : {}),
    ...(request.body !== undefined ? { body: request.body } : {}),
    isBase64Encoded: false,
    requestContext: {
      accountId: '000000000000',
      apiId: 'local',
      domainName: headers.host ?? 'localhost',
      domainPrefix: 'localhost',
      http: {
        method: request.method,
        path: request.path,
        protocol: 'HTTP/1.1',
        sourceIp: request.sourceIp ?? '127.0.0.1',
        userAgent: headers['user-agent'] ?? '',
      },
      requestId,
      routeKey: request.routeKey,
      stage: '$default',
      time: now.toUTCString(),
      timeEpoch: now.getTime(),
      authorizer: {
        iam: {
          accessKey: 'LOCAL',
          accountId: '000000000000',
          callerId: caller,
          cognitoIdentity: null,
          principalOrgId: null,
          userArn: caller,
          userId: caller,
        },
      },
    },
  } as unknown as APIGatewayProxyEventV2WithIAMAuthorizer;
}
