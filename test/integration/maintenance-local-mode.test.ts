/**
 * Library maintenance through local mode, over HTTP as the CLI sends it (docs/maintenance.md): near
 * duplicates, deprecation and its deploy gate, a rollback to a deprecated version, the manifest flag
 * and the client's DeprecatedServes, archival and what it refuses, and the review-due report.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PromptClient } from '../../src/client/index.ts';
import { type RunningLocalMode, SEED_STRATEGY, startLocalMode } from '../../src/local/local-mode.ts';

let dataDir: string;
let local: RunningLocalMode;

async function api(method: string, route: string, body?: unknown, user = 'local:alice') {
  const response = await fetch(`${local.endpoints.api}${route}`, {
    method,
    headers: {
      'x-promptops-user': user,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  // biome-ignore lint/suspicious/noExplicitAny: arbitrary JSON bodies
  return { status: response.status, body: (text ? JSON.parse(text) : undefined) as any };
}

const INSTRUCTIONS = [
  'Read the customer ticket {{ticket}} and answer it in a friendly tone.',
  'Thank the customer for writing, restate the problem in one sentence, and give the next step they should take.',
  'If the order number is missing, ask for it politely.',
].join(' ');

const document = (id: string, instructions: string, version = '') => `---
id: ${id}
description: ${id}
owner: support-team
model: { provider: bedrock, id: anthropic.claude-v2 }
variables:
  ticket: { type: string, required: true }
---
## role
You are a support agent for Acme, a company that sells garden tools online.
## instructions
${instructions}${version}
## guardrails
Never promise refunds or delivery dates.
## output_format
Plain text, at most 150 words.
`;

const publish = (id: string, text: string) => api('POST', `/prompts/${id}/versions`, { document: text });

/** Deploys with the local no-bake strategy and waits for COMPLETE. */
async function deployAndSettle(body: Record<string, unknown>, route = '/environments/dev/deployments') {
  const started = await api('POST', route, { ...body, strategy: SEED_STRATEGY.name });
  expect(started.status).toBe(202);
  await settle();
  return started;
}

async function settle() {
  for (let attempt = 0; attempt < 100; attempt++) {
    const status = await api('GET', '/environments/dev');
    if (status.body.deployment?.state === 'COMPLETE') return status.body;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error('the deployment to dev did not complete');
}

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'promptops-maintenance-local-'));
  local = await startLocalMode({
    dataDir,
    port: 0,
    seed: false,
    // A rollback deploys AllAtOnce, which bakes 10 minutes: 1 second at this scale.
    timeScale: 600,
    log: () => undefined,
    settings: {
      reviewEveryDays: 30,
      modelRetirements: JSON.stringify([
        { modelId: 'anthropic.claude-v2', retiresOn: '2099-01-01', replacement: 'anthropic.claude-sonnet-4' },
      ]),
    },
  });
  expect((await publish('support-reply', document('support-reply', INSTRUCTIONS))).status).toBe(201);
  expect(
    (await publish('support-answer', document('support-answer', INSTRUCTIONS.replace('friendly', 'warm'))))
      .status,
  ).toBe(201);
  expect(
    (
      await publish(
        'refund-triage',
        document(
          'refund-triage',
          'Classify the refund request {{ticket}} as eligible or not under the 30-day policy.',
        ),
      )
    ).status,
  ).toBe(201);
});

afterAll(async () => {
  await local?.close();
  await rm(dataDir, { recursive: true, force: true });
});

