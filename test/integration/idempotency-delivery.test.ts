/**
 * Idempotency-Key on deploy, rollback and POST /metrics over the real handlers, dynalite and the
 * AppConfig emulator (docs/architecture.md, "Idempotent writes"): the same key and body answer the
 * first response and take effect once; the same key with another body is 422
 * IDEMPOTENCY_KEY_REUSED and starts nothing; a blank or overlong key is 400 and starts nothing.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { createMetricsHandler } from '../../lambda/handlers/metrics.ts';
import { handler as publishHandler } from '../../lambda/handlers/publish.ts';
import { ALICE, type CallResult, call } from '../fixtures/api.ts';
import { type DeliveryEnvironment, startDeliveryStack } from '../fixtures/delivery-faults.ts';
import { promptDocument } from '../fixtures/delivery-setup.ts';

const stack = await startDeliveryStack();
const suffix = randomBytes(3).toString('hex');
const id = `idem-delivery-${suffix}`;
for (const version of ['1.0.0', '1.1.0']) {
  const published = await call(publishHandler, 'POST', `/prompts/${id}/versions`, {
    body: { document: promptDocument(id, `Answer {{question}} (${version}).`), version },
    caller: ALICE,
  });
  if (published.status !== 201) throw new Error(`publish ${version}: ${JSON.stringify(published.body)}`);
}
afterAll(() => stack.close());

let environments = 0;
const nextEnvironment = () => stack.environment(`idem${suffix}${++environments}`);
const withKey = (key: string) => ({ 'idempotency-key': key });
const newKey = () => `key-${randomBytes(8).toString('hex')}`;

async function deployed(env: DeliveryEnvironment, version: string) {
  expect((await env.deploy({ [id]: version })).status).toBe(202);
  await env.settle();
  await env.status();
}

/** What a deploy or rollback leaves: AppConfig's deployments, the history, the start events. */
async function effects(env: DeliveryEnvironment) {
  const status = await env.status();
  const audit = await env.audit();
  return {
    deployments: (await env.deployments()).length,
    history: (status.body.history as { revision: number }[]).map((h) => h.revision),
    started: audit.filter((e) => e.action === 'environment.deploy' || e.action === 'environment.rollback')
      .length,
  };
}

function expectProblem(response: CallResult, status: number, code: string) {
  expect(response.status).toBe(status);
  expect(response.headers['content-type']).toContain('application/problem+json');
  expect(response.body).toMatchObject({ status, code });
}

describe('Idempotency-Key on deploy', () => {
  it('a retry with the same key and body answers the first 202 and deploys once', async () => {
    const env = await nextEnvironment();
    await deployed(env, '1.0.0');
    const key = newKey();
    const first = await env.deploy({ [id]: '1.1.0' }, withKey(key));
    expect(first.status).toBe(202);
    const retries = [await env.deploy({ [id]: '1.1.0' }, withKey(key))];
    await env.settle();
    retries.push(await env.deploy({ [id]: '1.1.0' }, withKey(key)));
    for (const retry of retries) {
      expect(retry.status).toBe(202);
      expect(retry.body).toEqual(first.body);
    }
    expect(await effects(env)).toEqual({ deployments: 2, history: [2, 1], started: 2 });
  });

  it('the same key with another body is 422 IDEMPOTENCY_KEY_REUSED and starts nothing', async () => {
    const env = await nextEnvironment();
    const key = newKey();
    expect((await env.deploy({ [id]: '1.0.0' }, withKey(key))).status).toBe(202);
    await env.settle();
    const before = await effects(env);
    expectProblem(await env.deploy({ [id]: '1.1.0' }, withKey(key)), 422, 'IDEMPOTENCY_KEY_REUSED');
    expect(await effects(env)).toEqual(before);
    expect((await env.status()).body.prompts).toEqual({ [id]: '1.0.0' });
  });

  it('a blank or overlong key is 400 and starts nothing', async () => {
    const env = await nextEnvironment();
    for (const key of [' ', 'k'.repeat(256)]) {
      expectProblem(await env.deploy({ [id]: '1.0.0' }, withKey(key)), 400, 'BAD_REQUEST');
    }
    expect(await effects(env)).toEqual({ deployments: 0, history: [], started: 0 });
  });
});

describe('Idempotency-Key on rollback', () => {
  it('a retry with the same key and body answers the first 202 and rolls back once', async () => {
    const env = await nextEnvironment();
    await deployed(env, '1.0.0');
    await deployed(env, '1.1.0');
    const key = newKey();
    const first = await env.rollback({ reason: 'bad answers' }, withKey(key));
    expect(first.status).toBe(202);
    await env.settle();
    const retry = await env.rollback({ reason: 'bad answers' }, withKey(key));
    expect(retry.status).toBe(202);
    expect(retry.body).toEqual(first.body);
    expect(await effects(env)).toEqual({ deployments: 3, history: [3, 2, 1], started: 3 });
    expect((await env.status()).body.prompts).toEqual({ [id]: '1.0.0' });
  });

  it('the same key with another body is 422 and rolls back nothing; a blank key is 400', async () => {
    const env = await nextEnvironment();
    await deployed(env, '1.0.0');
    await deployed(env, '1.1.0');
    const key = newKey();
    expect((await env.rollback({ reason: 'first' }, withKey(key))).status).toBe(202);
    await env.settle();
    const before = await effects(env);
    expectProblem(await env.rollback({ reason: 'other' }, withKey(key)), 422, 'IDEMPOTENCY_KEY_REUSED');
    expectProblem(await env.rollback({ reason: 'other' }, withKey(' ')), 400, 'BAD_REQUEST');
    expectProblem(await env.rollback({ reason: 'other' }, withKey('k'.repeat(256))), 400, 'BAD_REQUEST');
    expect(await effects(env)).toEqual(before);
  });
});

describe('Idempotency-Key on POST /metrics', () => {
  const published: Record<string, unknown>[] = [];
  const handler = createMetricsHandler(() => ({
    metrics: { publish: (documents) => void published.push(...documents) },
    now: () => new Date(),
  }));
  const post = (body: unknown, headers?: Record<string, string>) =>
    call(handler, 'POST', '/metrics', { body, ...(headers ? { headers } : {}) });
  const records = (latencyMs: number) => ({
    records: [{ promptId: id, version: '1.0.0', environment: 'dev', latencyMs }],
  });

  it('a retry with the same key and body answers the first 202 and emits once', async () => {
    published.length = 0;
    const key = newKey();
    const first = await post(records(120), withKey(key));
    expect(first.status).toBe(202);
    const retry = await post(records(120), withKey(key));
    expect(retry.status).toBe(202);
    expect(retry.body).toEqual(first.body);
    expect(published).toHaveLength(1);
  });

  it('the same key with another body is 422 and emits nothing; a blank or overlong key is 400', async () => {
    const key = newKey();
    expect((await post(records(120), withKey(key))).status).toBe(202);
    published.length = 0;
    expectProblem(await post(records(900), withKey(key)), 422, 'IDEMPOTENCY_KEY_REUSED');
    expectProblem(await post(records(900), withKey(' ')), 400, 'BAD_REQUEST');
    expectProblem(await post(records(900), withKey('k'.repeat(256))), 400, 'BAD_REQUEST');
    expect(published).toHaveLength(0);
  });
});
