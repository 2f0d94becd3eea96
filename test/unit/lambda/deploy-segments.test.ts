import {
  AppConfigClient,
  CreateHostedConfigurationVersionCommand,
  StartDeploymentCommand,
} from '@aws-sdk/client-appconfig';
import { mockClient } from 'aws-sdk-client-mock';
import fc from 'fast-check';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { validateManifest } from '../../../lambda/delivery/validate-manifest.ts';
import { createDeployHandler } from '../../../lambda/handlers/deploy.ts';
import { defaultPin, type Pin, pinSegments } from '../../../src/core/pins.ts';
import { BOB, call } from '../../fixtures/api.ts';
import { memoryDelivery } from '../../fixtures/delivery-fakes.ts';
import {
  type FakeAppConfig,
  fakeAppConfig,
  promptDocument,
  seedVersion,
} from '../../fixtures/delivery-setup.ts';
import { canonical } from '../../fixtures/registry.ts';
import { validateManifestSchema } from '../../fixtures/schema.ts';

const appconfig = mockClient(AppConfigClient);
let setup: ReturnType<typeof memoryDelivery>;
let fake: FakeAppConfig;
let handler: ReturnType<typeof createDeployHandler>;

const deploy = (env: string, body: unknown) =>
  call(handler, 'POST', `/environments/${env}/deployments`, { body, caller: BOB });
const rollback = (env: string, body?: unknown) =>
  call(handler, 'POST', `/environments/${env}/rollback`, {
    ...(body === undefined ? {} : { body }),
    caller: BOB,
  });
const pins = (env = 'dev') => setup.environments.states.get(env)?.pins;
const settle = () => {
  for (const number of fake.hosted.keys()) fake.states.set(number, { State: 'COMPLETE' });
};
const deploySettled = async (env: string, prompts: Record<string, unknown>) => {
  const response = await deploy(env, { prompts });
  expect(response.status, JSON.stringify(response.body)).toBe(202);
  settle();
};

/** What a refused request must leave as it was (recording a finished deployment's end aside). */
function written() {
  const state = setup.environments.states.get('dev');
  return {
    pins: state?.pins,
    lastRevision: state?.lastRevision,
    revisions: setup.environments.revisions.size,
    audit: [...setup.registry.audit.events.values()].filter((e) =>
      ['environment.deploy', 'environment.rollback'].includes(e.action),
    ).length,
    hosted: appconfig.commandCalls(CreateHostedConfigurationVersionCommand).length,
    started: appconfig.commandCalls(StartDeploymentCommand).length,
  };
}
let before: ReturnType<typeof written>;
const nothingWritten = () => expect(written()).toEqual(before);

async function fresh() {
  appconfig.reset();
  setup = memoryDelivery();
  fake = fakeAppConfig(appconfig);
  handler = createDeployHandler(() => setup.deps);
  for (const version of ['1.0.0', '1.1.0', '1.2.0', '1.3.0'])
    await seedVersion(setup.registry, 'support-reply', version);
  await seedVersion(setup.registry, 'summarize', '1.0.0');
  await seedVersion(setup.registry, 'support-reply', '2.0.0-rc.1', { approved: false });
}

afterAll(() => appconfig.restore());
beforeEach(async () => {
  await fresh();
  before = written();
});