describe('library maintenance in local mode', () => {
  it('names the near-duplicate of a prompt, and not the distinct one', async () => {
    const response = await api('GET', '/prompts?similar-to=support-reply');
    expect(response.status).toBe(200);
    expect(response.body.items.map((i: { id: string }) => i.id)).toEqual(['support-answer']);
    expect(response.body.items[0].similarity).toBeGreaterThanOrEqual(0.8);
  });

  it('deprecates, refuses the deploy, allows it when asked, rolls back to it and tells the client', async () => {
    await deployAndSettle({ prompts: { 'support-reply': '1.0.0' } });
    expect(
      (await publish('support-reply', document('support-reply', INSTRUCTIONS, ' Sign with the team name.')))
        .status,
    ).toBe(201);
    await deployAndSettle({ prompts: { 'support-reply': '1.0.1' } });

    const marked = await api(
      'POST',
      '/prompts/support-reply/versions/1.0.0/deprecation',
      { reason: 'Too long' },
      'local:bob',
    );
    expect(marked.status).toBe(201);
    const empty = await api('POST', '/prompts/support-reply/versions/1.0.0/deprecation', { reason: ' ' });
    expect(empty.status).toBe(400);
    const unknown = await api('POST', '/prompts/support-reply/versions/7.0.0/deprecation', { reason: 'x' });
    expect(unknown.status).toBe(404);

    const refused = await api('POST', '/environments/dev/deployments', {
      prompts: { 'support-reply': '1.0.0' },
      strategy: SEED_STRATEGY.name,
    });
    expect(refused.status).toBe(422);
    expect(refused.body.code).toBe('VERSION_DEPRECATED');
    expect((await api('GET', '/environments/dev')).body.prompts).toEqual({ 'support-reply': '1.0.1' });

    const rolledBack = await api('POST', '/environments/dev/rollback', { prompts: ['support-reply'] });
    expect(rolledBack.status).toBe(202);
    expect(rolledBack.body.deprecated).toEqual([
      { id: 'support-reply', version: '1.0.0', reason: 'Too long' },
    ]);
    const status = await settle();
    expect(status.prompts).toEqual({ 'support-reply': '1.0.0' });
    expect(status.deprecated).toEqual([{ id: 'support-reply', version: '1.0.0', reason: 'Too long' }]);

    // The app reading dev serves 1.0.0 and counts each use as a deprecated serve.
    const lines: string[] = [];
    const client = new PromptClient({
      application: local.endpoints.application,
      environment: 'dev',
      source: { type: 'agent', url: local.endpoints.agent },
      maxAgeSeconds: 0.1,
      writeLine: (line) => lines.push(line),
    });
    let prompt = await client.get('support-reply');
    for (let attempt = 0; prompt.version !== '1.0.0' && attempt < 50; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      prompt = await client.get('support-reply');
    }
    expect(prompt.version).toBe('1.0.0');
    expect(prompt.deprecated).toBe(true);
    client.record(prompt, { latencyMs: 120 });
    const emf = JSON.parse(lines[0] as string);
    expect(emf.DeprecatedServes).toBe(1);
    expect(emf._aws.CloudWatchMetrics[0].Metrics).toContainEqual({ Name: 'DeprecatedServes', Unit: 'Count' });

    const allowed = await api('POST', '/environments/dev/deployments', {
      prompts: { 'support-reply': '1.0.1' },
      strategy: SEED_STRATEGY.name,
    });
    expect(allowed.status).toBe(202);
    expect(allowed.body).not.toHaveProperty('deprecated');
    await settle();
    expect(
      (await api('DELETE', '/prompts/support-reply/versions/1.0.0/deprecation', undefined, 'local:bob'))
        .status,
    ).toBe(200);
    const actions = (await api('GET', '/audit?promptId=support-reply')).body.items.map(
      (e: { action: string }) => e.action,
    );
    expect(actions).toEqual(
      expect.arrayContaining(['prompt.deprecate', 'prompt.undeprecate', 'environment.rollback']),
    );
  });

  it('archives an unpinned prompt and refuses a pinned one, new versions and deploys; unarchive undoes it', async () => {
    const inUse = await api('POST', '/prompts/support-reply/archive', {});
    expect(inUse.status).toBe(409);
    expect(inUse.body).toMatchObject({ code: 'PROMPT_IN_USE', environments: ['dev'] });

    const archived = await api('POST', '/prompts/support-answer/archive', {
      reason: 'Merged into support-reply',
    });
    expect(archived.status).toBe(200);
    const listed = (await api('GET', '/prompts')).body.items.map((p: { id: string }) => p.id);
    expect(listed).not.toContain('support-answer');
    const all = (await api('GET', '/prompts?include=archived')).body.items.map((p: { id: string }) => p.id);
    expect(all).toContain('support-answer');

    const publishRefused = await publish(
      'support-answer',
      document('support-answer', 'Something new {{ticket}}.'),
    );
    expect(publishRefused.status).toBe(409);
    expect(publishRefused.body.code).toBe('PROMPT_ARCHIVED');
    expect((await api('GET', '/prompts/support-answer/versions')).body.items).toHaveLength(1);
    const deployRefused = await api('POST', '/environments/dev/deployments', {
      prompts: { 'support-answer': '1.0.0' },
    });
    expect(deployRefused.status).toBe(409);
    expect((await api('GET', '/environments/dev')).body.prompts).not.toHaveProperty('support-answer');

    expect((await api('POST', '/prompts/support-answer/unarchive')).status).toBe(200);
    expect((await api('GET', '/prompts')).body.items.map((p: { id: string }) => p.id)).toContain(
      'support-answer',
    );
  });

  it('reports the pinned versions on a retiring model as due for review', async () => {
    const report = await api('GET', '/review-due');
    expect(report.status).toBe(200);
    expect(report.body.reviewEveryDays).toBe(30);
    expect(report.body.items).toEqual([
      expect.objectContaining({
        promptId: 'support-reply',
        version: '1.0.1',
        owner: 'support-team',
        environments: ['dev'],
        reasons: [expect.objectContaining({ kind: 'model-retirement', retiresOn: '2099-01-01' })],
      }),
    ]);
  });
});
