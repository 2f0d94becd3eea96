/**
 * Evaluations through local mode, over HTTP as the CLI sends them: put a suite, run it with echo
 * (executed in-process after the 202), FAILED; fix the suite, run again, PASSED.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningLocalMode, startLocalMode } from '../../src/local/local-mode.ts';

let dataDir: string;
let local: RunningLocalMode;

async function api(method: string, route: string, body?: unknown) {
  const response = await fetch(`${local.endpoints.api}${route}`, {
    method,
    headers: {
      'x-promptops-user': 'local:alice',
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  // biome-ignore lint/suspicious/noExplicitAny: arbitrary JSON bodies
  return { status: response.status, body: (text ? JSON.parse(text) : undefined) as any };
}

const DOCUMENT = `---
id: greeter
description: Greets a customer
variables:
  name: { type: string, required: true }
---
## role
You are a friendly assistant.
## instructions
Greet {{name}} warmly.
## output_format
One sentence.
`;

const suite = (expected: string) => `description: greeting regression
threshold: 1
provider: echo
tests:
  - description: greets Ana
    vars: { name: Ana }
    assert:
      - { type: contains, value: "${expected}" }
      - { type: rendered-contains, value: Greet Ana }
`;

async function runToEnd(version: string) {
  const started = await api('POST', `/prompts/greeter/versions/${version}/evaluations`, {});
  expect(started.status).toBe(202);
  expect(started.body.state).toBe('RUNNING');
  const route = `/prompts/greeter/versions/${version}/evaluations/${started.body.id}`;
  for (let attempt = 0; attempt < 100; attempt++) {
    const run = await api('GET', route);
    expect(run.status).toBe(200);
    if (run.body.state !== 'RUNNING') return run.body;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`evaluation ${started.body.id} still RUNNING`);
}

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'promptops-eval-local-'));
  local = await startLocalMode({ dataDir, port: 0, seed: false, log: () => undefined });
});

afterAll(async () => {
  await local?.close();
  await rm(dataDir, { recursive: true, force: true });
});

describe('evaluations in local mode', () => {
  it('runs a suite with echo: FAILED, then PASSED once the suite is fixed', async () => {
    expect((await api('POST', '/prompts/greeter/versions', { document: DOCUMENT })).status).toBe(201);
    expect((await api('POST', '/prompts/greeter/versions/1.0.0/evaluations', {})).body.code).toBe(
      'NO_EVAL_SUITE',
    );

    const first = await api('PUT', '/prompts/greeter/eval-suite', { suite: suite('Hello Ana') });
    expect(first.status).toBe(201);
    expect(first.body.revision).toBe(1);
    const failed = await runToEnd('1.0.0');
    expect(failed).toMatchObject({ state: 'FAILED', passRate: 0, threshold: 1, suiteRevision: 1 });
    expect(failed.tests[0].assertions[0]).toMatchObject({ type: 'contains', passed: false });
    expect(failed.tests[0].assertions[1]).toMatchObject({ type: 'rendered-contains', passed: true });

    const fixed = await api('PUT', '/prompts/greeter/eval-suite', { suite: suite('Greet Ana warmly') });
    expect(fixed.status).toBe(201);
    expect(fixed.body.revision).toBe(2);
    const passed = await runToEnd('1.0.0');
    expect(passed).toMatchObject({ state: 'PASSED', passRate: 1, suiteRevision: 2 });
    expect(passed.tests[0].output).toContain('Greet Ana warmly.');

    const list = await api('GET', '/prompts/greeter/versions/1.0.0/evaluations');
    expect(list.body.items.map((r: { state: string }) => r.state)).toEqual(['PASSED', 'FAILED']);
    const audit = await api('GET', '/audit', undefined);
    const actions = audit.body.items.map((e: { action: string }) => e.action);
    expect(actions).toEqual(
      expect.arrayContaining(['evalsuite.updated', 'evaluation.started', 'evaluation.finished']),
    );
  });

  it('refuses bedrock when the stack lists no evaluation models', async () => {
    const response = await api('POST', '/prompts/greeter/versions/1.0.0/evaluations', {
      provider: { type: 'bedrock', model: 'amazon.nova-lite-v1:0' },
    });
    expect(response.status).toBe(422);
    expect(response.body).toMatchObject({ code: 'PROVIDER_NOT_ALLOWED', setting: 'evalModels' });
  });
});
