import {
  AppConfigClient,
  CreateHostedConfigurationVersionCommand,
  StartDeploymentCommand,
  StopDeploymentCommand,
} from '@aws-sdk/client-appconfig';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { createDeployHandler } from '../../../lambda/handlers/deploy.ts';
import { ALICE, BOB, call } from '../../fixtures/api.ts';
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

const deploy = (env: string, body: unknown, caller = BOB) =>
  call(handler, 'POST', `/environments/${env}/deployments`, { body, caller });
const rollback = (env: string, body?: unknown, caller = BOB) =>
  call(handler, 'POST', `/environments/${env}/rollback`, { ...(body === undefined ? {} : { body }), caller });
const status = (env: string) => call(handler, 'GET', `/environments/${env}`);

function nothingWritten(before = 0) {
  expect(setup.environments.writes).toBe(before);
  expect(appconfig.commandCalls(CreateHostedConfigurationVersionCommand)).toHaveLength(0);
  expect(appconfig.commandCalls(StartDeploymentCommand)).toHaveLength(0);
}

afterAll(() => appconfig.restore());
beforeEach(async () => {
  appconfig.reset();
  setup = memoryDelivery();
  fake = fakeAppConfig(appconfig);
  handler = createDeployHandler(() => setup.deps);
  await seedVersion(setup.registry, 'support-reply', '1.0.0');
  await seedVersion(setup.registry, 'support-reply', '1.1.0');
  await seedVersion(setup.registry, 'summarize', '1.0.0');
  await seedVersion(setup.registry, 'draft-prompt', '0.1.0', { approved: false });
});

