/**
 * Library maintenance through the handlers (docs/maintenance.md): deprecation (review handler),
 * archival (publish handler), the deploy gate's checks, the listings and reports (query handler), over
 * the in-memory registry and a mocked AppConfig. Every refusal is a problem and writes nothing.
 */
import {
  AppConfigClient,
  CreateHostedConfigurationVersionCommand,
  StartDeploymentCommand,
} from '@aws-sdk/client-appconfig';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { createDeployHandler } from '../../../lambda/handlers/deploy.ts';
import { createPublishHandler } from '../../../lambda/handlers/publish.ts';
import { createQueryHandler } from '../../../lambda/handlers/query.ts';
import { createReviewHandler } from '../../../lambda/handlers/review.ts';
import { reviewDueReport } from '../../../lambda/maintenance/review-due.ts';
import { ownerNotices, sendReviewReminders } from '../../../lambda/maintenance/review-reminder.ts';
import { publishVersion } from '../../../lambda/registry/publish-version.ts';
import { ALICE, BOB, CAROL, type CallResult, call } from '../../fixtures/api.ts';
import { memoryDelivery } from '../../fixtures/delivery-fakes.ts';
import {
  type FakeAppConfig,
  fakeAppConfig,
  promptDocument,
  seedVersion,
} from '../../fixtures/delivery-setup.ts';

const appconfig = mockClient(AppConfigClient);
let setup: ReturnType<typeof memoryDelivery>;
let fake: FakeAppConfig;
let review: ReturnType<typeof createReviewHandler>;
let publish: ReturnType<typeof createPublishHandler>;
let query: ReturnType<typeof createQueryHandler>;
let deploy: ReturnType<typeof createDeployHandler>;

const deprecation = (id: string, version: string) => `/prompts/${id}/versions/${version}/deprecation`;
const deprecate = (id: string, version: string, body: unknown, caller = BOB) =>
  call(review, 'POST', deprecation(id, version), body === undefined ? { caller } : { body, caller });
const undeprecate = (id: string, version: string, caller = BOB) =>
  call(review, 'DELETE', deprecation(id, version), { caller });
const archive = (id: string, body?: unknown, caller = ALICE) =>
  call(publish, 'POST', `/prompts/${id}/archive`, body === undefined ? { caller } : { body, caller });
const unarchive = (id: string, caller = ALICE) =>
  call(publish, 'POST', `/prompts/${id}/unarchive`, { caller });
const deployTo = (env: string, body: unknown) =>
  call(deploy, 'POST', `/environments/${env}/deployments`, { body, caller: BOB });

/** Everything a request could have written, to compare before and after a refusal. */
function snapshot() {
  return JSON.stringify({
    versions: [...setup.registry.prompts.versions.entries()],
    summaries: [...setup.registry.prompts.summaries.entries()],
    bodies: setup.registry.bodies.objects.size,
    audit: [...setup.registry.audit.events.keys()],
    environments: setup.environments.writes,
    hosted: appconfig.commandCalls(CreateHostedConfigurationVersionCommand).length,
    started: appconfig.commandCalls(StartDeploymentCommand).length,
  });
}

async function expectNothingWritten(request: () => Promise<CallResult>): Promise<CallResult> {
  const before = snapshot();
  const response = await request();
  expect(snapshot()).toBe(before);
  return response;
}

const auditActions = () => [...setup.registry.audit.events.values()].map((e) => e.action);

afterAll(() => appconfig.restore());
beforeEach(async () => {
  appconfig.reset();
  fake = fakeAppConfig(appconfig);
  setup = memoryDelivery();
  review = createReviewHandler(() => setup.deps);
  publish = createPublishHandler(() => setup.deps);
  query = createQueryHandler(() => setup.deps);
  deploy = createDeployHandler(() => setup.deps);
  await seedVersion(setup.registry, 'support-reply', '1.0.0');
  await seedVersion(setup.registry, 'support-reply', '1.1.0');
  await seedVersion(setup.registry, 'summarize', '1.0.0');
});

