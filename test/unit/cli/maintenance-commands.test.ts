/** deprecate, undeprecate, archive, unarchive, review-due and lint --duplicates, as a user runs them. */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type FakeApi, fakeApi, problem, type RecordedRequest, type Reply, run, tempDir } from './support.ts';

let dir: Awaited<ReturnType<typeof tempDir>>;
let server: FakeApi | undefined;

beforeEach(async () => {
  dir = await tempDir();
});
afterEach(async () => {
  await server?.close();
  server = undefined;
  await dir.remove();
});

async function against(reply: (request: RecordedRequest) => Reply, argv: readonly string[]) {
  server = await fakeApi(reply);
  return run([...argv, '--endpoint', server.url], { cwd: dir.path });
}

const DEPRECATION = { by: 'local:bob', at: '2026-12-01T10:00:00.000Z', reason: 'Promises refunds' };

describe('Command: deprecate / undeprecate', () => {
  it('marks a version with the reason and says what changes', async () => {
    const result = await against(
      () => ({ status: 201, body: { id: 'support-reply', version: '1.0.0', deprecation: DEPRECATION } }),
      ['deprecate', 'support-reply@1.0.0', '--reason', 'Promises refunds'],
    );
    expect(result.code).toBe(0);
    expect(server?.requests[0]).toMatchObject({
      method: 'POST',
      url: '/prompts/support-reply/versions/1.0.0/deprecation',
    });
    expect(JSON.parse(server?.requests[0]?.body ?? '')).toEqual({ reason: 'Promises refunds' });
    expect(result.stdout).toContain(
      'Deprecated support-reply@1.0.0: Promises refunds. Deploying it now needs --allow-deprecated.',
    );
  });

  it('refuses to run without a reason, sending nothing (exit 2)', async () => {
    const result = await against(
      () => ({ status: 500 }),
      ['deprecate', 'support-reply@1.0.0', '--reason', '  '],
    );
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--reason is required');
    expect(server?.requests).toEqual([]);
  });

  it('lifts the mark with DELETE', async () => {
    const result = await against(
      () => ({ status: 200, body: { id: 'support-reply', version: '1.0.0', deprecation: null } }),
      ['undeprecate', 'support-reply@1.0.0', '--json'],
    );
    expect(result.code).toBe(0);
    expect(server?.requests[0]).toMatchObject({
      method: 'DELETE',
      url: '/prompts/support-reply/versions/1.0.0/deprecation',
    });
    expect(JSON.parse(result.stdout)).toEqual({ id: 'support-reply', version: '1.0.0', deprecation: null });
  });

  it('reports the service refusing an unknown version (exit 1)', async () => {
    const result = await against(
      () => problem(404, 'NOT_FOUND', 'Prompt support-reply has no version 9.9.9'),
      ['deprecate', 'support-reply@9.9.9', '--reason', 'x'],
    );
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('Prompt support-reply has no version 9.9.9');
  });
});

describe('Command: archive / unarchive', () => {
  it('archives with a reason and unarchives', async () => {
    const archived = { by: 'local:alice', at: '2026-12-01T10:00:00.000Z', reason: 'Merged' };
    const first = await against(
      () => ({ status: 200, body: { id: 'support-answer', archived } }),
      ['archive', 'support-answer', '--reason', 'Merged'],
    );
    expect(first.code).toBe(0);
    expect(server?.requests[0]).toMatchObject({ method: 'POST', url: '/prompts/support-answer/archive' });
    expect(JSON.parse(server?.requests[0]?.body ?? '')).toEqual({ reason: 'Merged' });
    expect(first.stdout).toContain(
      'Archived support-answer (by local:alice at 2026-12-01T10:00:00.000Z: Merged)',
    );
    await server?.close();

    const second = await against(
      () => ({ status: 200, body: { id: 'support-answer', archived: null } }),
      ['unarchive', 'support-answer'],
    );
    expect(second.code).toBe(0);
    expect(server?.requests[0]).toMatchObject({ method: 'POST', url: '/prompts/support-answer/unarchive' });
  });

  it('names the environments that still pin the prompt (exit 1)', async () => {
    const result = await against(
      () =>
        problem(409, 'PROMPT_IN_USE', 'Prompt support-reply is still deployed in prod (1.0.0)', {
          environments: ['prod'],
        }),
      ['archive', 'support-reply'],
    );
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('still deployed in prod');
  });

  it('refuses a bad prompt id before any request (exit 2)', async () => {
    const result = await against(() => ({ status: 500 }), ['archive', 'Not_An_Id']);
    expect(result.code).toBe(2);
    expect(server?.requests).toEqual([]);
  });
});

