/**
 * The registry handlers against real DynamoDB and S3 implementations over HTTP (dynalite and
 * s3rver by default; whatever PROMPTOPS_*_ENDPOINT point at otherwise).
 */
import { randomBytes } from 'node:crypto';
import { HeadObjectCommand } from '@aws-sdk/client-s3';
import { afterEach, describe, expect, it } from 'vitest';
import { sharedDocumentClient } from '../../lambda/adapters/aws-clients.ts';
import { sharedS3Client } from '../../lambda/adapters/s3-client.ts';
import { handler as publishHandler } from '../../lambda/handlers/publish.ts';
import { handler as queryHandler } from '../../lambda/handlers/query.ts';
import { handler as reviewHandler } from '../../lambda/handlers/review.ts';
import { bodyObjectKey, ENV } from '../../src/core/contracts.ts';
import { ALICE, BOB, CAROL, call } from '../fixtures/api.ts';
import { canonical } from '../fixtures/registry.ts';

/** A fresh prompt id per test, so tests share the stack without seeing each other. */
function promptId(): string {
  return `it-${randomBytes(5).toString('hex')}`;
}

function documentFor(
  id: string,
  description = 'Replies to a customer support ticket',
  outputFormat = 'Plain text, at most 150 words.',
): string {
  return `---
id: ${id}
description: ${description}
owner: support-team
variables:
  customer_name: { type: string, required: true }
  ticket: { type: string, required: true }
  tone: { type: string, required: false, default: friendly }
---
## role
You are a support agent for Acme.
## context
Customer: {{customer_name}}
## instructions
Answer the ticket below in a {{tone}} tone.
{{ticket}}
## output_format
${outputFormat}
`;
}

const publish = (id: string, body: Record<string, unknown>, caller = ALICE) =>
  call(publishHandler, 'POST', `/prompts/${id}/versions`, { body, caller });
const approve = (id: string, version: string, caller: string, comment?: string) =>
  call(reviewHandler, 'POST', `/prompts/${id}/versions/${version}/approvals`, {
    caller,
    ...(comment ? { body: { comment } } : {}),
  });
const get = (path: string, query?: Record<string, string>) =>
  call(queryHandler, 'GET', path, query ? { query } : {});

type Fault = { remove: () => void };
const faults: Fault[] = [];
afterEach(() => {
  for (const fault of faults.splice(0)) fault.remove();
});

/** Makes matching requests of an SDK client fail, as a real outage would. */
function injectFault(
  client: {
    middlewareStack: {
      add: (mw: never, options: { step: 'initialize'; name: string }) => void;
      remove: (name: string) => boolean;
    };
  },
  matches: (input: Record<string, unknown>, command: string) => boolean,
): void {
  const name = `fault-${randomBytes(3).toString('hex')}`;
  const middleware = ((next: (args: unknown) => Promise<unknown>, context: { commandName?: string }) =>
    async (args: { input: Record<string, unknown> }) => {
      if (matches(args.input, context.commandName ?? ''))
        throw Object.assign(new Error('injected outage'), { name: 'InternalServerError' });
      return next(args);
    }) as never;
  client.middlewareStack.add(middleware, { step: 'initialize', name });
  faults.push({ remove: () => client.middlewareStack.remove(name) });
}