describe('Handler: deploy', () => {
  describe('POST /environments/{env}/deployments', () => {
    it('stores the manifest in AppConfig and starts the deployment: 202', async () => {
      const response = await deploy('dev', { prompts: { 'support-reply': '1.0.0' }, description: 'first' });
      expect(response.status).toBe(202);
      expect(response.body).toEqual({
        environment: 'dev',
        deploymentNumber: 1,
        state: 'DEPLOYING',
        revision: 1,
      });

      const create = appconfig.commandCalls(CreateHostedConfigurationVersionCommand)[0]?.args[0].input;
      expect(create).toMatchObject({
        ApplicationId: 'app1234',
        ConfigurationProfileId: 'prof123',
        ContentType: 'application/json',
        VersionLabel: 'dev-r1',
      });
      const manifest = fake.hosted.get(1);
      expect(validateManifestSchema(manifest)).toBe(true);
      expect(manifest).toMatchObject({
        environment: 'dev',
        revision: 1,
        prompts: { 'support-reply': { version: '1.0.0', kind: 'text' } },
      });
      expect(manifest?.prompts['support-reply']?.body).toContain('## instructions');

      const start = appconfig.commandCalls(StartDeploymentCommand)[0]?.args[0].input;
      expect(start).toMatchObject({
        EnvironmentId: 'envdev1',
        DeploymentStrategyId: 'AppConfig.AllAtOnce',
        ConfigurationVersion: '1',
      });
      expect(start?.Description).toBe('PromptOps dev revision 1: first');

      const state = setup.environments.states.get('dev');
      expect(state).toMatchObject({
        revision: 1,
        lastRevision: 1,
        pins: { 'support-reply': '1.0.0' },
        deployment: {
          number: 1,
          state: 'DEPLOYING',
          strategy: 'AllAtOnce',
          previousRevision: 0,
          startedBy: BOB,
        },
      });
      expect(state?.pendingRevision).toBeUndefined();
      expect(setup.environments.revisions.get('dev#1')).toMatchObject({
        kind: 'deploy',
        deploymentNumber: 1,
        hostedVersion: 1,
        state: 'DEPLOYING',
      });
      const audit = [...setup.registry.audit.events.values()].find((e) => e.action === 'environment.deploy');
      expect(audit).toMatchObject({
        target: 'support-reply@1.0.0',
        environment: 'dev',
        promptId: 'support-reply',
        actor: BOB,
        details: { revision: 1, previousPin: null },
      });
    });

    it('audits every deployment of a version: to each environment, and again after another version', async () => {
      const steps: [string, string][] = [
        ['staging', '1.0.0'],
        ['dev', '1.0.0'],
        ['dev', '1.1.0'],
        ['dev', '1.0.0'],
      ];
      for (const [environment, version] of steps) {
        const response = await deploy(environment, { prompts: { 'support-reply': version } });
        expect(response.status).toBe(202);
        for (const number of fake.hosted.keys()) fake.states.set(number, { State: 'COMPLETE' });
      }
      const deploys = [...setup.registry.audit.events.values()]
        .filter((e) => e.action === 'environment.deploy')
        .map((e) => [e.environment, e.target, (e.details as { revision: number }).revision]);
      expect(deploys).toEqual([
        ['staging', 'support-reply@1.0.0', 1],
        ['dev', 'support-reply@1.0.0', 1],
        ['dev', 'support-reply@1.1.0', 2],
        ['dev', 'support-reply@1.0.0', 3],
      ]);
    });

    it('merges the pins into the current ones and passes the lock token', async () => {
      await deploy('dev', { prompts: { 'support-reply': '1.0.0' } });
      fake.states.set(1, { State: 'COMPLETE', PercentageComplete: 100 });
      const response = await deploy('dev', { prompts: { summarize: '1.0.0' } });
      expect(response.status).toBe(202);
      expect(response.body.revision).toBe(2);
      expect(Object.keys(fake.hosted.get(2)?.prompts ?? {}).sort()).toEqual(['summarize', 'support-reply']);
      expect(
        appconfig.commandCalls(CreateHostedConfigurationVersionCommand)[1]?.args[0].input.LatestVersionNumber,
      ).toBe(1);
      expect(setup.environments.states.get('dev')?.deployment).toMatchObject({
        number: 2,
        previousRevision: 1,
      });
    });

    it('uses each environment default strategy, a named one, or a custom one', async () => {
      await deploy('staging', { prompts: { 'support-reply': '1.0.0' } });
      await deploy('prod', { prompts: { summarize: '1.0.0' }, strategy: 'Canary5Percent' });
      const [staging, prod] = appconfig
        .commandCalls(StartDeploymentCommand)
        .map((c) => c.args[0].input.DeploymentStrategyId);
      expect(staging).toBe('AppConfig.Linear50PercentEvery30Seconds');
      expect(prod).toBe('strat99');
    });

    it('carries A/B variants into the manifest', async () => {
      const response = await deploy('dev', {
        prompts: {
          'support-reply': {
            variants: [
              { version: '1.0.0', weight: 90 },
              { version: '1.1.0', weight: 10 },
            ],
          },
        },
      });
      expect(response.status).toBe(202);
      expect(
        fake.hosted.get(1)?.prompts['support-reply']?.variants?.map((v) => [v.version, v.weight]),
      ).toEqual([
        ['1.0.0', 90],
        ['1.1.0', 10],
      ]);
    });

    it('is 409 DEPLOYMENT_IN_PROGRESS while a deployment runs, writing nothing', async () => {
      await deploy('dev', { prompts: { 'support-reply': '1.0.0' } });
      fake.states.set(1, { State: 'BAKING', PercentageComplete: 100 });
      const writes = setup.environments.writes;
      appconfig.resetHistory();
      const response = await deploy('dev', { prompts: { summarize: '1.0.0' } });
      expect(response.status).toBe(409);
      expect(response.body).toMatchObject({
        code: 'DEPLOYMENT_IN_PROGRESS',
        deploymentNumber: 1,
        state: 'BAKING',
      });
      nothingWritten(writes);
    });

    it('records an ending the events handler has not seen before deploying on top of it', async () => {
      await deploy('dev', { prompts: { 'support-reply': '1.0.0' } });
      fake.states.set(1, {
        State: 'ROLLED_BACK',
        EventLog: [{ EventType: 'ROLLBACK_STARTED', TriggeredBy: 'CLOUDWATCH_ALARM', Description: 'alarm' }],
      });
      const response = await deploy('dev', { prompts: { summarize: '1.0.0' } });
      expect(response.status).toBe(202);
      // The rolled-back pin is gone: only what the environment really serves is merged.
      expect(Object.keys(fake.hosted.get(2)?.prompts ?? {})).toEqual(['summarize']);
    });

    it('maps an AppConfig conflict to 409 and leaves the state unchanged', async () => {
      appconfig
        .on(StartDeploymentCommand)
        .rejectsOnce(Object.assign(new Error('conflict'), { name: 'ConflictException' }));
      const response = await deploy('dev', { prompts: { 'support-reply': '1.0.0' } });
      expect(response.status).toBe(409);
      expect(response.body.code).toBe('DEPLOYMENT_IN_PROGRESS');
      expect(setup.environments.states.get('dev')).toEqual({
        environment: 'dev',
        revision: 0,
        lastRevision: 0,
        pins: {},
      });
      expect(setup.environments.revisions.size).toBe(0);
    });

    it('still releases the claim and answers with the original error when undoing the revision record fails', async () => {
      appconfig
        .on(StartDeploymentCommand)
        .rejectsOnce(Object.assign(new Error('conflict'), { name: 'ConflictException' }));
      const deleteRevision = setup.environments.deleteRevision.bind(setup.environments);
      setup.environments.deleteRevision = async () => {
        throw Object.assign(new Error('not authorized to perform: dynamodb:DeleteItem'), {
          name: 'AccessDeniedException',
        });
      };
      const response = await deploy('dev', { prompts: { 'support-reply': '1.0.0' } });
      setup.environments.deleteRevision = deleteRevision;
      expect(response.status).toBe(409);
      expect(response.body.code).toBe('DEPLOYMENT_IN_PROGRESS');
      expect(setup.environments.states.get('dev')?.pendingRevision).toBeUndefined();

      fakeAppConfig(appconfig);
      const retry = await deploy('dev', { prompts: { 'support-reply': '1.0.0' } });
      expect(retry.status).toBe(202);
      expect(retry.body.revision).toBe(1);
    });

    it('is 422 LINT_FAILED only when an AppConfig validator refused the manifest; other bad requests are ours (500)', async () => {
      appconfig.on(StartDeploymentCommand).rejectsOnce(
        Object.assign(new Error('Lambda validator: body too long'), {
          name: 'BadRequestException',
          Reason: 'InvalidConfiguration',
        }),
      );
      const refused = await deploy('dev', { prompts: { 'support-reply': '1.0.0' } });
      expect(refused.status).toBe(422);
      expect(refused.body.code).toBe('LINT_FAILED');

      appconfig
        .on(StartDeploymentCommand)
        .rejectsOnce(Object.assign(new Error('Invalid strategy id'), { name: 'BadRequestException' }));
      const ours = await deploy('dev', { prompts: { 'support-reply': '1.0.0' } });
      expect(ours.status).toBe(500);
      expect(ours.body.code).toBe('INTERNAL');
      expect(setup.environments.states.get('dev')?.revision).toBe(0);
    });

    it('is 400 for a strategy name that is only an object property, not a strategy', async () => {
      for (const strategy of ['constructor', 'toString', '__proto__']) {
        const response = await deploy('dev', { prompts: { 'support-reply': '1.0.0' }, strategy });
        expect(response.status).toBe(400);
        expect(response.body.code).toBe('VALIDATION_FAILED');
      }
      expect(appconfig.commandCalls(CreateHostedConfigurationVersionCommand)).toHaveLength(0);
    });

    it('leaves the state unchanged when StartDeployment fails after the hosted version was created, and a retry works', async () => {
      appconfig.on(StartDeploymentCommand).rejectsOnce(new Error('AppConfig is down'));
      const failed = await deploy('dev', { prompts: { 'support-reply': '1.0.0' } });
      expect(failed.status).toBe(500);
      expect(appconfig.commandCalls(CreateHostedConfigurationVersionCommand)).toHaveLength(1);
      expect(setup.environments.states.get('dev')).toEqual({
        environment: 'dev',
        revision: 0,
        lastRevision: 0,
        pins: {},
      });
      expect(setup.environments.revisions.size).toBe(0);
      expect([...setup.registry.audit.events.values()].filter((e) => e.environment === 'dev')).toEqual([]);

      fakeAppConfig(appconfig);
      const retry = await deploy('dev', { prompts: { 'support-reply': '1.0.0' } });
      expect(retry.status).toBe(202);
      expect(retry.body.revision).toBe(1);
    });

    it('lets one of two racing deploys win; the loser gets 409 REVISION_CONFLICT and nothing it did is visible', async () => {
      const [a, b] = await Promise.all([
        deploy('dev', { prompts: { 'support-reply': '1.0.0' } }),
        deploy('dev', { prompts: { summarize: '1.0.0' } }),
      ]);
      const statuses = [a.status, b.status].sort();
      expect(statuses).toEqual([202, 409]);
      const loser = a.status === 409 ? a : b;
      const winner = a.status === 202 ? a : b;
      expect(loser.body.code).toBe('REVISION_CONFLICT');
      expect(appconfig.commandCalls(StartDeploymentCommand)).toHaveLength(1);
      const pins = setup.environments.states.get('dev')?.pins ?? {};
      expect(Object.keys(pins)).toHaveLength(1);
      expect(winner.body.revision).toBe(1);
    });

    describe('gates', () => {
      it('deploys approved versions to prod', async () => {
        expect((await deploy('prod', { prompts: { 'support-reply': '1.1.0' } })).status).toBe(202);
      });

      it('is 422 NOT_APPROVED in prod for a version only its publisher saw, naming it', async () => {
        const response = await deploy('prod', { prompts: { 'draft-prompt': '0.1.0', summarize: '1.0.0' } });
        expect(response.status).toBe(422);
        expect(response.body).toMatchObject({ code: 'NOT_APPROVED', versions: ['draft-prompt@0.1.0'] });
        expect(response.body.detail).toContain('draft-prompt@0.1.0');
        nothingWritten();
      });

      it('accepts unapproved versions in unprotected environments', async () => {
        expect((await deploy('dev', { prompts: { 'draft-prompt': '0.1.0' } })).status).toBe(202);
      });

      it('is 422 LINT_FAILED when a pinned document fails lint today', async () => {
        // Stored before a rule was tightened: it parses, but lint now finds a secret in it.
        const text = promptDocument('legacy-prompt', 'Answer {{question}}. Key: AKIAIOSFODNN7EXAMPLE');
        const { sha256 } = canonical(text);
        await setup.registry.bodies.put(sha256, canonical(text).text);
        await setup.registry.prompts.createVersion({
          id: 'legacy-prompt',
          version: '1.0.0',
          sha256,
          size: text.length,
          createdBy: ALICE,
          createdAt: '2026-01-01T00:00:00.000Z',
          bump: { level: 'major', reasons: [] },
          approvals: [],
        });
        const response = await deploy('dev', { prompts: { 'legacy-prompt': '1.0.0' } });
        expect(response.status).toBe(422);
        expect(response.body.code).toBe('LINT_FAILED');
        expect(response.body.findings.filter((f: { severity: string }) => f.severity === 'error')).toEqual([
          expect.objectContaining({ rule: 'secrets' }),
        ]);
        nothingWritten();
      });

      // MANIFEST_TOO_LARGE at deploy: test/unit/lambda/deploy-10k.test.ts (bodies and versions now
      // move out of the manifest first, so it takes thousands of prompts).
    });

    describe('bad input: status, code, problem body, nothing written', () => {
      it.each<[string, string, unknown, number, string]>([
        ['an unknown environment', 'qa', { prompts: { 'support-reply': '1.0.0' } }, 404, 'NOT_FOUND'],
        [
          'a malformed environment',
          'PROD!',
          { prompts: { 'support-reply': '1.0.0' } },
          400,
          'VALIDATION_FAILED',
        ],
        ['no prompts', 'dev', {}, 400, 'VALIDATION_FAILED'],
        ['empty prompts', 'dev', { prompts: {} }, 400, 'VALIDATION_FAILED'],
        ['prompts as a list', 'dev', { prompts: ['support-reply'] }, 400, 'VALIDATION_FAILED'],
        ['an unknown prompt', 'dev', { prompts: { 'no-such-prompt': '1.0.0' } }, 404, 'NOT_FOUND'],
        ['an unknown version', 'dev', { prompts: { 'support-reply': '9.9.9' } }, 404, 'NOT_FOUND'],
        ['an invalid prompt id', 'dev', { prompts: { '../x': '1.0.0' } }, 400, 'VALIDATION_FAILED'],
        ['invalid semver', 'dev', { prompts: { 'support-reply': 'latest' } }, 400, 'VALIDATION_FAILED'],
        [
          'weights not summing to 100',
          'dev',
          {
            prompts: {
              'support-reply': {
                variants: [
                  { version: '1.0.0', weight: 50 },
                  { version: '1.1.0', weight: 40 },
                ],
              },
            },
          },
          400,
          'VALIDATION_FAILED',
        ],
        [
          'a fractional weight',
          'dev',
          {
            prompts: {
              'support-reply': {
                variants: [
                  { version: '1.0.0', weight: 50.5 },
                  { version: '1.1.0', weight: 49.5 },
                ],
              },
            },
          },
          400,
          'VALIDATION_FAILED',
        ],
        [
          'an unknown strategy',
          'dev',
          { prompts: { 'support-reply': '1.0.0' }, strategy: 'YOLO' },
          400,
          'VALIDATION_FAILED',
        ],
        [
          'a description over 1,000 characters',
          'dev',
          { prompts: { 'support-reply': '1.0.0' }, description: 'x'.repeat(1001) },
          400,
          'VALIDATION_FAILED',
        ],
        [
          'an unknown field',
          'dev',
          { prompts: { 'support-reply': '1.0.0' }, force: true },
          400,
          'VALIDATION_FAILED',
        ],
      ])('%s', async (_label, env, body, status, code) => {
        const response = await deploy(env, body);
        expect(response.status).toBe(status);
        expect(response.headers['content-type']).toBe('application/problem+json');
        expect(response.body).toMatchObject({ status, code });
        nothingWritten();
      });

      it('names the unknown strategy and the known ones', async () => {
        const response = await deploy('dev', { prompts: { 'support-reply': '1.0.0' }, strategy: 'YOLO' });
        expect(response.body.errors).toEqual([
          {
            path: 'strategy',
            message: expect.stringMatching(/unknown strategy "YOLO": use one of AllAtOnce, .*Canary5Percent/),
          },
        ]);
      });

      it.each([
        ['malformed JSON', '{"prompts":', 'application/json', 400, 'BAD_REQUEST'],
        ['wrong content type', 'prompts=x', 'text/plain', 415, 'UNSUPPORTED_MEDIA_TYPE'],
        [
          'a __proto__ key',
          '{"prompts":{"support-reply":"1.0.0"},"__proto__":{"x":1}}',
          'application/json',
          400,
          'VALIDATION_FAILED',
        ],
      ])('%s', async (_label, rawBody, contentType, status, code) => {
        const response = await call(handler, 'POST', '/environments/dev/deployments', {
          rawBody,
          headers: { 'content-type': contentType },
          caller: BOB,
        });
        expect(response.status).toBe(status);
        expect(response.body.code).toBe(code);
        nothingWritten();
      });
    });
  });

  describe('POST /environments/{env}/rollback', () => {
    it('stops a running deployment; AppConfig rolls back and the pins return to the previous revision', async () => {
      await deploy('dev', { prompts: { 'support-reply': '1.0.0' } });
      const response = await rollback('dev', { reason: 'bad answers' });
      expect(response.status).toBe(202);
      expect(response.body).toEqual({
        environment: 'dev',
        deploymentNumber: 1,
        state: 'ROLLED_BACK',
        revision: 0,
      });
      expect(appconfig.commandCalls(StopDeploymentCommand)[0]?.args[0].input).toMatchObject({
        EnvironmentId: 'envdev1',
        DeploymentNumber: 1,
      });
      expect(setup.environments.states.get('dev')).toMatchObject({
        revision: 0,
        pins: {},
        deployment: { number: 1, state: 'ROLLED_BACK', reason: `Stopped by ${BOB}: bad answers` },
      });
      const audit = [...setup.registry.audit.events.values()].find(
        (e) => e.action === 'environment.deployment.rolled-back',
      );
      expect(audit).toMatchObject({
        actor: BOB,
        environment: 'dev',
        details: { deploymentNumber: 1, restoredRevision: 0 },
      });
    });

    it('redeploys the previous revision all at once when nothing is running', async () => {
      await deploy('dev', { prompts: { 'support-reply': '1.0.0' } });
      fake.states.set(1, { State: 'COMPLETE' });
      await deploy('dev', { prompts: { 'support-reply': '1.1.0', summarize: '1.0.0' } });
      fake.states.set(2, { State: 'COMPLETE' });
      const response = await rollback('dev');
      expect(response.status).toBe(202);
      expect(response.body.revision).toBe(3);
      const start = appconfig.commandCalls(StartDeploymentCommand)[2]?.args[0].input;
      expect(start?.DeploymentStrategyId).toBe('AppConfig.AllAtOnce');
      expect(setup.environments.states.get('dev')?.pins).toEqual({ 'support-reply': '1.0.0' });
      expect(setup.environments.revisions.get('dev#3')).toMatchObject({
        kind: 'rollback',
        pins: { 'support-reply': '1.0.0' },
      });
    });

    describe('rolling back again keeps going back; it never redeploys what was just rolled back', () => {
      const settle = () => {
        for (const number of fake.hosted.keys()) fake.states.set(number, { State: 'COMPLETE' });
      };
      const deploySettled = async (prompts: Record<string, string>) => {
        expect((await deploy('dev', { prompts })).status).toBe(202);
        settle();
      };
      const rollbackSettled = async (body: Record<string, unknown> = {}) => {
        const response = await rollback('dev', body);
        settle();
        return response;
      };
      const pins = () => setup.environments.states.get('dev')?.pins;

      it('whole environment: r3 rolls back r2, r4 rolls back r1, then there is nothing left', async () => {
        await deploySettled({ 'support-reply': '1.0.0' });
        await deploySettled({ 'support-reply': '1.1.0' });
        expect((await rollbackSettled()).status).toBe(202);
        expect(pins()).toEqual({ 'support-reply': '1.0.0' });
        expect(setup.environments.revisions.get('dev#3')).toMatchObject({ kind: 'rollback', restores: 1 });
        expect((await rollbackSettled()).status).toBe(202);
        expect(pins()).toEqual({});
        const none = await rollbackSettled();
        expect(none.status).toBe(409);
        expect(none.body.code).toBe('NOTHING_TO_ROLL_BACK');
      });

      it('passes over revisions that did not change the pins', async () => {
        await deploySettled({ 'support-reply': '1.0.0' });
        await deploySettled({ 'support-reply': '1.1.0' });
        await rollbackSettled();
        await deploySettled({ 'support-reply': '1.0.0' }); // a redeploy of what is served
        await rollbackSettled();
        expect(pins()).toEqual({});
      });

      it('named prompts: each rollback takes the prompt one pin further back', async () => {
        await seedVersion(setup.registry, 'support-reply', '1.2.0');
        await deploySettled({ 'support-reply': '1.0.0', summarize: '1.0.0' });
        await deploySettled({ 'support-reply': '1.1.0' });
        await deploySettled({ 'support-reply': '1.2.0' });
        await rollbackSettled({ prompts: ['support-reply'] });
        expect(pins()).toEqual({ 'support-reply': '1.1.0', summarize: '1.0.0' });
        await deploySettled({ summarize: '1.0.0' }); // an unrelated redeploy in between
        await rollbackSettled({ prompts: ['support-reply'] });
        expect(pins()).toEqual({ 'support-reply': '1.0.0', summarize: '1.0.0' });
        const none = await rollbackSettled({ prompts: ['support-reply'] });
        expect(none.status).toBe(409);
        expect(none.body.code).toBe('NOTHING_TO_ROLL_BACK');
      });
    });

    it('reverts only the named prompts (partial rollback)', async () => {
      await deploy('dev', { prompts: { 'support-reply': '1.0.0', summarize: '1.0.0' } });
      fake.states.set(1, { State: 'COMPLETE' });
      await deploy('dev', { prompts: { 'support-reply': '1.1.0' } });
      fake.states.set(2, { State: 'COMPLETE' });
      const response = await rollback('dev', { prompts: ['support-reply'] });
      expect(response.status).toBe(202);
      expect(setup.environments.states.get('dev')?.pins).toEqual({
        'support-reply': '1.0.0',
        summarize: '1.0.0',
      });
    });

    it('is 409 NOTHING_TO_ROLL_BACK for an environment never deployed', async () => {
      const response = await rollback('staging');
      expect(response.status).toBe(409);
      expect(response.body.code).toBe('NOTHING_TO_ROLL_BACK');
      nothingWritten();
    });

    it('is 409 NOTHING_TO_ROLL_BACK for a prompt whose pin never changed', async () => {
      await deploy('dev', { prompts: { summarize: '1.0.0' } });
      fake.states.set(1, { State: 'COMPLETE' });
      const response = await rollback('dev', { prompts: ['summarize'] });
      expect(response.status).toBe(409);
      expect(response.body.code).toBe('NOTHING_TO_ROLL_BACK');
    });

    it('is 409 DEPLOYMENT_IN_PROGRESS for a partial rollback while a deployment runs', async () => {
      await deploy('dev', { prompts: { summarize: '1.0.0' } });
      const response = await rollback('dev', { prompts: ['summarize'] });
      expect(response.status).toBe(409);
      expect(response.body.code).toBe('DEPLOYMENT_IN_PROGRESS');
      expect(appconfig.commandCalls(StopDeploymentCommand)).toHaveLength(0);
    });

    it.each<[string, string, unknown, number, string]>([
      ['an unknown environment', 'qa', undefined, 404, 'NOT_FOUND'],
      ['prompts not a list', 'dev', { prompts: 'summarize' }, 400, 'VALIDATION_FAILED'],
      ['an empty prompt list', 'dev', { prompts: [] }, 400, 'VALIDATION_FAILED'],
      ['an invalid prompt id', 'dev', { prompts: ['a/b'] }, 400, 'VALIDATION_FAILED'],
      ['a reason over 1,000 characters', 'dev', { reason: 'x'.repeat(1001) }, 400, 'VALIDATION_FAILED'],
    ])('rejects %s', async (_label, env, body, status, code) => {
      const response = await rollback(env, body);
      expect(response.status).toBe(status);
      expect(response.body.code).toBe(code);
      nothingWritten();
    });
  });

  describe('GET /environments/{env}', () => {
    it('gives the pins, the live deployment and the history', async () => {
      await deploy('staging', { prompts: { 'support-reply': '1.0.0' }, description: 'first' });
      fake.states.set(1, { State: 'DEPLOYING', PercentageComplete: 50 });
      const response = await status('staging');
      expect(response.status).toBe(200);
      expect(response.body).toMatchObject({
        environment: 'staging',
        revision: 1,
        prompts: { 'support-reply': '1.0.0' },
        deployment: {
          number: 1,
          state: 'DEPLOYING',
          percentage: 50,
          strategy: 'Linear50PercentEvery30Seconds',
          startedBy: BOB,
        },
        history: [{ revision: 1, kind: 'deploy', state: 'DEPLOYING', description: 'first', createdBy: BOB }],
      });
    });

    it('reports a rollback with its reason', async () => {
      await deploy('prod', { prompts: { 'support-reply': '1.0.0' } });
      fake.states.set(1, {
        State: 'ROLLED_BACK',
        EventLog: [
          {
            EventType: 'ROLLBACK_STARTED',
            TriggeredBy: 'CLOUDWATCH_ALARM',
            Description:
              'Rollback initiated by alarm arn:aws:cloudwatch:us-east-1:123456789012:alarm:PromptOps-prod-health',
          },
        ],
      });
      const response = await status('prod');
      expect(response.body).toMatchObject({
        revision: 0,
        prompts: {},
        deployment: { state: 'ROLLED_BACK', reason: expect.stringContaining('PromptOps-prod-health') },
      });
    });

    it('answers for an environment never deployed', async () => {
      expect((await status('dev')).body).toEqual({
        environment: 'dev',
        revision: 0,
        prompts: {},
        deployment: null,
        history: [],
      });
    });

    it('is 404 for an unknown environment', async () => {
      expect((await status('qa')).status).toBe(404);
    });
  });

  it('refuses callers without an IAM identity', async () => {
    const response = await call(handler, 'POST', '/environments/dev/deployments', {
      body: { prompts: { summarize: '1.0.0' } },
      caller: null,
    });
    expect(response.status).toBe(403);
    nothingWritten();
  });

  it('records who deployed', async () => {
    await deploy('dev', { prompts: { summarize: '1.0.0' } }, ALICE);
    expect(setup.environments.states.get('dev')?.deployment?.startedBy).toBe(ALICE);
  });
});
