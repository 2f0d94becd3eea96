/**
 * Idempotency-Key in local mode: the records live in its embedded DynamoDB, so a retry over HTTP
 * replays the first response, a reused key with another body is 422, and both hold after a restart.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningLocalMode, startLocalMode } from '../../src/local/local-mode.ts';
import { exampleDocument } from '../fixtures/registry.ts';

let dataDir: string;
let local: RunningLocalMode;

const start = () => startLocalMode({ dataDir, port: 0, seed: false, log: () => undefined });

async function api(method: string, route: string, body: unknown, key?: string) {
  const response = await fetch(`${local.endpoints.api}${route}`, {
    method,
    headers: {
      'x-promptops-user': 'local:alice',
      'content-type': 'application/json',
      ...(key ? { 'idempotency-key': key } : {}),
    },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  // biome-ignore lint/suspicious/noExplicitAny: arbitrary JSON bodies
  return { status: response.status, body: (text ? JSON.parse(text) : undefined) as any };
}

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'promptops-idem-'));
  local = await start();
}, 60_000);

afterAll(async () => {
  await local?.close();
  await rm(dataDir, { recursive: true, force: true });
});

describe('local mode: Idempotency-Key', () => {
  it('replays a retry, refuses a reused key with 422, and still does after a restart', async () => {
    const id = `local-idem-${randomBytes(4).toString('hex')}`;
    const document = exampleDocument('Replies to a customer support ticket').replace(
      'id: support-reply',
      `id: ${id}`,
    );
    const publishKey = `k-${randomBytes(6).toString('hex')}`;
    const published = await api('POST', `/prompts/${id}/versions`, { document }, publishKey);
    expect(published.status).toBe(201);
    expect(await api('POST', `/prompts/${id}/versions`, { document }, publishKey)).toEqual(published);

    const key = `k-${randomBytes(6).toString('hex')}`;
    const body = { promptId: id, version: '1.0.0', environment: 'prod', rating: 1 };
    const first = await api('POST', '/feedback', body, key);
    expect(first.status).toBe(202);
    expect(await api('POST', '/feedback', body, key)).toEqual(first);
    const reused = await api('POST', '/feedback', { ...body, rating: -1 }, key);
    expect(reused.status).toBe(422);
    expect(reused.body.code).toBe('IDEMPOTENCY_KEY_REUSED');

    await local.close();
    local = await start();
    expect(await api('POST', '/feedback', body, key)).toEqual(first);
    expect((await api('POST', '/feedback', { ...body, rating: -1 }, key)).status).toBe(422);
    const report = await fetch(`${local.endpoints.api}/prompts/${id}/feedback?environment=prod`, {
      headers: { 'x-promptops-user': 'local:alice' },
    });
    expect(((await report.json()) as { versions: unknown }).versions).toEqual([
      { version: '1.0.0', count: 1, positive: 1, negative: 0 },
    ]);
  }, 60_000);
});
