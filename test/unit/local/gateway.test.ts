import { afterEach, describe, expect, it, vi } from 'vitest';
import type { HandlerName } from '../../../src/core/routes.ts';
import {
  DEFAULT_LOCAL_USER,
  type LocalHandler,
  type RunningGateway,
  startGateway,
} from '../../../src/local/gateway.ts';

let gateway: RunningGateway | undefined;
afterEach(async () => {
  await gateway?.close();
  gateway = undefined;
});

/** A handler that answers with what it was given, as API Gateway would have passed it. */
const echo: LocalHandler = async (event) => ({
  statusCode: 200,
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({
    routeKey: event.routeKey,
    caller: event.requestContext.authorizer.iam.userArn,
    pathParameters: event.pathParameters,
    query: event.queryStringParameters,
    body: event.body,
    contentType: event.headers['content-type'],
  }),
});

async function start(localRoutes = {}) {
  const handlers = Object.fromEntries(
    (['publish', 'review', 'query', 'deploy', 'feedback', 'metrics'] as HandlerName[]).map((name) => [
      name,
      echo,
    ]),
  ) as Record<HandlerName, LocalHandler>;
  gateway = await startGateway({ port: 0, handlers, localRoutes });
  return gateway.url;
}

describe('Function: startGateway', () => {
  it('turns a request into the API Gateway event of its route, the caller from x-promptops-user', async () => {
    const url = await start();
    const response = await fetch(`${url}/prompts/support-reply/versions?limit=5`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-promptops-user': 'local:alice' },
      body: '{"document":"x"}',
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      routeKey: 'POST /prompts/{id}/versions',
      caller: 'local:alice',
      pathParameters: { id: 'support-reply' },
      query: { limit: '5' },
      body: '{"document":"x"}',
      contentType: 'application/json',
    });
  });

  it('acts as local:developer without the header', async () => {
    const url = await start();
    const body = (await (await fetch(`${url}/prompts`)).json()) as { caller: string };
    expect(body.caller).toBe(DEFAULT_LOCAL_USER);
  });

  it('answers an unknown route with a 404 problem', async () => {
    const url = await start();
    const response = await fetch(`${url}/nope`);
    expect(response.status).toBe(404);
    expect(response.headers.get('content-type')).toBe('application/problem+json');
    expect(await response.json()).toMatchObject({ code: 'NOT_FOUND', status: 404 });
  });

  it('renders its own refusals as the handlers do', async () => {
    const url = await start();
    expect(await (await fetch(`${url}/nope`)).json()).toEqual({
      type: 'urn:promptops:problem:not-found',
      title: 'Not found',
      status: 404,
      detail: 'No route GET /nope',
      code: 'NOT_FOUND',
    });
  });

  it('answers a handler that throws with a 500 problem', async () => {
    const failing: LocalHandler = async () => {
      throw new Error('boom');
    };
    const handlers = Object.fromEntries(
      (['publish', 'review', 'query', 'deploy', 'feedback', 'metrics'] as HandlerName[]).map((name) => [
        name,
        failing,
      ]),
    ) as Record<HandlerName, LocalHandler>;
    const errors = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    gateway = await startGateway({ port: 0, handlers });
    const response = await fetch(`${gateway.url}/prompts`);
    errors.mockRestore();
    expect(response.status).toBe(500);
    expect(await response.json()).toEqual({
      type: 'urn:promptops:problem:internal',
      title: 'Internal error',
      status: 500,
      detail: 'Local mode failed to run the handler; see its console',
      code: 'INTERNAL',
    });
  });

  it('serves local-only routes', async () => {
    const url = await start({
      '/_local/ping': async ({ method, body }: { method: string; body: string }) => ({
        status: 200,
        body: { method, body },
      }),
    });
    const response = await fetch(`${url}/_local/ping`, { method: 'POST', body: 'hello' });
    expect(await response.json()).toEqual({ method: 'POST', body: 'hello' });
  });
});
