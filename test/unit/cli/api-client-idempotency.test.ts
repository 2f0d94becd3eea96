/** The CLI's writes carry an Idempotency-Key and retry a 5xx or a lost answer with the same key. */
import { afterEach, describe, expect, it } from 'vitest';
import { ApiClient } from '../../../src/cli/api-client.ts';
import { type FakeApi, fakeApi, problem } from './support.ts';

let server: FakeApi | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('ApiClient writes', () => {
  it('sends one Idempotency-Key per write and the same one on each retry of a 5xx', async () => {
    let calls = 0;
    server = await fakeApi(() =>
      ++calls < 3 ? problem(500, 'INTERNAL', 'boom') : { status: 201, body: { version: '1.0.0' } },
    );
    const api = new ApiClient({ endpoint: server.url, auth: { kind: 'local' } });
    const published = await api.post('/prompts/a1/versions', { document: 'x' });
    expect(published).toEqual({ status: 201, body: { version: '1.0.0' } });
    const keys = server.requests.map((r) => r.headers['idempotency-key']);
    expect(keys).toHaveLength(3);
    expect(new Set(keys).size).toBe(1);
    expect(String(keys[0])).toMatch(/^[0-9a-f-]{36}$/);

    await api.put('/prompts/a1/eval-suite', { suite: 'y' });
    expect(server.requests[3]?.headers['idempotency-key']).not.toBe(keys[0]);
  });

  it('never retries a 4xx, and gives up on a 5xx after its attempts', async () => {
    server = await fakeApi(() => problem(422, 'IDEMPOTENCY_KEY_REUSED', 'reused'));
    const api = new ApiClient({ endpoint: server.url, auth: { kind: 'local' }, attempts: 2 });
    await expect(api.post('/feedback', { rating: 1 })).rejects.toMatchObject({
      code: 'IDEMPOTENCY_KEY_REUSED',
    });
    expect(server.requests).toHaveLength(1);
    await server.close();
    server = await fakeApi(() => problem(503, 'INTERNAL', 'down'));
    const failing = new ApiClient({ endpoint: server.url, auth: { kind: 'local' }, attempts: 2 });
    await expect(failing.post('/feedback', { rating: 1 })).rejects.toMatchObject({ status: 503 });
    expect(server.requests).toHaveLength(2);
  });

  it('sends no key on reads and does not retry their 5xx', async () => {
    server = await fakeApi(() => problem(500, 'INTERNAL', 'boom'));
    const api = new ApiClient({ endpoint: server.url, auth: { kind: 'local' } });
    await expect(api.get('/prompts')).rejects.toMatchObject({ status: 500 });
    expect(server.requests).toHaveLength(1);
    expect(server.requests[0]?.headers['idempotency-key']).toBeUndefined();
  });
});