describe('Command: review-due', () => {
  const report = {
    generatedAt: '2026-12-01T00:00:00.000Z',
    reviewEveryDays: 180,
    items: [
      {
        promptId: 'support-reply',
        version: '1.0.0',
        owner: 'support-team',
        environments: ['staging', 'prod'],
        createdAt: '2026-05-01T00:00:00.000Z',
        modelId: 'anthropic.claude-v2',
        reasons: [
          { kind: 'age', ageDays: 214, reviewEveryDays: 180 },
          { kind: 'model-retirement', modelId: 'anthropic.claude-v2', retiresOn: '2027-01-01', daysLeft: 31 },
        ],
      },
    ],
  };

  it('prints a table of what is due and why', async () => {
    const result = await against(() => ({ status: 200, body: report }), ['review-due']);
    expect(result.code).toBe(0);
    expect(server?.requests[0]).toMatchObject({ method: 'GET', url: '/review-due' });
    const lines = result.stdout.split('\n');
    expect(lines[0]).toMatch(/^PROMPT\s+OWNER\s+ENVIRONMENTS\s+PUBLISHED\s+WHY$/);
    expect(lines[1]).toContain('support-reply@1.0.0  support-team  staging,prod');
    expect(lines[1]).toContain(
      'published 214 days ago (review every 180 days); model anthropic.claude-v2 retires on 2027-01-01 (in 31 days)',
    );
    expect(result.stdout).toContain('1 version due for review (review every 180 days).');
  });

  it('says so when nothing is due, and --json prints the report', async () => {
    const empty = await against(() => ({ status: 200, body: { ...report, items: [] } }), ['review-due']);
    expect(empty.stdout).toContain('No pinned version is due for review');
    await server?.close();
    const json = await against(() => ({ status: 200, body: report }), ['review-due', '--json']);
    expect(JSON.parse(json.stdout)).toEqual(report);
  });
});

describe('Command: deploy --allow-deprecated', () => {
  it('asks the service to deploy deprecated versions and prints which went out', async () => {
    const result = await against(
      () => ({
        status: 202,
        body: {
          environment: 'dev',
          deploymentNumber: 4,
          state: 'DEPLOYING',
          revision: 4,
          deprecated: [{ id: 'support-reply', version: '1.0.0', reason: 'Promises refunds' }],
        },
      }),
      ['deploy', '--env', 'dev', 'support-reply@1.0.0', '--allow-deprecated'],
    );
    expect(result.code).toBe(0);
    expect(JSON.parse(server?.requests[0]?.body ?? '')).toEqual({
      prompts: { 'support-reply': '1.0.0' },
      allowDeprecated: true,
    });
    expect(result.stdout).toContain('Deprecated support-reply@1.0.0 deployed anyway: Promises refunds');
  });
});

describe('Command: lint --duplicates', () => {
  const document = (id: string, instructions: string) => `---
id: ${id}
description: ${id}
variables:
  ticket: { type: string, required: true }
---
## role
You are a support agent for Acme, a company that sells garden tools online.
## instructions
${instructions} {{ticket}}
## output_format
Plain text, at most 150 words.
`;
  const SUPPORT =
    'Read the customer ticket below and answer it in a friendly tone. Thank the customer for writing, restate the problem in one sentence, and give the next step they should take.';

  async function library(files: Record<string, string>) {
    await mkdir(join(dir.path, 'prompts'), { recursive: true });
    for (const [id, text] of Object.entries(files))
      await writeFile(join(dir.path, 'prompts', `${id}.prompt.md`), text);
  }

  it('names near-identical prompts and exits 1', async () => {
    await library({
      'support-reply': document('support-reply', SUPPORT),
      'support-answer': document('support-answer', SUPPORT.replace('friendly', 'warm')),
      'refund-triage': document(
        'refund-triage',
        'Classify the refund request below as eligible or not under the 30-day policy.',
      ),
    });
    const result = await run(['lint', '--duplicates', 'prompts'], { cwd: dir.path });
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(
      /support-answer ~ support-reply\s+0\.\d\d\s+output_format 1\.00, role 1\.00, instructions 0\.\d\d/,
    );
    expect(result.stdout).toContain('1 near-duplicate pair (similarity 0.8 or more)');

    const json = JSON.parse(
      (await run(['lint', '--duplicates', '--json', 'prompts'], { cwd: dir.path })).stdout,
    );
    expect(json.ok).toBe(false);
    expect(json.duplicates).toHaveLength(1);
    expect(json.duplicates[0]).toMatchObject({ a: { id: 'support-answer' }, b: { id: 'support-reply' } });
  });

  it('passes a library of distinct prompts (exit 0), and lint alone never compares', async () => {
    await library({
      'support-reply': document('support-reply', SUPPORT),
      'refund-triage': document(
        'refund-triage',
        'Classify the refund request below as eligible or not under the 30-day policy.',
      ),
    });
    const result = await run(['lint', '--duplicates', 'prompts'], { cwd: dir.path });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('No near-duplicate prompts (similarity 0.8 or more).');
    expect(
      JSON.parse((await run(['lint', '--json', 'prompts'], { cwd: dir.path })).stdout),
    ).not.toHaveProperty('duplicates');
  });

  it('refuses a threshold the finder cannot serve (exit 2)', async () => {
    await library({ 'support-reply': document('support-reply', SUPPORT) });
    const result = await run(['lint', '--duplicates', '--threshold', '0.5', 'prompts'], { cwd: dir.path });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('must be a number from 0.7 to 1');
  });
});