describe('Handler: deploy, with segments', () => {
  describe('POST /environments/{env}/deployments', () => {
    it('pins segments next to the default; the manifest carries each segment pin', async () => {
      const response = await deploy('dev', {
        prompts: {
          'support-reply': {
            version: '1.1.0',
            segments: {
              beta: '1.2.0',
              internal: {
                variants: [
                  { version: '1.2.0', weight: 50 },
                  { version: '1.3.0', weight: 50 },
                ],
              },
            },
          },
        },
      });
      expect(response.status).toBe(202);
      expect(pins()).toEqual({
        'support-reply': {
          version: '1.1.0',
          segments: {
            beta: '1.2.0',
            internal: {
              variants: [
                { version: '1.2.0', weight: 50 },
                { version: '1.3.0', weight: 50 },
              ],
            },
          },
        },
      });
      const manifest = fake.hosted.get(1);
      expect(validateManifestSchema(manifest)).toBe(true);
      const entry = manifest?.prompts['support-reply'];
      expect(entry?.version).toBe('1.1.0');
      expect(entry?.segments?.beta).toMatchObject({ version: '1.2.0', kind: 'text' });
      expect(entry?.segments?.beta?.body).toContain('(1.2.0)');
      expect(entry?.segments?.internal?.variants?.map((v) => [v.version, v.weight])).toEqual([
        ['1.2.0', 50],
        ['1.3.0', 50],
      ]);
    });

    it('merges per segment: a default deploy keeps the segments, a segment deploy keeps the default and the other segments', async () => {
      await deploySettled('dev', { 'support-reply': { version: '1.0.0', segments: { beta: '1.1.0' } } });
      await deploySettled('dev', { 'support-reply': '1.1.0' });
      expect(pins()).toEqual({ 'support-reply': { version: '1.1.0', segments: { beta: '1.1.0' } } });
      await deploySettled('dev', { 'support-reply': { segments: { internal: '1.2.0' } } });
      expect(pins()).toEqual({
        'support-reply': { version: '1.1.0', segments: { beta: '1.1.0', internal: '1.2.0' } },
      });
      await deploySettled('dev', { 'support-reply': { segments: { beta: '1.3.0' } }, summarize: '1.0.0' });
      expect(pins()).toEqual({
        'support-reply': { version: '1.1.0', segments: { beta: '1.3.0', internal: '1.2.0' } },
        summarize: '1.0.0',
      });
    });

    it('removes a segment pin given null; without segments left the pin is the plain default again', async () => {
      await deploySettled('dev', {
        'support-reply': { version: '1.0.0', segments: { beta: '1.1.0', eu: '1.2.0' } },
      });
      await deploySettled('dev', { 'support-reply': { segments: { beta: null } } });
      expect(pins()).toEqual({ 'support-reply': { version: '1.0.0', segments: { eu: '1.2.0' } } });
      await deploySettled('dev', { 'support-reply': { segments: { eu: null } } });
      expect(pins()).toEqual({ 'support-reply': '1.0.0' });
      expect(fake.hosted.get(3)?.prompts['support-reply']?.segments).toBeUndefined();
    });

    it('audits the segments a deploy changed', async () => {
      await deploySettled('dev', { 'support-reply': { version: '1.0.0', segments: { beta: '1.1.0' } } });
      const events = [...setup.registry.audit.events.values()].filter(
        (e) => e.action === 'environment.deploy',
      );
      expect(events).toHaveLength(1);
      expect(events[0]).toMatchObject({
        target: 'support-reply@1.0.0',
        details: { segments: ['beta'], pin: { version: '1.0.0', segments: { beta: '1.1.0' } } },
      });
    });

    describe('gates apply to every version a segment pin names', () => {
      it('is 422 NOT_APPROVED in prod for an unapproved segment version, naming it', async () => {
        const response = await deploy('prod', {
          prompts: { 'support-reply': { version: '1.0.0', segments: { beta: '2.0.0-rc.1' } } },
        });
        expect(response.status).toBe(422);
        expect(response.body).toMatchObject({ code: 'NOT_APPROVED', versions: ['support-reply@2.0.0-rc.1'] });
        nothingWritten();
      });

      it('is 422 LINT_FAILED when a segment version fails lint; the kept default is not gated again', async () => {
        const text = promptDocument('support-reply', 'Answer {{question}}. Key: AKIAIOSFODNN7EXAMPLE');
        const { sha256 } = canonical(text);
        await setup.registry.bodies.put(sha256, canonical(text).text);
        await setup.registry.prompts.createVersion({
          id: 'support-reply',
          version: '1.9.0',
          sha256,
          size: text.length,
          createdBy: 'alice',
          createdAt: '2026-01-01T00:00:00.000Z',
          approvals: [],
        } as never);
        await deploySettled('dev', { 'support-reply': '1.0.0' });
        before = written();
        const response = await deploy('dev', {
          prompts: { 'support-reply': { segments: { beta: '1.9.0' } } },
        });
        expect(response.status).toBe(422);
        expect(response.body.code).toBe('LINT_FAILED');
        nothingWritten();
      });
    });

    describe('bad input: a problem response, nothing written', () => {
      const many = Object.fromEntries(Array.from({ length: 21 }, (_, i) => [`s${i}`, '1.1.0']));
      it.each<[string, unknown, number, string, string]>([
        [
          'an invalid segment name',
          { 'support-reply': { version: '1.0.0', segments: { Beta: '1.1.0' } } },
          400,
          'VALIDATION_FAILED',
          'prompts.support-reply.segments.Beta',
        ],
        [
          'a segment name over 32 characters',
          { 'support-reply': { version: '1.0.0', segments: { [`b${'x'.repeat(32)}`]: '1.1.0' } } },
          400,
          'VALIDATION_FAILED',
          `prompts.support-reply.segments.b${'x'.repeat(32)}`,
        ],
        [
          'more than 20 segments per prompt',
          { 'support-reply': { version: '1.0.0', segments: many } },
          400,
          'VALIDATION_FAILED',
          'prompts.support-reply.segments',
        ],
        [
          'segments that are not an object',
          { 'support-reply': { version: '1.0.0', segments: ['beta'] } },
          400,
          'VALIDATION_FAILED',
          'prompts.support-reply.segments',
        ],
        [
          'segments as a string',
          { 'support-reply': { version: '1.0.0', segments: 'beta' } },
          400,
          'VALIDATION_FAILED',
          'prompts.support-reply.segments',
        ],
        [
          'a segment pin that is not a version',
          { 'support-reply': { version: '1.0.0', segments: { beta: 'latest' } } },
          400,
          'VALIDATION_FAILED',
          'prompts.support-reply.segments.beta',
        ],
        [
          'both version and variants',
          { 'support-reply': { version: '1.0.0', variants: [{ version: '1.1.0', weight: 100 }] } },
          400,
          'VALIDATION_FAILED',
          'prompts.support-reply',
        ],
        [
          'segment pins for a prompt with no default pin',
          { summarize: { segments: { beta: '1.0.0' } } },
          400,
          'VALIDATION_FAILED',
          'prompts.summarize',
        ],
      ])('%s', async (_label, prompts, status, code, path) => {
        const response = await deploy('dev', { prompts });
        expect(response.status).toBe(status);
        expect(response.headers['content-type']).toBe('application/problem+json');
        expect(response.body).toMatchObject({ status, code });
        expect(response.body.errors?.map((e: { path: string }) => e.path)).toContain(path);
        nothingWritten();
      });

      it('is 404 NOT_FOUND for a segment pin naming an unknown version, naming it', async () => {
        const response = await deploy('dev', {
          prompts: { 'support-reply': { version: '1.0.0', segments: { beta: '9.9.9' } } },
        });
        expect(response.status).toBe(404);
        expect(response.body.code).toBe('NOT_FOUND');
        expect(response.body.detail).toContain('support-reply@9.9.9');
        nothingWritten();
      });

      it('is 400 when the merge would leave more than 20 segments', async () => {
        const twenty = Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`s${i}`, '1.1.0']));
        await deploySettled('dev', { 'support-reply': { version: '1.0.0', segments: twenty } });
        before = written();
        const response = await deploy('dev', {
          prompts: { 'support-reply': { segments: { extra: '1.2.0' } } },
        });
        expect(response.status).toBe(400);
        expect(response.body.detail).toMatch(/at most 20 segments/);
        nothingWritten();
      });
    });
  });

  describe('POST /environments/{env}/rollback with segments', () => {
    it('reverts only the named segment, to its previous pin; the default and other segments stay', async () => {
      await deploySettled('dev', {
        'support-reply': { version: '1.0.0', segments: { beta: '1.1.0', eu: '1.1.0' } },
      });
      await deploySettled('dev', {
        'support-reply': { version: '1.1.0', segments: { beta: '1.2.0', eu: '1.2.0' } },
      });
      const response = await rollback('dev', { segments: ['beta'], reason: 'beta users see errors' });
      expect(response.status).toBe(202);
      settle();
      expect(pins()).toEqual({
        'support-reply': { version: '1.1.0', segments: { beta: '1.1.0', eu: '1.2.0' } },
      });
      expect(setup.environments.revisions.get('dev#3')).toMatchObject({
        kind: 'rollback',
        description: 'beta users see errors',
        restoresSegments: { 'support-reply': { beta: 1 } },
      });
      const audit = [...setup.registry.audit.events.values()].find(
        (e) => e.action === 'environment.rollback',
      );
      expect(audit).toMatchObject({ promptId: 'support-reply', details: { segments: ['beta'] } });
    });

    it('removes a segment pin that did not exist before', async () => {
      await deploySettled('dev', { 'support-reply': '1.0.0', summarize: '1.0.0' });
      await deploySettled('dev', { 'support-reply': { segments: { beta: '1.2.0' } } });
      expect((await rollback('dev', { segments: ['beta'] })).status).toBe(202);
      settle();
      expect(pins()).toEqual({ 'support-reply': '1.0.0', summarize: '1.0.0' });
      expect(setup.environments.revisions.get('dev#3')?.restoresSegments).toEqual({
        'support-reply': { beta: 1 },
      });
    });

    it('removes a segment pin deployed with the first revision (back to the initial empty manifest)', async () => {
      await deploySettled('dev', { 'support-reply': { version: '1.0.0', segments: { beta: '1.2.0' } } });
      expect((await rollback('dev', { segments: ['beta'] })).status).toBe(202);
      settle();
      expect(pins()).toEqual({ 'support-reply': '1.0.0' });
    });

    it('rolling back again takes the segment one pin further back, then there is nothing left', async () => {
      await deploySettled('dev', { 'support-reply': { version: '1.0.0', segments: { beta: '1.1.0' } } });
      await deploySettled('dev', { 'support-reply': { segments: { beta: '1.2.0' } } });
      await deploySettled('dev', { 'support-reply': { segments: { beta: '1.3.0' } } });
      await deploySettled('dev', { 'support-reply': '1.1.0' }); // the default moves on in between
      await rollback('dev', { prompts: ['support-reply'], segments: ['beta'] });
      settle();
      expect(pins()).toEqual({ 'support-reply': { version: '1.1.0', segments: { beta: '1.2.0' } } });
      await rollback('dev', { prompts: ['support-reply'], segments: ['beta'] });
      settle();
      expect(pins()).toEqual({ 'support-reply': { version: '1.1.0', segments: { beta: '1.1.0' } } });
      await rollback('dev', { prompts: ['support-reply'], segments: ['beta'] });
      settle();
      expect(pins()).toEqual({ 'support-reply': '1.1.0' });
      before = written();
      const none = await rollback('dev', { prompts: ['support-reply'], segments: ['beta'] });
      expect(none.status).toBe(409);
      expect(none.body.code).toBe('NOTHING_TO_ROLL_BACK');
      nothingWritten();
    });

    it('is 409 NOTHING_TO_ROLL_BACK for a segment that never had a pin, writing nothing', async () => {
      await deploySettled('dev', { 'support-reply': { version: '1.0.0', segments: { beta: '1.1.0' } } });
      await deploySettled('dev', { 'support-reply': '1.1.0' });
      before = written();
      for (const body of [{ segments: ['eu'] }, { prompts: ['support-reply'], segments: ['eu'] }]) {
        const response = await rollback('dev', body);
        expect(response.status).toBe(409);
        expect(response.headers['content-type']).toBe('application/problem+json');
        expect(response.body).toMatchObject({ code: 'NOTHING_TO_ROLL_BACK' });
        expect(response.body.detail).toContain('eu');
      }
      nothingWritten();
    });

    it.each<[string, unknown, number, string]>([
      ['an invalid segment name', { segments: ['Beta!'] }, 400, 'VALIDATION_FAILED'],
      ['segments not a list', { segments: 'beta' }, 400, 'VALIDATION_FAILED'],
      ['an empty segment list', { segments: [] }, 400, 'VALIDATION_FAILED'],
      ['a prompt not deployed', { prompts: ['summarize'], segments: ['beta'] }, 404, 'NOT_FOUND'],
    ])('rejects %s, writing nothing', async (_label, body, status, code) => {
      await deploySettled('dev', { 'support-reply': { version: '1.0.0', segments: { beta: '1.1.0' } } });
      before = written();
      const response = await rollback('dev', body);
      expect(response.status).toBe(status);
      expect(response.body.code).toBe(code);
      nothingWritten();
    });

    it('is 409 DEPLOYMENT_IN_PROGRESS for a segment rollback while a deployment runs', async () => {
      await deploy('dev', {
        prompts: { 'support-reply': { version: '1.0.0', segments: { beta: '1.1.0' } } },
      });
      const response = await rollback('dev', { segments: ['beta'] });
      expect(response.status).toBe(409);
      expect(response.body.code).toBe('DEPLOYMENT_IN_PROGRESS');
    });

    it("rolling a segment back never changes another segment's or the default's pin (property)", async () => {
      const versions = ['1.0.0', '1.1.0', '1.2.0', '1.3.0'];
      const segmentNames = ['beta', 'eu', 'internal'];
      const step = fc.oneof(
        fc.record({ version: fc.constantFrom(...versions) }),
        fc.record({
          segments: fc.dictionary(
            fc.constantFrom(...segmentNames),
            fc.option(fc.constantFrom(...versions), { nil: null }),
            { minKeys: 1 },
          ),
        }),
      );
      await fc.assert(
        fc.asyncProperty(
          fc.array(step, { minLength: 1, maxLength: 6 }),
          fc.constantFrom(...segmentNames),
          async (steps, segment) => {
            await fresh();
            await deploySettled('dev', { 'support-reply': '1.0.0' });
            for (const update of steps) await deploySettled('dev', { 'support-reply': update });
            const before = pins()?.['support-reply'] as Pin;
            const response = await rollback('dev', { segments: [segment] });
            settle();
            const after = pins()?.['support-reply'] as Pin;
            if (response.status !== 202) {
              expect(response.body.code).toBe('NOTHING_TO_ROLL_BACK');
              expect(after).toEqual(before);
              return;
            }
            expect(defaultPin(after)).toEqual(defaultPin(before));
            const others = (pin: Pin) =>
              Object.fromEntries(Object.entries(pinSegments(pin)).filter(([name]) => name !== segment));
            expect(others(after)).toEqual(others(before));
            expect(pinSegments(after)[segment]).not.toEqual(pinSegments(before)[segment]);
          },
        ),
        { numRuns: 40 },
      );
    });
  });
});