describe('Deprecation: POST and DELETE /prompts/{id}/versions/{version}/deprecation', () => {
  it('marks a version deprecated with who, when and why, audited: 201, then 200 with the first mark', async () => {
    const first = await deprecate('support-reply', '1.0.0', { reason: '  Promises refunds  ' });
    expect(first.status).toBe(201);
    expect(first.body).toEqual({
      id: 'support-reply',
      version: '1.0.0',
      deprecation: { by: BOB, at: expect.stringMatching(/^\d{4}-/), reason: 'Promises refunds' },
    });
    const again = await deprecate('support-reply', '1.0.0', { reason: 'Something else' }, CAROL);
    expect(again.status).toBe(200);
    expect(again.body.deprecation).toEqual(first.body.deprecation);
    expect(auditActions().filter((a) => a === 'prompt.deprecate')).toHaveLength(1);
    const audit = [...setup.registry.audit.events.values()].find((e) => e.action === 'prompt.deprecate');
    expect(audit).toMatchObject({
      actor: BOB,
      target: 'support-reply@1.0.0',
      details: { reason: 'Promises refunds' },
    });

    const versions = await call(query, 'GET', '/prompts/support-reply/versions');
    expect(
      versions.body.items.map((v: { version: string; deprecation?: unknown }) => [v.version, v.deprecation]),
    ).toEqual([
      ['1.1.0', undefined],
      ['1.0.0', first.body.deprecation],
    ]);
    const details = await call(query, 'GET', '/prompts/support-reply/versions/1.0.0');
    expect(details.body.deprecation).toEqual(first.body.deprecation);
  });

  it('lifts the mark with DELETE (audited), and lifting it again changes nothing', async () => {
    await deprecate('support-reply', '1.0.0', { reason: 'Old tone' });
    const lifted = await undeprecate('support-reply', '1.0.0', CAROL);
    expect(lifted.status).toBe(200);
    expect(lifted.body).toEqual({ id: 'support-reply', version: '1.0.0', deprecation: null });
    expect(setup.registry.prompts.versions.get('support-reply@1.0.0')?.deprecation).toBeUndefined();
    const audit = [...setup.registry.audit.events.values()].find((e) => e.action === 'prompt.undeprecate');
    expect(audit).toMatchObject({ actor: CAROL, details: { reason: 'Old tone' } });
    const again = await expectNothingWritten(() => undeprecate('support-reply', '1.0.0'));
    expect(again.status).toBe(200);
    // Deprecated again later: a new event, not the first one's id.
    await deprecate('support-reply', '1.0.0', { reason: 'Old tone, again' });
    expect(auditActions().filter((a) => a === 'prompt.deprecate')).toHaveLength(2);
  });

  it.each([
    ['an empty reason', { reason: '' }, 400, 'VALIDATION_FAILED', 'reason'],
    ['a reason of spaces', { reason: '   ' }, 400, 'VALIDATION_FAILED', 'reason'],
    ['no reason', {}, 400, 'VALIDATION_FAILED', 'reason'],
    ['a reason over 1,000 characters', { reason: 'x'.repeat(1001) }, 400, 'VALIDATION_FAILED', 'reason'],
    ['an unknown field', { reason: 'ok', force: true }, 400, 'VALIDATION_FAILED', 'force'],
    ['no body', undefined, 400, 'VALIDATION_FAILED', undefined],
  ])('refuses %s: problem, nothing written', async (_name, body, status, code, path) => {
    const response = await expectNothingWritten(() => deprecate('support-reply', '1.0.0', body));
    expect(response.status).toBe(status);
    expect(response.body.code).toBe(code);
    if (path) expect(response.body.errors.map((e: { path: string }) => e.path)).toContain(path);
  });

  it('refuses an unknown version or prompt, and a bad version, naming them; nothing written', async () => {
    for (const [id, version, status, code] of [
      ['support-reply', '9.9.9', 404, 'NOT_FOUND'],
      ['no-such-prompt', '1.0.0', 404, 'NOT_FOUND'],
      ['support-reply', '1.0', 400, 'VALIDATION_FAILED'],
    ] as const) {
      const response = await expectNothingWritten(() => deprecate(id, version, { reason: 'x' }));
      expect(response.status).toBe(status);
      expect(response.body.code).toBe(code);
      const lifted = await expectNothingWritten(() => undeprecate(id, version));
      expect(lifted.status).toBe(status);
    }
    const response = await deprecate('support-reply', '9.9.9', { reason: 'x' });
    expect(response.body.detail).toContain('support-reply has no version 9.9.9');
  });
});

