import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createOpenAiProvider, createProvider } from '../../../../lambda/evaluation/providers/index.ts';
import { ProviderError, ProviderThrottledError } from '../../../../src/core/eval/errors.ts';
import { runSuite } from '../../../../src/core/eval/runner.ts';
import { parseEvalSuite } from '../../../../src/core/eval/suite.ts';
import { PROMPT } from '../../core/eval/fixtures.ts';

interface Received {
  readonly method?: string;
  readonly url?: string;
  readonly headers: IncomingMessage['headers'];
  readonly body: unknown;
}

/** What the server answers next, per request; the last one repeats. */
type Reply = (res: ServerResponse) => void;
let replies: Reply[] = [];
let received: Received[] = [];
let server: Server;
let baseUrl: string;

const json =
  (status: number, body: unknown, headers: Record<string, string> = {}): Reply =>
  (res) => {
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(JSON.stringify(body));
  };
const completion = (content: string) =>
  json(200, {
    id: 'chatcmpl-1',
    object: 'chat.completion',
    choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }],
    usage: { prompt_tokens: 1000, completion_tokens: 500, total_tokens: 1500 },
  });

const KEY = 'sk-test-secret-123';
const ENV = { EVAL_OPENAI_KEY: KEY };
const signal = () => new AbortController().signal;
const request = { system: 'Be brief.', messages: [{ role: 'user' as const, content: 'Hi' }], settings: {} };

