/** Shadow pins through the deploy handler (docs/shadows.md): merge, gates, bad input, rollback. */
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
import { defaultPin, type Pin, pinSegments, pinShadow } from '../../../src/core/pins.ts';
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

/** What a refused request must leave as it was. */
function written(env = 'dev') {
  const state = setup.environments.states.get(env);
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
const nothingWritten = (env = 'dev') => expect(written(env)).toEqual(before);

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

describe('Handler: deploy, with shadows', () => {
  describe('POST /environments/{env}/deployments', () => {
    it('pins a shadow next to the default; the manifest carries it with its sample rate', async () => {
      const response = await deploy('dev', {
        prompts: { 'support-reply': { version: '1.1.0', shadow: { version: '1.2.0', sampleRate: 0.25 } } },
      });
      expect(response.status).toBe(202);
      expect(pins()).toEqual({
        'support-reply': { version: '1.1.0', shadow: { version: '1.2.0', sampleRate: 0.25 } },
      });
      const manifest = fake.hosted.get(1);
      expect(validateManifestSchema(manifest)).toBe(true);
      const entry = manifest?.prompts['support-reply'];
      expect(entry?.version).toBe('1.1.0');
      expect(entry?.shadow).toMatchObject({ version: '1.2.0', sampleRate: 0.25, kind: 'text' });
      expect(entry?.shadow?.body).toContain('(1.2.0)');
      // Output capture is off unless the environment's setting names it.
      expect(entry?.shadow).not.toHaveProperty('capture');
      await expect(validateManifest(setup.deps.bodies, JSON.stringify(manifest))).resolves.toBeDefined();
    });

    it('marks the shadow capture: true in the environments shadowOutputCapture names, and only there', async () => {
      appconfig.reset();
      setup = memoryDelivery({ shadowOutputCapture: ['prod'] });
      fake = fakeAppConfig(appconfig);
      handler = createDeployHandler(() => setup.deps);
      for (const version of ['1.1.0', '1.2.0']) await seedVersion(setup.registry, 'support-reply', version);
      const shadowed = {
        'support-reply': { version: '1.1.0', shadow: { version: '1.2.0', sampleRate: 0.5 } },
      };
      expect((await deploy('dev', { prompts: shadowed })).status).toBe(202);
      settle();
      expect((await deploy('prod', { prompts: shadowed })).status).toBe(202);
      const [dev, prod] = [...fake.hosted.values()];
      expect(dev?.environment).toBe('dev');
      expect(dev?.prompts['support-reply']?.shadow).not.toHaveProperty('capture');
      expect(prod?.environment).toBe('prod');
      expect(prod?.prompts['support-reply']?.shadow?.capture).toBe(true);
      expect(validateManifestSchema(prod)).toBe(true);
      await expect(validateManifest(setup.deps.bodies, JSON.stringify(prod))).resolves.toBeDefined();
    });

    it('a deploy that omits shadow keeps it; a shadow deploy keeps the default and the segments; shadow: null removes it', async () => {
      await deploySettled('dev', {
        'support-reply': {
          version: '1.0.0',
          segments: { beta: '1.1.0' },
          shadow: { version: '1.2.0', sampleRate: 1 },
        },
      });
      await deploySettled('dev', { 'support-reply': '1.1.0' });
      expect(pins()).toEqual({
        'support-reply': {
          version: '1.1.0',
          segments: { beta: '1.1.0' },
          shadow: { version: '1.2.0', sampleRate: 1 },
        },
      });
      await deploySettled('dev', { 'support-reply': { shadow: { version: '1.3.0', sampleRate: 0.1 } } });
      expect(pins()).toEqual({
        'support-reply': {
          version: '1.1.0',
          segments: { beta: '1.1.0' },
          shadow: { version: '1.3.0', sampleRate: 0.1 },
        },
      });
      await deploySettled('dev', { 'support-reply': { segments: { beta: null } } });
      expect(pins()).toEqual({
        'support-reply': { version: '1.1.0', shadow: { version: '1.3.0', sampleRate: 0.1 } },
      });
      await deploySettled('dev', { 'support-reply': { shadow: null } });
      expect(pins()).toEqual({ 'support-reply': '1.1.0' });
      expect(fake.hosted.get(5)?.prompts['support-reply']?.shadow).toBeUndefined();
    });

    it('promotes: the shadow version as the default with shadow: null in one deploy', async () => {
      await deploySettled('dev', {
        'support-reply': { version: '1.0.0', shadow: { version: '1.2.0', sampleRate: 0.5 } },
      });
      await deploySettled('dev', { 'support-reply': { version: '1.2.0', shadow: null } });
      expect(pins()).toEqual({ 'support-reply': '1.2.0' });
    });

    it('audits the shadow a deploy set or removed', async () => {
      await deploySettled('dev', {
        'support-reply': { version: '1.0.0', shadow: { version: '1.1.0', sampleRate: 0.5 } },
      });
      await deploySettled('dev', { 'support-reply': { shadow: null } });
      const events = [...setup.registry.audit.events.values()]
        .filter((e) => e.action === 'environment.deploy')
        .sort((a, b) => Number(a.details?.revision) - Number(b.details?.revision));
      expect(events).toHaveLength(2);
      expect(events[0]?.details).toMatchObject({
        shadow: { version: '1.1.0', sampleRate: 0.5 },
        previousShadow: null,
      });
      expect(events[1]?.details).toMatchObject({
        shadow: null,
        previousShadow: { version: '1.1.0', sampleRate: 0.5 },
      });
    });

    describe('gates apply to the shadow version as to any pinned one', () => {
      it('is 422 NOT_APPROVED in prod for an unapproved shadow, naming it', async () => {
        const response = await deploy('prod', {
          prompts: {
            'support-reply': { version: '1.0.0', shadow: { version: '2.0.0-rc.1', sampleRate: 0.1 } },
          },
        });
        expect(response.status).toBe(422);
        expect(response.body).toMatchObject({ code: 'NOT_APPROVED', versions: ['support-reply@2.0.0-rc.1'] });
        nothingWritten('prod');
      });

      it('is 422 EVALUATION_REQUIRED in prod for a shadow without a PASSED run of the suite', async () => {
        setup.evaluations.setSuite('support-reply', 2);
        setup.evaluations.addRun('support-reply', '1.0.0', { state: 'PASSED' });
        const response = await deploy('prod', {
          prompts: { 'support-reply': { version: '1.0.0', shadow: { version: '1.1.0', sampleRate: 0.1 } } },
        });
        expect(response.status).toBe(422);
        expect(response.body.code).toBe('EVALUATION_REQUIRED');
        expect(JSON.stringify(response.body)).toContain('1.1.0');
        nothingWritten('prod');
        setup.evaluations.addRun('support-reply', '1.1.0', { state: 'PASSED' });
        const admitted = await deploy('prod', {
          prompts: { 'support-reply': { version: '1.0.0', shadow: { version: '1.1.0', sampleRate: 0.1 } } },
        });
        expect(admitted.status).toBe(202);
        expect(Object.keys(admitted.body.evaluations['support-reply']).sort()).toEqual(['1.0.0', '1.1.0']);
      });

      it('is 422 LINT_FAILED when the shadow fails lint; a kept default is not gated again', async () => {
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
          prompts: { 'support-reply': { shadow: { version: '1.9.0', sampleRate: 0.5 } } },
        });
        expect(response.status).toBe(422);
        expect(response.body.code).toBe('LINT_FAILED');
        nothingWritten();
      });

      it('is 404 NOT_FOUND for a shadow naming an unknown version', async () => {
        const response = await deploy('dev', {
          prompts: { 'support-reply': { version: '1.0.0', shadow: { version: '9.9.9', sampleRate: 0.5 } } },
        });
        expect(response.status).toBe(404);
        expect(response.body.detail).toContain('support-reply@9.9.9');
        nothingWritten();
      });
    });

    describe('bad input: a problem response, nothing written', () => {
      const shadowOf = (shadow: unknown) => ({ 'support-reply': { version: '1.0.0', shadow } });
      it.each<[string, Record<string, unknown>, string]>([
        [
          'sampleRate 0',
          shadowOf({ version: '1.1.0', sampleRate: 0 }),
          'prompts.support-reply.shadow.sampleRate',
        ],
        [
          'sampleRate below 0',
          shadowOf({ version: '1.1.0', sampleRate: -0.1 }),
          'prompts.support-reply.shadow.sampleRate',
        ],
        [
          'sampleRate above 1',
          shadowOf({ version: '1.1.0', sampleRate: 1.01 }),
          'prompts.support-reply.shadow.sampleRate',
        ],
        [
          'sampleRate as a string',
          shadowOf({ version: '1.1.0', sampleRate: '0.5' }),
          'prompts.support-reply.shadow.sampleRate',
        ],
        ['no sampleRate', shadowOf({ version: '1.1.0' }), 'prompts.support-reply.shadow.sampleRate'],
        [
          'a shadow version that is not semver',
          shadowOf({ version: 'latest', sampleRate: 0.5 }),
          'prompts.support-reply.shadow.version',
        ],
        [
          'a shadow with unknown keys',
          shadowOf({ version: '1.1.0', sampleRate: 0.5, weight: 5 }),
          'prompts.support-reply.shadow',
        ],
        ['a shadow that is a string', shadowOf('1.1.0'), 'prompts.support-reply.shadow'],
        [
          'a shadow equal to the default version',
          shadowOf({ version: '1.0.0', sampleRate: 0.5 }),
          'prompts.support-reply.shadow.version',
        ],
        [
          'a shadow equal to one of the variants',
          {
            'support-reply': {
              variants: [
                { version: '1.0.0', weight: 90 },
                { version: '1.1.0', weight: 10 },
              ],
              shadow: { version: '1.1.0', sampleRate: 0.5 },
            },
          },
          'prompts.support-reply.shadow.version',
        ],
        [
          'a shadow on a prompt not pinned, without a default in the deploy',
          { summarize: { shadow: { version: '1.0.0', sampleRate: 0.5 } } },
          'prompts.summarize',
        ],
      ])('is 400 VALIDATION_FAILED for %s', async (_label, prompts, path) => {
        const response = await deploy('dev', { prompts });
        expect(response.status).toBe(400);
        expect(response.headers['content-type']).toBe('application/problem+json');
        expect(response.body).toMatchObject({ status: 400, code: 'VALIDATION_FAILED' });
        expect(response.body.errors?.map((e: { path: string }) => e.path)).toContain(path);
        nothingWritten();
      });

      it('is 400 when a new default equals the shadow the prompt keeps, naming shadow: null', async () => {
        await deploySettled('dev', {
          'support-reply': { version: '1.0.0', shadow: { version: '1.2.0', sampleRate: 0.5 } },
        });
        before = written();
        for (const update of ['1.2.0', { version: '1.2.0' }]) {
          const response = await deploy('dev', { prompts: { 'support-reply': update } });
          expect(response.status).toBe(400);
          expect(response.body.errors?.[0]?.path).toBe('prompts.support-reply.shadow.version');
          expect(response.body.detail).toContain('shadow: null');
        }
        nothingWritten();
      });
    });
  });

  describe('POST /environments/{env}/rollback with shadows', () => {
    it('rollback {prompts: [id]} clears a shadow the last deployment added, and records it', async () => {
      await deploySettled('dev', { 'support-reply': '1.0.0', summarize: '1.0.0' });
      await deploySettled('dev', { 'support-reply': { shadow: { version: '1.2.0', sampleRate: 0.2 } } });
      const response = await rollback('dev', { prompts: ['support-reply'] });
      expect(response.status).toBe(202);
      settle();
      expect(pins()).toEqual({ 'support-reply': '1.0.0', summarize: '1.0.0' });
      expect(fake.hosted.get(3)?.prompts['support-reply']?.shadow).toBeUndefined();
      expect(setup.environments.revisions.get('dev#3')).toMatchObject({
        kind: 'rollback',
        restoresPrompts: { 'support-reply': 1 },
      });
      const audit = [...setup.registry.audit.events.values()].find(
        (e) => e.action === 'environment.rollback',
      );
      expect(audit).toMatchObject({
        promptId: 'support-reply',
        details: { shadow: null, previousShadow: { version: '1.2.0', sampleRate: 0.2 } },
      });
    });

    it('restores the previous shadow when the last deployment replaced it', async () => {
      await deploySettled('dev', {
        'support-reply': { version: '1.0.0', shadow: { version: '1.1.0', sampleRate: 0.2 } },
      });
      await deploySettled('dev', { 'support-reply': { shadow: { version: '1.2.0', sampleRate: 0.5 } } });
      expect((await rollback('dev', { prompts: ['support-reply'] })).status).toBe(202);
      settle();
      expect(pins()).toEqual({
        'support-reply': { version: '1.0.0', shadow: { version: '1.1.0', sampleRate: 0.2 } },
      });
    });

    it('a segment rollback keeps the shadow', async () => {
      await deploySettled('dev', {
        'support-reply': { version: '1.0.0', shadow: { version: '1.3.0', sampleRate: 0.2 } },
      });
      await deploySettled('dev', { 'support-reply': { segments: { beta: '1.1.0' } } });
      expect((await rollback('dev', { segments: ['beta'] })).status).toBe(202);
      settle();
      expect(pins()).toEqual({
        'support-reply': { version: '1.0.0', shadow: { version: '1.3.0', sampleRate: 0.2 } },
      });
    });

    it('a prompt rollback restores the whole previous pin, shadow included, and never leaves a shadow equal to the default (property)', async () => {
      const versions = ['1.0.0', '1.1.0', '1.2.0', '1.3.0'];
      const rate = fc.constantFrom(0.1, 0.5, 1);
      const step = fc.oneof(
        fc.record({ version: fc.constantFrom(...versions) }),
        fc.record({
          shadow: fc.option(fc.record({ version: fc.constantFrom(...versions), sampleRate: rate }), {
            nil: null,
          }),
        }),
        fc.record({ segments: fc.record({ beta: fc.option(fc.constantFrom(...versions), { nil: null }) }) }),
      );
      await fc.assert(
        fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 6 }), async (steps) => {
          await fresh();
          await deploySettled('dev', { 'support-reply': '1.0.0' });
          const history: Pin[] = [pins()?.['support-reply'] as Pin];
          for (const update of steps) {
            const response = await deploy('dev', { prompts: { 'support-reply': update } });
            settle();
            const now = pins()?.['support-reply'] as Pin;
            if (response.status !== 202) {
              // Refused (a shadow equal to the default): nothing changed.
              expect(response.status).toBe(400);
              expect(now).toEqual(history.at(-1));
              continue;
            }
            if (JSON.stringify(now) !== JSON.stringify(history.at(-1))) history.push(now);
          }
          for (const pin of history) {
            const shadow = pinShadow(pin);
            if (shadow) expect(defaultPin(pin)).not.toEqual(shadow.version);
          }
          const current = history.at(-1) as Pin;
          const response = await rollback('dev', { prompts: ['support-reply'] });
          settle();
          const after = pins()?.['support-reply'] as Pin;
          if (history.length === 1) {
            expect(response.status).toBe(409);
            expect(after).toEqual(current);
            return;
          }
          expect(response.status).toBe(202);
          expect(after).toEqual(history.at(-2));
          expect(pinShadow(after)).toEqual(pinShadow(history.at(-2) as Pin));
          expect(pinSegments(after)).toEqual(pinSegments(history.at(-2) as Pin));
        }),
        { numRuns: 40 },
      );
    });
  });
});

