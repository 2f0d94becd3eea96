import { afterEach, describe, expect, it } from 'vitest';
import { ApiClient } from '../../../src/cli/api-client.ts';
import { ApiError, CliError } from '../../../src/cli/errors.ts';
import { signRequest } from '../../../src/cli/signer.ts';
import { expectedSignature, verifyRequest } from './sigv4-verifier.ts';
import { type FakeApi, fakeApi, problem } from './support.ts';

const CREDENTIALS = {
  accessKeyId: 'AKIDEXAMPLE',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
};

let server: FakeApi | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('Function: signRequest', () => {
  it('the test verifier reproduces the AWS SigV4 test suite (get-vanilla)', () => {
    expect(
      expectedSignature({
        method: 'GET',
        path: '/',
        query: new URLSearchParams(),
        headers: { host: 'example.amazonaws.com', 'x-amz-date': '20150830T123600Z' },
        signedHeaders: ['host', 'x-amz-date'],
        body: '',
        amzDate: '20150830T123600Z',
        region: 'us-east-1',
        service: 'service',
        ...CREDENTIALS,
      }),
    ).toBe('5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31');
  });

  it('signs method, path, query, headers and body for execute-api, with the session token', async () => {
    const url = new URL(
      'https://abc.execute-api.eu-west-1.amazonaws.com/prompts/a1/feedback?since=2026-11-01&environment=prod',
    );
    const body = '{"x":1}';
    const headers = await signRequest(
      { method: 'POST', url, headers: { 'content-type': 'application/json' }, body },
      {
        region: 'eu-west-1',
        credentials: { ...CREDENTIALS, sessionToken: 'TOKEN' },
        signingDate: new Date('2026-11-22T10:00:00Z'),
      },
    );
    expect(headers['x-amz-security-token']).toBe('TOKEN');
    expect(headers.host).toBeUndefined();
    const request = {
      method: 'POST',
      url: `${url.pathname}${url.search}`,
      headers: { ...headers, host: url.host },
      body,
    };
    expect(
      verifyRequest(request, { region: 'eu-west-1', service: 'execute-api', ...CREDENTIALS }),
    ).toBeUndefined();
    expect(
      verifyRequest(
        { ...request, body: '{"x":2}' },
        { region: 'eu-west-1', service: 'execute-api', ...CREDENTIALS },
      ),
    ).toBe('signature mismatch');
  });
});

describe('Class: ApiClient', () => {
  it('sends x-promptops-user to local mode and no signature', async () => {
    server = await fakeApi(() => ({ status: 200, body: { ok: true } }));
    const api = new ApiClient({ endpoint: `${server.url}/`, auth: { kind: 'local', user: 'local:bob' } });
    expect(await api.get('/prompts', { limit: '5', cursor: undefined })).toEqual({ ok: true });
    expect(server.requests[0]?.url).toBe('/prompts?limit=5');
    expect(server.requests[0]?.headers['x-promptops-user']).toBe('local:bob');
    expect(server.requests[0]?.headers.authorization).toBeUndefined();
  });

  it('signs AWS requests so that the signature verifies on the wire', async () => {
    server = await fakeApi(() => ({ status: 202, body: { id: 'f1' } }));
    const api = new ApiClient({
      endpoint: server.url,
      auth: { kind: 'sigv4', sign: { region: 'eu-west-1', credentials: CREDENTIALS } },
    });
    expect(await api.post('/feedback', { rating: 1 })).toEqual({ status: 202, body: { id: 'f1' } });
    const received = server.requests[0] as NonNullable<(typeof server.requests)[0]>;
    expect(received.headers['x-promptops-user']).toBeUndefined();
    expect(
      verifyRequest(received, { region: 'eu-west-1', service: 'execute-api', ...CREDENTIALS }),
    ).toBeUndefined();
  });

  it('turns a problem answer into ApiError with code, detail and field errors', async () => {
    server = await fakeApi(() =>
      problem(400, 'VALIDATION_FAILED', 'Invalid pins', { errors: [{ path: 'prompts.a1', message: 'bad' }] }),
    );
    const api = new ApiClient({ endpoint: server.url, auth: { kind: 'local' } });
    const error = (await api.post('/environments/dev/deployments', {}).catch((e: unknown) => e)) as ApiError;
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({
      code: 'VALIDATION_FAILED',
      status: 400,
      message: 'Invalid pins',
      method: 'POST',
    });
    expect(error.problem.errors).toEqual([{ path: 'prompts.a1', message: 'bad' }]);
  });

  it("reads API Gateway's own refusals and error pages", async () => {
    const replies = [
      { status: 403, body: { message: 'Missing Authentication Token' } },
      { status: 502, text: '<html>Bad gateway</html>' },
    ];
    server = await fakeApi(() => replies.shift() ?? { status: 500 });
    const api = new ApiClient({ endpoint: server.url, auth: { kind: 'local' } });
    await expect(api.get('/prompts')).rejects.toMatchObject({
      status: 403,
      message: 'Missing Authentication Token',
    });
    await expect(api.get('/prompts')).rejects.toMatchObject({
      status: 502,
      message: 'HTTP 502 Bad Gateway: <html>Bad gateway</html>',
    });
  });

  it('retries a throttled request after retry-after, then gives up', async () => {
    let calls = 0;
    server = await fakeApi(() =>
      ++calls < 3
        ? { ...problem(429, 'THROTTLED', 'busy'), headers: { 'retry-after': '0.01' } }
        : { status: 200, body: [] },
    );
    const api = new ApiClient({ endpoint: server.url, auth: { kind: 'local' } });
    expect(await api.get('/prompts')).toEqual([]);
    expect(calls).toBe(3);
    const stubborn = new ApiClient({ endpoint: server.url, auth: { kind: 'local' }, attempts: 1 });
    calls = 0;
    await expect(stubborn.get('/prompts')).rejects.toMatchObject({ code: 'THROTTLED' });
  });

  it('follows nextCursor through every page', async () => {
    server = await fakeApi((r) =>
      r.url.includes('cursor=c2')
        ? { status: 200, body: { items: [3] } }
        : { status: 200, body: { items: [1, 2], nextCursor: 'c2' } },
    );
    const api = new ApiClient({ endpoint: server.url, auth: { kind: 'local' } });
    expect(await api.getAll('/prompts/a1/versions')).toEqual([1, 2, 3]);
    expect(server.requests.map((r) => r.url)).toEqual([
      '/prompts/a1/versions?limit=100',
      '/prompts/a1/versions?limit=100&cursor=c2',
    ]);
  });

  it('says what to do when the API cannot be reached', async () => {
    server = await fakeApi(() => ({ status: 200 }));
    const url = server.url;
    await server.close();
    server = undefined;
    const error = (await new ApiClient({ endpoint: url, auth: { kind: 'local' } })
      .get('/prompts')
      .catch((e: unknown) => e)) as CliError;
    expect(error).toBeInstanceOf(CliError);
    expect(error.message).toMatch(new RegExp(`^Could not reach the PromptOps API at ${url}: ECONNREFUSED`));
    expect(error.details).toEqual(['Is local mode running? Start it with `promptops dev` (or `npm start`).']);
  });
});
