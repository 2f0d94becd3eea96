/**
 * Local mode with PROMPTOPS_FAULTS (README.md, "Fault injection"), as a person starts it for a manual
 * check: the banner says faults are on, the fault hits the request, and a retry with the same
 * Idempotency-Key converges to one version. A bad spec stops startup, naming the bad part.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exampleDocument } from '../fixtures/registry.ts';
import { call, type SpawnedLocalMode, spawnLocalMode, tempDir } from './support.ts';

let dir: { path: string; remove: () => Promise<void> };
const started: SpawnedLocalMode[] = [];

beforeAll(async () => {
  dir = await tempDir('promptops-e2e-faults-');
});
afterAll(async () => {
  for (const local of started)
    if (local.child.exitCode === null && local.child.signalCode === null) {
      local.child.kill('SIGTERM');
      await local.exited;
    }
  await dir?.remove();
});

describe('local mode with PROMPTOPS_FAULTS', () => {
  it('refuses a bad spec before starting, naming the entry and the part', async () => {
    const local = spawnLocalMode(`${dir.path}/bad`, {
      PROMPTOPS_FAULTS: 'delay:s3:PutObject::50,fail-after-commit:dynamodb:PutItm:1',
    });
    started.push(local);
    expect(await local.exited).toEqual({ code: 2, signal: null });
    expect(local.output()).toContain(
      'PROMPTOPS_FAULTS entry 2 ("fail-after-commit:dynamodb:PutItm:1"): dynamodb has no command "PutItm"',
    );
    expect(local.output()).not.toContain('PromptOps is running locally');
  });

  it('answers a publish hit by fail-after-commit with a 5xx, and its same-key retry 201 with one version', async () => {
    const local = spawnLocalMode(`${dir.path}/state`, {
      PROMPTOPS_SEED: 'false',
      PROMPTOPS_FAULTS: 'fail-after-commit:s3:PutObject:1',
    });
    started.push(local);
    const endpoints = await local.ready;
    expect(local.output()).toContain('FAULT INJECTION IS ON (PROMPTOPS_FAULTS)');
    expect(local.output()).toContain(
      'fail-after-commit:s3:PutObject:1: fail-after-commit on s3 PutObjectCommand, the first 1 call(s)',
    );

    const body = { document: exampleDocument() };
    const headers = { 'idempotency-key': 'faults-e2e-publish-1' };
    const path = '/prompts/support-reply/versions';
    const failed = await call(endpoints.api, 'POST', path, body, 'local:dev', headers);
    expect(failed.status).toBeGreaterThanOrEqual(500);
    expect(failed.body).toMatchObject({ status: failed.status });
    expect(local.output()).toContain('fault: fail-after-commit:s3:PutObject:1 hit PutObjectCommand (1 of 1)');
    // Nothing was written: the prompt does not exist.
    expect(await call(endpoints.api, 'GET', path)).toMatchObject({
      status: 404,
      body: { code: 'NOT_FOUND' },
    });

    const retried = await call(endpoints.api, 'POST', path, body, 'local:dev', headers);
    expect(retried.status).toBe(201);
    expect(retried.body).toMatchObject({ id: 'support-reply', version: '1.0.0' });
    const replayed = await call(endpoints.api, 'POST', path, body, 'local:dev', headers);
    expect(replayed).toEqual(retried);
    const versions = await call(endpoints.api, 'GET', path);
    expect(versions.body.items.map((v: { version: string }) => v.version)).toEqual(['1.0.0']);
  }, 60_000);
});