beforeAll(async () => {
  server = createServer((req, res) => {
    let data = '';
    req.on('data', (chunk) => {
      data += chunk;
    });
    req.on('end', () => {
      received.push({
        method: req.method,
        url: req.url,
        headers: req.headers,
        body: data ? JSON.parse(data) : undefined,
      });
      const reply = replies.length > 1 ? replies.shift() : replies[0];
      reply?.(res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

beforeEach(() => {
  replies = [completion('Hello')];
  received = [];
});

describe('openai provider', () => {
  const provider = (apiKeyEnv: string | undefined = 'EVAL_OPENAI_KEY') =>
    createOpenAiProvider({
      model: 'gpt-4o-mini',
      baseUrl: `${baseUrl}/`,
      ...(apiKeyEnv ? { apiKeyEnv } : {}),
      env: ENV,
    });

  it('posts the chat-completions wire format with the bearer key, and reads output and usage', async () => {
    const response = await provider().invoke(
      { ...request, settings: { temperature: 0.1, maxTokens: 64, topP: 0.5, stopSequences: ['END'] } },
      { signal: signal() },
    );
    expect(response).toEqual({ output: 'Hello', inputTokens: 1000, outputTokens: 500 });
    expect(received).toHaveLength(1);
    expect(received[0]).toMatchObject({ method: 'POST', url: '/v1/chat/completions' });
    expect(received[0]?.headers.authorization).toBe(`Bearer ${KEY}`);
    expect(received[0]?.headers['content-type']).toBe('application/json');
    expect(received[0]?.body).toEqual({
      model: 'gpt-4o-mini',
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'Hi' },
      ],
      temperature: 0.1,
      max_tokens: 64,
      top_p: 0.5,
      stop: ['END'],
    });
  });

  it('sends no Authorization header without apiKeyEnv (local servers)', async () => {
    await createOpenAiProvider({ model: 'm', baseUrl, env: ENV }).invoke(request, { signal: signal() });
    expect(received[0]?.headers.authorization).toBeUndefined();
  });

  it('refuses to call when the key variable is unset, naming the variable only', async () => {
    const missing = createOpenAiProvider({ model: 'm', baseUrl, apiKeyEnv: 'NOT_SET_ANYWHERE', env: {} });
    await expect(missing.invoke(request, { signal: signal() })).rejects.toThrow(
      'the environment variable NOT_SET_ANYWHERE (provider.apiKeyEnv) is not set',
    );
    expect(received).toHaveLength(0);
  });

  it('maps 429 to ProviderThrottledError with Retry-After', async () => {
    replies = [json(429, { error: { message: 'Rate limit reached' } }, { 'retry-after': '2' })];
    const call = provider().invoke(request, { signal: signal() });
    await expect(call).rejects.toBeInstanceOf(ProviderThrottledError);
    await expect(call).rejects.toMatchObject({ status: 429, retryAfterMs: 2000 });
  });

  it('maps other statuses to a clear ProviderError with the status, never the key', async () => {
    replies = [json(500, { error: { message: `upstream broke for key ${KEY}` } })];
    const error = (await provider()
      .invoke(request, { signal: signal() })
      .catch((e: unknown) => e)) as ProviderError;
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).not.toBeInstanceOf(ProviderThrottledError);
    expect(error.status).toBe(500);
    expect(error.message).toBe(
      `the OpenAI-compatible server at ${baseUrl}/chat/completions answered 500: upstream broke for key [redacted]`,
    );
    expect(JSON.stringify(error)).not.toContain(KEY);
    expect(String(error.stack)).not.toContain(KEY);
  });

  it('refuses a 200 without content and a body that is not JSON', async () => {
    replies = [json(200, { choices: [] })];
    await expect(provider().invoke(request, { signal: signal() })).rejects.toThrow(
      'without choices[0].message.content',
    );
    replies = [
      (res) => {
        res.writeHead(200, { 'content-type': 'text/html' });
        res.end('<html>');
      },
    ];
    await expect(provider().invoke(request, { signal: signal() })).rejects.toThrow('not JSON');
  });

  it('reports an unreachable server without the credentials of its URL', async () => {
    const closed = createOpenAiProvider({ model: 'm', baseUrl: 'http://user:hunter2@127.0.0.1:1/v1' });
    const error = (await closed.invoke(request, { signal: signal() }).catch((e: unknown) => e)) as Error;
    expect(error).toBeInstanceOf(ProviderError);
    expect(error.message).toContain('could not be reached');
    expect(error.message).not.toContain('hunter2');
  });

  describe('through the runner', () => {
    const suite = parseEvalSuite(
      'tests:\n  - vars: { customer_name: Ana }\n    assert: [{ type: contains, value: Hello }, { type: cost, threshold: 0.01 }]\n',
    );
    // A function: the server's port is known only once beforeAll ran.
    const spec = () => ({
      type: 'openai' as const,
      model: 'gpt-4o-mini',
      baseUrl,
      apiKeyEnv: 'EVAL_OPENAI_KEY',
    });

    it('passes, with tokens and cost from usage', async () => {
      const result = await runSuite({
        suite,
        prompt: PROMPT,
        provider: createProvider(spec(), { env: ENV }),
      });
      expect(result.state).toBe('PASSED');
      // gpt-4o-mini: $0.15 / $0.60 per million tokens.
      expect(result.tests[0]).toMatchObject({ inputTokens: 1000, outputTokens: 500, costUsd: 0.00045 });
      expect((received[0]?.body as { messages: unknown[] }).messages).toEqual([
        { role: 'user', content: expect.stringContaining('Greet Ana') },
      ]);
    });

    it('retries a 429 and then passes', async () => {
      replies = [json(429, { error: 'slow down' }), completion('Hello again')];
      const delays: number[] = [];
      const result = await runSuite({
        suite,
        prompt: PROMPT,
        provider: createProvider(spec(), { env: ENV }),
        sleep: async (ms) => {
          delays.push(ms);
        },
      });
      expect(result.state).toBe('PASSED');
      expect(received).toHaveLength(2);
      expect(delays).toEqual([500]);
    });

    it('a 500 fails the test with the status, and the run ends in ERROR when no test could run', async () => {
      replies = [json(500, { error: { message: 'boom' } })];
      const result = await runSuite({
        suite,
        prompt: PROMPT,
        provider: createProvider(spec(), { env: ENV }),
      });
      expect(result.tests[0]).toMatchObject({
        passed: false,
        error: expect.stringContaining('answered 500: boom'),
      });
      expect(result.state).toBe('ERROR');
    });

    it('times out a server that does not answer, aborting the request', async () => {
      let aborted = false;
      replies = [
        (res) => {
          res.on('close', () => {
            aborted = true;
          });
        },
      ];
      const result = await runSuite({
        suite,
        prompt: PROMPT,
        provider: createProvider(spec(), { env: ENV }),
        timeoutMs: 100,
      });
      expect(result.tests[0]?.error).toBe('the openai call did not answer within 100 ms');
      await expect.poll(() => aborted).toBe(true);
    });
  });
});