describe('Deploy gate: deprecated versions', () => {
  beforeEach(async () => {
    await deprecate('support-reply', '1.0.0', { reason: 'Promises refunds' });
  });

  it('refuses a deprecated version: 422 VERSION_DEPRECATED naming each with its reason; nothing written', async () => {
    const response = await expectNothingWritten(() =>
      deployTo('dev', { prompts: { 'support-reply': '1.0.0', summarize: '1.0.0' } }),
    );
    expect(response.status).toBe(422);
    expect(response.body).toMatchObject({
      code: 'VERSION_DEPRECATED',
      title: 'Version deprecated',
      versions: [{ id: 'support-reply', version: '1.0.0', reason: 'Promises refunds' }],
    });
    expect(response.body.detail).toContain('allowDeprecated');
  });

  it('refuses a deprecated variant of an A/B split too', async () => {
    const response = await deployTo('dev', {
      prompts: {
        'support-reply': {
          variants: [
            { version: '1.0.0', weight: 10 },
            { version: '1.1.0', weight: 90 },
          ],
        },
      },
    });
    expect(response.status).toBe(422);
    expect(response.body.versions).toEqual([
      { id: 'support-reply', version: '1.0.0', reason: 'Promises refunds' },
    ]);
  });

  it('deploys it with allowDeprecated: true, saying so in the answer, the manifest and the audit', async () => {
    const response = await deployTo('dev', { prompts: { 'support-reply': '1.0.0' }, allowDeprecated: true });
    expect(response.status).toBe(202);
    expect(response.body.deprecated).toEqual([
      { id: 'support-reply', version: '1.0.0', reason: 'Promises refunds' },
    ]);
    const manifest = fake.hosted.get(1);
    expect(manifest?.prompts['support-reply']).toMatchObject({ version: '1.0.0', deprecated: true });
    const audit = [...setup.registry.audit.events.values()].find((e) => e.action === 'environment.deploy');
    expect(audit?.details).toMatchObject({ deprecated: [{ version: '1.0.0', reason: 'Promises refunds' }] });
  });

  it('leaves a version that is not deprecated unmarked in the manifest and the answer', async () => {
    const response = await deployTo('dev', { prompts: { summarize: '1.0.0' } });
    expect(response.status).toBe(202);
    expect(response.body).not.toHaveProperty('deprecated');
    expect(fake.hosted.get(1)?.prompts.summarize).not.toHaveProperty('deprecated');
  });

  it('refuses allowDeprecated that is not a boolean', async () => {
    const response = await expectNothingWritten(() =>
      deployTo('dev', { prompts: { 'support-reply': '1.0.0' }, allowDeprecated: 'yes' }),
    );
    expect(response.status).toBe(400);
    expect(response.body.errors).toEqual([{ path: 'allowDeprecated', message: 'must be true or false' }]);
  });

  it('lets a rollback restore a deprecated version, naming it in the answer', async () => {
    await undeprecate('support-reply', '1.0.0');
    expect((await deployTo('dev', { prompts: { 'support-reply': '1.0.0' } })).status).toBe(202);
    fake.states.set(1, { State: 'COMPLETE' });
    expect((await deployTo('dev', { prompts: { 'support-reply': '1.1.0' } })).status).toBe(202);
    fake.states.set(2, { State: 'COMPLETE' });
    await deprecate('support-reply', '1.0.0', { reason: 'Promises refunds' });
    const rolledBack = await call(deploy, 'POST', '/environments/dev/rollback', {
      body: { prompts: ['support-reply'] },
      caller: BOB,
    });
    expect(rolledBack.status).toBe(202);
    expect(rolledBack.body.deprecated).toEqual([
      { id: 'support-reply', version: '1.0.0', reason: 'Promises refunds' },
    ]);
    expect(fake.hosted.get(3)?.prompts['support-reply']).toMatchObject({
      version: '1.0.0',
      deprecated: true,
    });
  });
});

