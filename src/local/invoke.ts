/** Calls a PromptOps handler in-process as the local gateway does, for seeding and the CLI's own use. */
import { matchRoute } from '../core/routes.ts';
import { apiGatewayEvent } from './api-event.ts';
import type { LocalHandler } from './gateway.ts';

export interface InvokeResult {
  readonly status: number;
  // biome-ignore lint/suspicious/noExplicitAny: response bodies are arbitrary JSON
  readonly body: any;
}

let count = 0;

export async function invokeRoute(
  handlers: Readonly<Record<string, LocalHandler>>,
  request: { method: string; path: string; body?: unknown; caller: string; query?: Record<string, string> },
): Promise<InvokeResult> {
  const match = matchRoute(request.method, request.path);
  if (!match) throw new Error(`No route ${request.method} ${request.path}`);
  const handler = handlers[match.route.handler];
  if (!handler) throw new Error(`No handler ${match.route.handler}`);
  const event = apiGatewayEvent({
    method: request.method,
    path: request.path,
    routeKey: match.routeKey,
    pathParameters: match.pathParameters,
    ...(request.query ? { query: request.query } : {}),
    headers: request.body === undefined ? {} : { 'content-type': 'application/json' },
    ...(request.body === undefined ? {} : { body: JSON.stringify(request.body) }),
    caller: request.caller,
  });
  count++;
  const result = await handler(event, {
    callbackWaitsForEmptyEventLoop: false,
    functionName: `promptops-local-${match.route.handler}`,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:local:000000000000:function:promptops-local-${match.route.handler}`,
    memoryLimitInMB: '1024',
    awsRequestId: `local-seed-${count}`,
    logGroupName: 'local',
    logStreamName: 'local',
    getRemainingTimeInMillis: () => 30_000,
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  });
  return { status: result.statusCode ?? 200, body: result.body ? JSON.parse(result.body) : undefined };
}
