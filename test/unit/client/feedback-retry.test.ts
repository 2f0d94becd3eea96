/** feedback() retries safely: one Idempotency-Key for every attempt, retries on 5xx, 429 and network errors only. */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { FeedbackSender } from '../../../src/client/feedback.ts';
import { FeedbackError, type Prompt, PromptClient } from '../../../src/client/index.ts';
import { withRetries } from '../../../src/client/retry.ts';
import {
  APPLICATION,
  ENVIRONMENT,
  supportManifest,
  temporaryDirectory,
} from '../../fixtures/client-manifests.ts';

const CREDENTIALS = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret-key' };

let server: Server;
let endpoint: string;
let received: IncomingHttpHeaders[];
let answers: { status: number; body: unknown }[];
let files: ReturnType<typeof temporaryDirectory>;
let prompt: Prompt;

beforeEach(async () => {
  files = temporaryDirectory();
  received = [];
  answers = [];
  server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      received.push(req.headers);
      const answer = answers.shift() ?? { status: 202, body: { id: 'fb-1' } };
      res.writeHead(answer.status, { 'content-type': 'application/json' }).end(JSON.stringify(answer.body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  prompt = await new PromptClient({
    application: APPLICATION,
    environment: ENVIRONMENT,
    source: { type: 'file', path: files.write('manifest.json', supportManifest('1.3.0').json) },
    logger: { warn: vi.fn() },
  }).get('support-reply');
});

afterEach(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  files.cleanup();
});

const sender = (attempts = 3) =>
  new FeedbackSender({
    apiEndpoint: endpoint,
    region: 'eu-west-1',
    credentials: CREDENTIALS,
    retry: { attempts, baseDelayMs: 1 },
  });

describe('feedback() retries', () => {
  it('sends an Idempotency-Key, signed, and the same one on every retry of a 5xx', async () => {
    answers = [
      { status: 500, body: { code: 'INTERNAL' } },
      { status: 503, body: {} },
    ];
    await expect(sender().send(prompt, { rating: 1 })).resolves.toEqual({ id: 'fb-1' });
    expect(received).toHaveLength(3);
    const keys = received.map((headers) => headers['idempotency-key']);
    expect(keys[0]).toMatch(/^[0-9a-f-]{36}$/);
    expect(new Set(keys).size).toBe(1);
    expect(String(received[0]?.authorization)).toMatch(/SignedHeaders=[^,]*idempotency-key/);
  });

  it('gives each call its own key', async () => {
    await sender().send(prompt, { rating: 1 });
    await sender().send(prompt, { rating: 1 });
    expect(received[0]?.['idempotency-key']).not.toBe(received[1]?.['idempotency-key']);
  });

  it('never retries a 4xx: 422 IDEMPOTENCY_KEY_REUSED is final', async () => {
    answers = [{ status: 422, body: { code: 'IDEMPOTENCY_KEY_REUSED', detail: 'reused' } }];
    const error = await sender()
      .send(prompt, { rating: 1 })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FeedbackError);
    expect(error).toMatchObject({ status: 422, code: 'IDEMPOTENCY_KEY_REUSED' });
    expect(received).toHaveLength(1);
  });

  it('gives up after its attempts with the last 5xx', async () => {
    answers = [0, 1, 2].map(() => ({ status: 500, body: { code: 'INTERNAL' } }));
    await expect(sender(3).send(prompt, { rating: 1 })).rejects.toMatchObject({ status: 500 });
    expect(received).toHaveLength(3);
  });

  it('retries a network error, then reports it when every attempt failed', async () => {
    let calls = 0;
    const failing = () => {
      calls++;
      return Promise.reject(new TypeError('fetch failed'));
    };
    await expect(withRetries(failing, { attempts: 3, baseDelayMs: 1 })).rejects.toThrow('fetch failed');
    expect(calls).toBe(3);
    let tries = 0;
    const recovering = () =>
      ++tries === 1 ? Promise.reject(new TypeError('fetch failed')) : Promise.resolve(new Response('ok'));
    expect((await withRetries(recovering, { baseDelayMs: 1 })).status).toBe(200);
  });
});