describe('Archival: POST /prompts/{id}/archive and /unarchive', () => {
  it('archives an unpinned prompt (audited): it leaves the listing, ?include=archived and GET show it', async () => {
    const response = await archive('summarize', { reason: 'Merged into support-reply' });
    expect(response.status).toBe(200);
    expect(response.body).toEqual({
      id: 'summarize',
      archived: { by: ALICE, at: expect.stringMatching(/^\d{4}-/), reason: 'Merged into support-reply' },
    });
    expect(auditActions()).toContain('prompt.archive');

    const listed = await call(query, 'GET', '/prompts');
    expect(listed.body.items.map((p: { id: string }) => p.id)).toEqual(['support-reply']);
    const all = await call(query, 'GET', '/prompts', { query: { include: 'archived' } });
    expect(
      all.body.items.map((p: { id: string; archived?: unknown }) => [p.id, p.archived !== undefined]),
    ).toEqual([
      ['support-reply', false],
      ['summarize', true],
    ]);
    const details = await call(query, 'GET', '/prompts/summarize');
    expect(details.body.archived).toEqual(response.body.archived);
    // History, bodies and audit stay.
    expect((await call(query, 'GET', '/prompts/summarize/versions/1.0.0')).status).toBe(200);

    const again = await expectNothingWritten(() => archive('summarize', undefined, CAROL));
    expect(again.body.archived).toEqual(response.body.archived);
  });

  it('refuses a prompt an environment pins: 409 PROMPT_IN_USE naming the environments; nothing written', async () => {
    setup.registry.prompts.pins.set('staging', { 'support-reply': '1.0.0' });
    setup.registry.prompts.pins.set('prod', {
      'support-reply': {
        variants: [
          { version: '1.0.0', weight: 50 },
          { version: '1.1.0', weight: 50 },
        ],
      },
    });
    const response = await expectNothingWritten(() => archive('support-reply'));
    expect(response.status).toBe(409);
    expect(response.body).toMatchObject({ code: 'PROMPT_IN_USE', environments: ['staging', 'prod'] });
    expect(response.body.detail).toContain('staging (1.0.0), prod (1.0.0, 1.1.0)');
  });

  it.each([
    ['an unknown prompt', 'no-such-prompt', undefined, 404, 'NOT_FOUND'],
    ['an invalid id', 'Bad_Id', undefined, 400, 'VALIDATION_FAILED'],
    ['a reason of spaces', 'summarize', { reason: '  ' }, 400, 'VALIDATION_FAILED'],
    ['an unknown field', 'summarize', { why: 'x' }, 400, 'VALIDATION_FAILED'],
  ])('refuses %s: problem, nothing written', async (_name, id, body, status, code) => {
    const response = await expectNothingWritten(() => archive(id, body));
    expect(response.status).toBe(status);
    expect(response.body.code).toBe(code);
  });

  it('refuses to publish to an archived prompt: 409 PROMPT_ARCHIVED, no version or body written', async () => {
    await archive('summarize', { reason: 'Retired' });
    const response = await expectNothingWritten(() =>
      call(publish, 'POST', '/prompts/summarize/versions', {
        body: { document: promptDocument('summarize', 'Summarize {{question}} in one line.') },
        caller: ALICE,
      }),
    );
    expect(response.status).toBe(409);
    expect(response.body.code).toBe('PROMPT_ARCHIVED');
    expect(response.body.detail).toContain('promptops unarchive summarize');
  });

  it('refuses to deploy an archived prompt: 409 PROMPT_ARCHIVED; nothing written', async () => {
    await archive('summarize');
    const response = await expectNothingWritten(() => deployTo('dev', { prompts: { summarize: '1.0.0' } }));
    expect(response.status).toBe(409);
    expect(response.body.code).toBe('PROMPT_ARCHIVED');
  });

  it('unarchive brings it back: listed, publishable and deployable again (audited)', async () => {
    await archive('summarize');
    const response = await unarchive('summarize', CAROL);
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ id: 'summarize', archived: null });
    expect(auditActions()).toContain('prompt.unarchive');
    expect((await call(query, 'GET', '/prompts')).body.items).toHaveLength(2);
    const published = await call(publish, 'POST', '/prompts/summarize/versions', {
      body: { document: promptDocument('summarize', 'Summarize {{question}} in one line.') },
      caller: ALICE,
    });
    expect(published.status).toBe(201);
    expect((await deployTo('dev', { prompts: { summarize: '1.0.0' } })).status).toBe(202);
    // Unarchiving what is not archived changes nothing; an unknown prompt is 404.
    expect((await expectNothingWritten(() => unarchive('summarize'))).status).toBe(200);
    expect((await expectNothingWritten(() => unarchive('no-such-prompt'))).status).toBe(404);
  });

  it('refuses an unknown include value', async () => {
    const response = await call(query, 'GET', '/prompts', { query: { include: 'deleted' } });
    expect(response.status).toBe(400);
    expect(response.body.detail).toContain('"deleted"');
  });
});