describe('registry over DynamoDB and S3', () => {
  it('publish -> approve -> list -> get -> diff -> audit', async () => {
    const id = promptId();

    const first = await publish(id, { document: documentFor(id), message: 'first cut' });
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({ id, version: '1.0.0', createdBy: ALICE, bump: { level: 'major' } });

    const retry = await publish(id, { document: documentFor(id), message: 'first cut' });
    expect(retry.status).toBe(200);
    expect(retry.body).toEqual(first.body);

    const patch = await publish(id, { document: documentFor(id, 'Replies kindly') });
    expect(patch.status).toBe(201);
    expect(patch.body.version).toBe('1.0.1');
    expect(patch.body.bump).toEqual({ level: 'patch', reasons: ['patch: description changed'] });

    const major = await publish(id, {
      document: documentFor(id, 'Replies kindly', 'JSON with a reply field.'),
    });
    expect(major.body.version).toBe('2.0.0');
    expect(major.body.bump.reasons).toEqual(['major: section "output_format" text changed']);

    expect((await approve(id, '2.0.0', ALICE)).status).toBe(403);
    const approval = await approve(id, '2.0.0', BOB, 'ship it');
    expect(approval.status).toBe(201);
    const again = await approve(id, '2.0.0', BOB, 'ship it again');
    expect(again.status).toBe(200);
    expect(again.body).toEqual(approval.body);
    expect((await approve(id, '2.0.0', CAROL)).status).toBe(201);
    expect((await approve(id, '9.0.0', BOB)).status).toBe(404);

    const prompt = await get(`/prompts/${id}`);
    expect(prompt.body).toEqual({
      id,
      latestVersion: '2.0.0',
      description: 'Replies kindly',
      owner: 'support-team',
      environments: {},
    });

    const versions = await get(`/prompts/${id}/versions`);
    expect(versions.body.items.map((v: { version: string }) => v.version)).toEqual([
      '2.0.0',
      '1.0.1',
      '1.0.0',
    ]);
    expect(versions.body.items[0].approvals.map((a: { by: string }) => a.by).sort()).toEqual(
      [BOB, CAROL].sort(),
    );
    expect(versions.body.items[2].message).toBe('first cut');

    const page1 = await get(`/prompts/${id}/versions`, { limit: '2' });
    expect(page1.body.items).toHaveLength(2);
    const page2 = await get(`/prompts/${id}/versions`, { limit: '2', cursor: page1.body.nextCursor });
    expect(page2.body.items.map((v: { version: string }) => v.version)).toEqual(['1.0.0']);
    expect(page2.body.nextCursor).toBeUndefined();
    // A cursor is only good for the listing it came from: anywhere else it is a 400, not a 500.
    const elsewhere = [
      ['/prompts', page1.body.nextCursor],
      ['/prompts/someone-else/versions', page1.body.nextCursor],
      ['/audit', page1.body.nextCursor],
      [`/prompts/${id}/versions`, Buffer.from(JSON.stringify({ pk: 'X', sk: 'Y' })).toString('base64url')],
    ];
    for (const [path, cursor] of elsewhere) {
      const refused = await get(path as string, { cursor: cursor as string });
      expect(refused.status, path).toBe(400);
      expect(refused.body.code).toBe('BAD_REQUEST');
    }

    const version = await get(`/prompts/${id}/versions/1.0.0`);
    expect(version.body.document).toBe(canonical(documentFor(id)).text);
    expect(version.body.sha256).toBe(canonical(documentFor(id)).sha256);

    const diff = await get(`/prompts/${id}/diff`, { from: '1.0.0', to: '2.0.0' });
    expect(diff.body.bump.level).toBe('major');
    expect(diff.body.unified).toContain('+JSON with a reply field.');

    const listed = await get('/prompts', { limit: '100' });
    const summaries: { id: string; latestVersion: string }[] = listed.body.items;
    let cursor = listed.body.nextCursor;
    while (cursor && !summaries.some((s) => s.id === id)) {
      const next = await get('/prompts', { limit: '100', cursor });
      summaries.push(...next.body.items);
      cursor = next.body.nextCursor;
    }
    expect(summaries.find((s) => s.id === id)).toMatchObject({
      latestVersion: '2.0.0',
      description: 'Replies kindly',
    });

    const audit = await get('/audit', { promptId: id });
    expect(
      audit.body.items.map((e: { action: string; target: string }) => `${e.action} ${e.target}`),
    ).toEqual([
      `prompt.approve ${id}@2.0.0`,
      `prompt.approve ${id}@2.0.0`,
      `prompt.publish ${id}@2.0.0`,
      `prompt.publish ${id}@1.0.1`,
      `prompt.publish ${id}@1.0.0`,
    ]);
    const all = await get('/audit', { limit: '5' });
    expect(all.status).toBe(200);
    expect(all.body.items.length).toBeGreaterThan(0);
  });

  it('50 parallel publishes of the same new version and document: one 201, 49 idempotent 200s, one item', async () => {
    const id = promptId();
    const responses = await Promise.all(
      Array.from({ length: 50 }, () => publish(id, { document: documentFor(id), version: '1.0.0' })),
    );
    const statuses = responses.map((r) => r.status).sort();
    expect(statuses.filter((s) => s === 201)).toHaveLength(1);
    expect(statuses.filter((s) => s === 200)).toHaveLength(49);
    const versions = await get(`/prompts/${id}/versions`);
    expect(versions.body.items).toHaveLength(1);
    const audit = await get('/audit', { promptId: id });
    expect(audit.body.items).toHaveLength(1);
  });

  it('50 parallel publishes of the same version with different documents: one 201, 49 409s, the winner visible', async () => {
    const id = promptId();
    const responses = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        publish(id, { document: documentFor(id, `Variant ${i}`), version: '1.0.0' }),
      ),
    );
    const created = responses.filter((r) => r.status === 201);
    const conflicts = responses.filter((r) => r.status === 409);
    expect(created).toHaveLength(1);
    expect(conflicts).toHaveLength(49);
    for (const conflict of conflicts) expect(conflict.body.code).toBe('VERSION_EXISTS');
    const versions = await get(`/prompts/${id}/versions`);
    expect(versions.body.items).toHaveLength(1);
    expect(versions.body.items[0].sha256).toBe(created[0]?.body.sha256);
    const document = await get(`/prompts/${id}/versions/1.0.0`);
    expect(canonical(document.body.document).sha256).toBe(created[0]?.body.sha256);
  });

  it('S3 failing: a 5xx problem and no version item', async () => {
    const id = promptId();
    injectFault(sharedS3Client(), (_input, command) => command === 'PutObjectCommand');
    const response = await publish(id, { document: documentFor(id) });
    expect(response.status).toBe(500);
    expect(response.body.code).toBe('INTERNAL');
    expect((await get(`/prompts/${id}/versions`)).status).toBe(404);
    expect((await get(`/prompts/${id}`)).status).toBe(404);
  });

  it('DynamoDB failing after the body landed: nothing visible, and the retry succeeds', async () => {
    const id = promptId();
    const { sha256 } = canonical(documentFor(id));
    // Document client commands reach the middleware as the base client's PutItemCommand.
    injectFault(
      sharedDocumentClient(),
      (input, command) =>
        command === 'PutItemCommand' && String((input.Item as { sk?: string })?.sk).startsWith('VERSION#'),
    );
    const failed = await publish(id, { document: documentFor(id) });
    expect(failed.status).toBe(500);

    await expect(
      sharedS3Client().send(
        new HeadObjectCommand({ Bucket: process.env[ENV.bodyBucket], Key: bodyObjectKey(sha256) }),
      ),
    ).resolves.toBeDefined();
    expect((await get(`/prompts/${id}/versions`)).status).toBe(404);
    expect((await get('/audit', { promptId: id })).body.items).toEqual([]);

    for (const fault of faults.splice(0)) fault.remove();
    const retry = await publish(id, { document: documentFor(id) });
    expect(retry.status).toBe(201);
    expect(retry.body.sha256).toBe(sha256);
    expect((await get(`/prompts/${id}/versions`)).body.items).toHaveLength(1);
  });
});
