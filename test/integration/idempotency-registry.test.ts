import { describe, expect, it } from 'vitest';
import { handler as queryHandler } from '../../lambda/handlers/query.ts';
import { call } from '../fixtures/api.ts';
import { loseIdempotentAnswer } from '../fixtures/lost-answer.ts';
import {
  approve,
  type CallResult,
  documentOf,
  jobsOf,
  newKey,
  newPromptId,
  preparedPrompt,
  publish,
  putSuite,
  SUITE,
  startRun,
  viewOf,
} from '../fixtures/registry-writes.ts';

interface Route {
  readonly name: string;
  /** A prompt in the state the write starts from. */
  prepare(): Promise<string>;
  /** The write with one of two different bodies. */
  send(id: string, body: 'first' | 'other', key: string): Promise<CallResult>;
  readonly status: number;
}

const ROUTES: readonly Route[] = [
  {
    name: 'publish',
    status: 201,
    prepare: async () => newPromptId('idem'),
    send: (id, body, key) =>
      publish(id, documentOf(id, body === 'first' ? 'Answer {{question}}.' : 'Reply to {{question}}.'), key),
  },
  {
    name: 'approve',
    status: 201,
    prepare: () => preparedPrompt(),
    send: (id, body, key) => approve(id, key, body === 'first' ? 'ship it' : 'looks fine'),
  },
  {
    name: 'suite put',
    status: 201,
    prepare: () => preparedPrompt(),
    send: (id, body, key) => putSuite(id, body === 'first' ? SUITE : SUITE.replace('smoke', 'smoke 2'), key),
  },
  {
    name: 'evaluation start',
    status: 202,
    prepare: () => preparedPrompt({ suite: true }),
    send: (id, body, key) => startRun(id, body === 'first' ? {} : { provider: { type: 'echo' } }, key),
  },
];

/** The prompt as the API shows it, and the worker jobs launched for it. */
async function stored(id: string) {
  return { ...(await viewOf(id)), launched: jobsOf(id).length };
}

describe('Idempotency-Key on the registry write routes', () => {
  for (const route of ROUTES) {
    describe(route.name, () => {
      it('a retry with the same key and body answers the first response and writes once', async () => {
        const id = await route.prepare();
        const key = newKey();
        const first = await route.send(id, 'first', key);
        expect(first.status).toBe(route.status);
        const once = await stored(id);
        const retries = await Promise.all([route.send(id, 'first', key), route.send(id, 'first', key)]);
        for (const retry of retries) {
          // Concurrent with each other, never with the first: both replay it.
          expect(retry.status).toBe(first.status);
          expect(retry.body).toEqual(first.body);
        }
        expect(await stored(id)).toEqual(once);
      });

      it('the same key with another body is 422 IDEMPOTENCY_KEY_REUSED and writes nothing', async () => {
        const id = await route.prepare();
        const key = newKey();
        const first = await route.send(id, 'first', key);
        expect(first.status).toBe(route.status);
        const once = await stored(id);
        const reused = await route.send(id, 'other', key);
        expect(reused.status).toBe(422);
        expect(reused.headers['content-type']).toContain('application/problem+json');
        expect(reused.body).toMatchObject({
          type: 'urn:promptops:problem:idempotency-key-reused',
          status: 422,
          code: 'IDEMPOTENCY_KEY_REUSED',
        });
        expect(await stored(id)).toEqual(once);
        // The first request's record survives the refusal: its retry still replays.
        expect((await route.send(id, 'first', key)).body).toEqual(first.body);
      });

      it('a blank or overlong key is 400 with a problem body and writes nothing', async () => {
        const id = await route.prepare();
        const before = await stored(id);
        for (const key of [' ', '', 'k'.repeat(256)]) {
          const response = await route.send(id, 'first', key);
          expect(response.status).toBe(400);
          expect(response.headers['content-type']).toContain('application/problem+json');
          expect(response.body).toMatchObject({ status: 400, code: 'BAD_REQUEST' });
          expect(response.body.detail).toContain('Idempotency-Key');
        }
        expect(await stored(id)).toEqual(before);
      });
    });
  }
});

describe('a keyed publish whose answer was lost, retried after later publishes', () => {
  it('answers the version its first attempt created and creates no other', async () => {
    const id = newPromptId('idem-lost');
    expect((await publish(id, documentOf(id, 'Answer {{question}}.'))).status).toBe(201);
    const key = newKey();
    const document = documentOf(id, 'Reply to {{question}} briefly.');
    const lost = loseIdempotentAnswer();
    try {
      expect((await publish(id, document, key)).status).toBe(500);
      lost.fault.remove();
      expect((await publish(id, documentOf(id, 'Reply to {{question}} at length.'))).status).toBe(201);
      const retry = await publish(id, document, key);
      expect(retry.status).toBe(200);
      expect(retry.body.version).toBe('1.0.1');
      const versions = await call(queryHandler, 'GET', `/prompts/${id}/versions`);
      expect(versions.body.items.map((v: { version: string }) => v.version)).toEqual([
        '1.0.2',
        '1.0.1',
        '1.0.0',
      ]);
    } finally {
      lost.restore();
    }
  });
});