describe('Function: validateManifest, with segments', () => {
  it('accepts the manifest a segment deploy built, and checks every segment pin against the store', async () => {
    await deploySettled('dev', { 'support-reply': { version: '1.0.0', segments: { beta: '1.1.0' } } });
    const manifest = structuredClone(fake.hosted.get(1)) as NonNullable<ReturnType<typeof fake.hosted.get>>;
    await expect(validateManifest(setup.deps.bodies, JSON.stringify(manifest))).resolves.toBeDefined();

    const beta = manifest.prompts['support-reply']?.segments?.beta as { body?: string };
    beta.body = 'tampered';
    await expect(validateManifest(setup.deps.bodies, JSON.stringify(manifest))).rejects.toThrow(
      /support-reply@1\.1\.0 \(segment beta\): the inline body differs/,
    );
  });

  it('rejects a segment with a bad name or more than 20 segments', async () => {
    await deploySettled('dev', { 'support-reply': { version: '1.0.0', segments: { beta: '1.1.0' } } });
    const manifest = structuredClone(fake.hosted.get(1)) as NonNullable<ReturnType<typeof fake.hosted.get>>;
    const entry = manifest.prompts['support-reply'] as { segments: Record<string, unknown> };
    const beta = entry.segments.beta;
    entry.segments = { 'Not A Name': beta };
    await expect(validateManifest(setup.deps.bodies, JSON.stringify(manifest))).rejects.toThrow(
      /segments\.Not A Name: is not a segment name/,
    );
    expect(validateManifestSchema(manifest)).toBe(false);
    entry.segments = Object.fromEntries(Array.from({ length: 21 }, (_, i) => [`s${i}`, beta]));
    await expect(validateManifest(setup.deps.bodies, JSON.stringify(manifest))).rejects.toThrow(
      /at most 20 segments/,
    );
    expect(validateManifestSchema(manifest)).toBe(false);
  });
});
