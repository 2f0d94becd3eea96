import { Logger } from '@aws-lambda-powertools/logger';
import middy from '@middy/core';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ApiResult, JsonApiEvent } from '../../../lambda/runtime/http.ts';
import { httpHandler } from '../../../lambda/runtime/http-handler.ts';
import { jsonBody } from '../../../lambda/runtime/middleware/json-body.ts';
import { problemResponses } from '../../../lambda/runtime/middleware/problem-responses.ts';
import { requireIamCaller } from '../../../lambda/runtime/middleware/require-iam-caller.ts';
import { NotFoundError } from '../../../src/core/errors.ts';
import { apiGatewayEvent } from '../../../src/local/api-event.ts';
import { ALICE, lambdaContext } from '../../fixtures/api.ts';

const logger = new Logger({ serviceName: 'promptops-test', logLevel: 'SILENT' });

function event(options: { caller?: string; body?: string; headers?: Record<string, string> } = {}) {
  return apiGatewayEvent({
    method: 'POST',
    path: '/metrics',
    routeKey: 'POST /metrics',
    caller: options.caller ?? ALICE,
    ...(options.body !== undefined ? { body: options.body } : {}),
    ...(options.headers ? { headers: options.headers } : {}),
  }) as JsonApiEvent;
}

function parse(result: ApiResult) {
  return { status: result.statusCode, headers: result.headers, body: JSON.parse(result.body ?? 'null') };
}

afterEach(() => vi.restoreAllMocks());

describe('middlewares are factories of named functions', () => {
  it.each([
    ['jsonBody', jsonBody(), 'before', 'jsonBodyMiddlewareBefore'],
    ['problemResponses', problemResponses({ logger }), 'onError', 'problemResponsesMiddlewareOnError'],
    ['requireIamCaller', requireIamCaller(), 'before', 'requireIamCallerMiddlewareBefore'],
  ] as const)('%s', (_label, middleware, phase, name) => {
    expect((middleware as Record<string, { name: string }>)[phase]?.name).toBe(name);
  });
});

describe('Middleware: problemResponses', () => {
  it('leaves a response an earlier error handler set, logging nothing', async () => {
    const info = vi.spyOn(logger, 'info');
    const error = vi.spyOn(logger, 'error');
    const earlier: ApiResult = { statusCode: 418, body: 'already answered' };
    const handler = middy<JsonApiEvent, ApiResult>()
      .use(problemResponses({ logger }))
      // onError runs in reverse order of use: this one answers first.
      .use({
        onError: (request) => {
          request.response = earlier;
        },
      })
      .handler(async () => {
        throw new NotFoundError('nope');
      });
    expect(await handler(event(), lambdaContext())).toBe(earlier);
    expect(info).not.toHaveBeenCalled();
    expect(error).not.toHaveBeenCalled();
  });

  it('renders a typed error as its problem', async () => {
    const handler = middy<JsonApiEvent, ApiResult>()
      .use(problemResponses({ logger }))
      .handler(async () => {
        throw new NotFoundError('Prompt x does not exist');
      });
    const response = parse(await handler(event(), lambdaContext()));
    expect(response.status).toBe(404);
    expect(response.headers?.['content-type']).toBe('application/problem+json');
    expect(response.body).toMatchObject({ code: 'NOT_FOUND', detail: 'Prompt x does not exist' });
  });

  it('merges its options with the defaults', async () => {
    const throttled = Object.assign(new Error('slow down'), { name: 'BusyBusy' });
    const handler = middy<JsonApiEvent, ApiResult>()
      .use(problemResponses({ logger, throttlingErrors: ['BusyBusy'], retryAfterSeconds: 3 }))
      .handler(async () => {
        throw throttled;
      });
    const response = parse(await handler(event(), lambdaContext()));
    expect(response.status).toBe(429);
    expect(response.headers?.['retry-after']).toBe('3');

    const defaults = middy<JsonApiEvent, ApiResult>()
      .use(problemResponses({ logger }))
      .handler(async () => {
        throw Object.assign(new Error('slow down'), { name: 'ThrottlingException' });
      });
    const byDefault = parse(await defaults(event(), lambdaContext()));
    expect(byDefault.status).toBe(429);
    expect(byDefault.headers?.['retry-after']).toBe('1');
  });
});

describe('Middleware: requireIamCaller', () => {
  it('is 403 FORBIDDEN without an IAM identity, and the route is not called', async () => {
    const route = vi.fn(async () => ({ statusCode: 200, body: '{}' }));
    const handler = httpHandler(route, { logger });
    const response = parse(await handler(event({ caller: '' }), lambdaContext()));
    expect(response.status).toBe(403);
    expect(response.headers?.['content-type']).toBe('application/problem+json');
    expect(response.body).toMatchObject({ status: 403, code: 'FORBIDDEN' });
    expect(response.body.detail).toContain('no IAM identity');
    expect(route).not.toHaveBeenCalled();
  });

  it('lets a signed request through to the route', async () => {
    const route = vi.fn(async () => ({ statusCode: 204 }));
    const handler = httpHandler(route, { logger });
    expect((await handler(event(), lambdaContext())).statusCode).toBe(204);
    expect(route).toHaveBeenCalledTimes(1);
  });

  it('runs after the body is read, so a malformed body is refused as such', async () => {
    const route = vi.fn(async () => ({ statusCode: 200 }));
    const handler = httpHandler(route, { logger, body: {} });
    const response = parse(
      await handler(
        event({ caller: '', body: 'x', headers: { 'content-type': 'text/plain' } }),
        lambdaContext(),
      ),
    );
    expect(response.status).toBe(415);
    expect(route).not.toHaveBeenCalled();
  });
});

describe('Middleware: jsonBody', () => {
  it('requires a body and limits it to LIMITS.maxRequestBytes by default', async () => {
    const route = vi.fn(async () => ({ statusCode: 200 }));
    const handler = httpHandler(route, { logger, body: {} });
    expect(parse(await handler(event(), lambdaContext())).body.code).toBe('BAD_REQUEST');
    const big = JSON.stringify({ text: 'a'.repeat(300 * 1024) });
    const tooBig = parse(
      await handler(event({ body: big, headers: { 'content-type': 'application/json' } }), lambdaContext()),
    );
    expect(tooBig.status).toBe(413);
    expect(route).not.toHaveBeenCalled();
  });

  it('takes its options over the defaults', async () => {
    const seen: unknown[] = [];
    const handler = httpHandler(
      async (e) => {
        seen.push(e.jsonBody);
        return { statusCode: 200 };
      },
      { logger, body: { required: false, maxBytes: 10 } },
    );
    expect((await handler(event(), lambdaContext())).statusCode).toBe(200);
    expect(seen).toEqual([{}]);
    const response = parse(
      await handler(
        event({ body: '{"a":"0123456789"}', headers: { 'content-type': 'application/json' } }),
        lambdaContext(),
      ),
    );
    expect(response.status).toBe(413);
  });
});