describe('Function: validateManifest, with shadows', () => {
  it('checks the shadow against the store and rejects a bad sample rate', async () => {
    await deploySettled('dev', {
      'support-reply': { version: '1.0.0', shadow: { version: '1.1.0', sampleRate: 0.5 } },
    });
    const manifest = structuredClone(fake.hosted.get(1)) as NonNullable<ReturnType<typeof fake.hosted.get>>;
    const shadow = manifest.prompts['support-reply']?.shadow as { body?: string; sampleRate: number };
    shadow.body = 'tampered';
    await expect(validateManifest(setup.deps.bodies, JSON.stringify(manifest))).rejects.toThrow(
      /support-reply@1\.1\.0 \(shadow\): the inline body differs/,
    );
    for (const rate of [0, 1.5, '0.5']) {
      const bad = structuredClone(fake.hosted.get(1)) as {
        prompts: Record<string, { shadow: { sampleRate: unknown } }>;
      };
      (bad.prompts['support-reply'] as { shadow: { sampleRate: unknown } }).shadow.sampleRate = rate;
      await expect(validateManifest(setup.deps.bodies, JSON.stringify(bad))).rejects.toThrow(
        /shadow\.sampleRate: must be a number above 0 and at most 1/,
      );
      expect(validateManifestSchema(bad)).toBe(false);
    }
  });
});