describe('GET /prompts?similar-to=<id>', () => {
  beforeEach(async () => {
    const text = [
      'Read the customer ticket {{question}} and answer it in a friendly tone.',
      'Thank the customer for writing, restate the problem in one sentence, and give the next step they should take.',
      'If the order number is missing, ask for it politely, and never promise refunds or delivery dates.',
    ].join(' ');
    await seedVersion(setup.registry, 'ticket-reply', '1.0.0', { instructions: text });
    await seedVersion(setup.registry, 'ticket-answer', '1.0.0', {
      instructions: text.replace('friendly', 'warm'),
    });
  });

  it('names the near-identical prompts with their similarity, section by section', async () => {
    const response = await call(query, 'GET', '/prompts', { query: { 'similar-to': 'ticket-reply' } });
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ id: 'ticket-reply', version: '1.0.0', threshold: 0.8 });
    expect(response.body.items).toEqual([
      {
        id: 'ticket-answer',
        version: '1.0.0',
        similarity: expect.any(Number),
        sections: [
          { section: 'output_format', similarity: 1 },
          { section: 'role', similarity: 1 },
          { section: 'instructions', similarity: expect.any(Number) },
        ],
      },
    ]);
    expect(response.body.items[0].similarity).toBeGreaterThanOrEqual(0.8);
  });

  it('leaves archived prompts out', async () => {
    await archive('ticket-answer');
    const response = await call(query, 'GET', '/prompts', { query: { 'similar-to': 'ticket-reply' } });
    expect(response.body.items).toEqual([]);
  });

  it.each([
    [{ 'similar-to': 'no-such-prompt' }, 404],
    [{ 'similar-to': 'Bad_Id' }, 400],
    [{ 'similar-to': 'ticket-reply', threshold: '0' }, 400],
    [{ 'similar-to': 'ticket-reply', threshold: '1.5' }, 400],
    [{ 'similar-to': 'ticket-reply', threshold: 'high' }, 400],
  ])('refuses %o with %i', async (parameters, status) => {
    expect((await call(query, 'GET', '/prompts', { query: parameters })).status).toBe(status);
  });
});

