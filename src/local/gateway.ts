/**
 * The local API gateway: an HTTP server that turns each request into the API Gateway HTTP API
 * (payload format 2.0) event AWS would deliver, calls the same handler in-process, and writes its
 * response back. The caller is the `x-promptops-user` header (default `local:developer`), standing in
 * for the IAM principal.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type {
  APIGatewayProxyEventV2WithIAMAuthorizer,
  APIGatewayProxyStructuredResultV2,
  Context,
} from 'aws-lambda';
import { problemDetails } from '../../lambda/runtime/problem-details.ts';
import { LIMITS } from '../core/contracts.ts';
import { NotFoundError, PayloadTooLargeError, PromptOpsError } from '../core/errors.ts';
import { type HandlerName, matchRoute } from '../core/routes.ts';
import { apiGatewayEvent } from './api-event.ts';
import type { ServeConsole } from './console-assets.ts';

export type LocalHandler = (
  event: APIGatewayProxyEventV2WithIAMAuthorizer,
  context: Context,
) => Promise<APIGatewayProxyStructuredResultV2>;

export const DEFAULT_LOCAL_USER = 'local:developer';
export const USER_HEADER = 'x-promptops-user';

/** API Gateway refuses bodies over 10 MB itself; the handlers answer 413 above their own limit. */
const GATEWAY_MAX_BODY = 10 * 1024 * 1024;

/** A route that exists only in local mode (under /_local/), answered by local mode itself. */
export type LocalRoute = (request: {
  method: string;
  query: Record<string, string>;
  body: string;
}) => Promise<{
  status: number;
  body: unknown;
}>;

export interface GatewayOptions {
  readonly port: number;
  readonly handlers: Readonly<Record<HandlerName, LocalHandler>>;
  /** Local-only routes by exact path, such as `/_local/emf`. */
  readonly localRoutes?: Readonly<Record<string, LocalRoute>>;
  /** Serves the web console under /console (docs/console.md); other paths go on to the API. */
  readonly serveConsole?: ServeConsole;
  /** Called with each request's outcome, for the console. */
  readonly onRequest?: (line: {
    method: string;
    path: string;
    status: number;
    ms: number;
    user: string;
  }) => void;
}

export interface RunningGateway {
  readonly url: string;
  close(): Promise<void>;
}

let invocation = 0;

/**
 * The stack's function timeouts (lib/private/promptops-handlers.ts: deploy 29 s, the others the
 * 10 s default). A handler's remaining time counts down from its invocation as on Lambda; the
 * Idempotency-Key check keeps a request's key in use for exactly that long, so a key whose request
 * died with local mode is free again as soon as it would be on AWS.
 */
const TIMEOUT_MS: Readonly<Partial<Record<HandlerName, number>>> = { deploy: 29_000 };
const DEFAULT_TIMEOUT_MS = 10_000;

function lambdaContext(name: HandlerName): Context {
  invocation++;
  const deadline = Date.now() + (TIMEOUT_MS[name] ?? DEFAULT_TIMEOUT_MS);
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName: `promptops-local-${name}`,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:local:000000000000:function:promptops-local-${name}`,
    memoryLimitInMB: '1024',
    awsRequestId: `local-${Date.now().toString(36)}-${invocation}`,
    logGroupName: `/aws/lambda/promptops-local-${name}`,
    logStreamName: 'local',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

/** Answers as API Gateway would for what it refuses itself, with the handlers' problem body. */
function problem(res: ServerResponse, error: PromptOpsError): number {
  const body = problemDetails(error);
  res.writeHead(body.status, { 'content-type': 'application/problem+json' });
  res.end(JSON.stringify(body));
  return body.status;
}

async function readBody(req: IncomingMessage): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > GATEWAY_MAX_BODY) return undefined;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

export async function startGateway(options: GatewayOptions): Promise<RunningGateway> {
  const server: Server = createServer(async (req, res) => {
    const started = performance.now();
    const url = new URL(req.url ?? '/', 'http://localhost');
    const method = req.method ?? 'GET';
    const user = (req.headers[USER_HEADER] as string | undefined)?.trim() || DEFAULT_LOCAL_USER;
    const finish = (status: number) =>
      options.onRequest?.({
        method,
        path: url.pathname,
        status,
        ms: Math.round(performance.now() - started),
        user,
      });
    try {
      if (options.serveConsole && (await options.serveConsole(method, url.pathname, res))) {
        finish(res.statusCode);
        return;
      }
      const local = options.localRoutes?.[url.pathname];
      if (local) {
        const body = (await readBody(req)) ?? Buffer.alloc(0);
        const answer = await local({
          method,
          query: Object.fromEntries(url.searchParams),
          body: body.toString('utf8'),
        });
        res.writeHead(answer.status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(answer.body));
        finish(answer.status);
        return;
      }
      const match = matchRoute(method, url.pathname);
      if (!match) {
        finish(problem(res, new NotFoundError(`No route ${method} ${url.pathname}`)));
        return;
      }
      const body = await readBody(req);
      if (body === undefined) {
        finish(problem(res, new PayloadTooLargeError(`The request body is over ${GATEWAY_MAX_BODY} bytes`)));
        return;
      }
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(req.headers)) {
        if (typeof value === 'string') headers[name] = value;
        else if (Array.isArray(value)) headers[name] = value.join(',');
      }
      const query = Object.fromEntries(url.searchParams);
      const text = body.toString('utf8');
      const isText = body.length === 0 || Buffer.from(text, 'utf8').equals(body);
      const event = apiGatewayEvent({
        method,
        path: url.pathname,
        routeKey: match.routeKey,
        pathParameters: match.pathParameters,
        query,
        headers,
        ...(body.length > 0 ? { body: isText ? text : body.toString('base64') } : {}),
        caller: user,
        ...(req.socket.remoteAddress ? { sourceIp: req.socket.remoteAddress } : {}),
      });
      if (!isText) (event as { isBase64Encoded: boolean }).isBase64Encoded = true;
      const result = await options.handlers[match.route.handler](event, lambdaContext(match.route.handler));
      const status = result.statusCode ?? 200;
      res.writeHead(status, (result.headers ?? {}) as Record<string, string>);
      res.end(result.isBase64Encoded ? Buffer.from(result.body ?? '', 'base64') : (result.body ?? ''));
      finish(status);
    } catch (error) {
      // Handlers answer their own errors; reaching here is a bug in local mode itself.
      console.error('local gateway:', error);
      if (!res.headersSent)
        problem(res, new PromptOpsError('INTERNAL', 'Local mode failed to run the handler; see its console'));
      else res.end();
      finish(500);
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

/** Request body limit the handlers enforce (for messages). */
export const HANDLER_MAX_BODY = LIMITS.maxRequestBytes;