describe('Review due: GET /review-due and the daily reminder', () => {
  const NOW = new Date('2026-12-01T00:00:00.000Z');
  const pinAll = () => {
    setup.registry.prompts.pins.set('prod', { 'support-reply': '1.0.0' });
    setup.registry.prompts.pins.set('staging', {
      'support-reply': {
        variants: [
          { version: '1.0.0', weight: 50 },
          { version: '1.1.0', weight: 50 },
        ],
      },
      summarize: '1.0.0',
    });
  };
  const age = (key: string, createdAt: string) => {
    const record = setup.registry.prompts.versions.get(key);
    if (record) setup.registry.prompts.versions.set(key, { ...record, createdAt, owner: 'support-team' });
  };

  it('lists the pinned versions published reviewEveryDays (180) ago or more, with their environments', async () => {
    pinAll();
    age('support-reply@1.0.0', '2026-05-01T00:00:00.000Z');
    age('support-reply@1.1.0', '2026-11-01T00:00:00.000Z');
    const handler = createQueryHandler(() => ({ ...setup.deps, now: () => NOW }));
    const response = await call(handler, 'GET', '/review-due');
    expect(response.status).toBe(200);
    expect(response.body).toEqual({
      generatedAt: NOW.toISOString(),
      reviewEveryDays: 180,
      items: [
        {
          promptId: 'support-reply',
          version: '1.0.0',
          owner: 'support-team',
          environments: ['staging', 'prod'],
          createdAt: '2026-05-01T00:00:00.000Z',
          reasons: [{ kind: 'age', ageDays: 214, reviewEveryDays: 180 }],
        },
      ],
    });
  });

  it('flags a version whose model is on the retirement list, whatever its age', async () => {
    pinAll();
    const report = await reviewDueReport(
      { ...setup.deps, now: () => NOW },
      {
        environments: ['dev', 'staging', 'prod'],
        reviewEveryDays: 180,
        retirements: [{ modelId: 'anthropic.claude-v2', retiresOn: '2027-01-01' }],
      },
    );
    // The seeded documents name no model and are recent: nothing is due on either rule.
    expect(report.items).toEqual([]);

    const document = promptDocument('legacy-model').replace(
      'variables:',
      'owner: search-team\nmodel: { provider: bedrock, id: us.anthropic.claude-v2 }\nvariables:',
    );
    await publishVersion(setup.registry, { id: 'legacy-model', document, caller: ALICE, requestId: 'r1' });
    setup.registry.prompts.pins.set('dev', { 'legacy-model': '1.0.0' });
    const flagged = await reviewDueReport(
      { ...setup.deps, now: () => NOW },
      {
        environments: ['dev', 'staging', 'prod'],
        reviewEveryDays: 180,
        retirements: [{ modelId: 'anthropic.claude-v2', retiresOn: '2027-01-01' }],
      },
    );
    expect(flagged.items).toEqual([
      expect.objectContaining({
        promptId: 'legacy-model',
        owner: 'search-team',
        modelId: 'us.anthropic.claude-v2',
        environments: ['dev'],
        reasons: [
          {
            kind: 'model-retirement',
            modelId: 'us.anthropic.claude-v2',
            retiresOn: '2027-01-01',
            daysLeft: 31,
          },
        ],
      }),
    ]);
  });

  it('sends one message per owner to the owners topic, and none when nothing is due', async () => {
    pinAll();
    age('support-reply@1.0.0', '2026-01-01T00:00:00.000Z');
    const sent: { owner: string; subject: string; message: string }[] = [];
    const deps = {
      ...setup.deps,
      now: () => NOW,
      notifier: { notify: async (n: (typeof sent)[number]) => void sent.push(n) },
    };
    const settings = { environments: ['dev', 'staging', 'prod'], reviewEveryDays: 180, retirements: [] };
    const result = await sendReviewReminders(deps, settings);
    expect(result).toEqual({ due: 1, notified: ['support-team'] });
    expect(sent).toHaveLength(1);
    expect(sent[0]?.subject).toBe('PromptOps: 1 prompt version due for review (support-team)');
    expect(sent[0]?.message).toContain('- support-reply@1.0.0 in staging, prod');

    sent.length = 0;
    const later = await sendReviewReminders(
      { ...deps, now: () => new Date('2026-01-02T00:00:00.000Z') },
      settings,
    );
    expect(later).toEqual({ due: 0, notified: [] });
    expect(sent).toEqual([]);
    expect(ownerNotices({ generatedAt: '', reviewEveryDays: 180, items: [] })).toEqual([]);
  });
});
