/** The release gate: deploys to a gated environment need a PASSED run of each version against its suite. */
import {
  AppConfigClient,
  CreateHostedConfigurationVersionCommand,
  StartDeploymentCommand,
} from '@aws-sdk/client-appconfig';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { DynamoEvaluationEvidence } from '../../../lambda/adapters/evaluation-evidence.ts';
import type { DeliveryConfig } from '../../../lambda/delivery/config.ts';
import { evaluationVerdict } from '../../../lambda/delivery/evaluation-gate.ts';
import { createDeployHandler } from '../../../lambda/handlers/deploy.ts';
import { KEYS } from '../../../src/core/contracts.ts';
import { versionSortKey } from '../../../src/core/versioning.ts';
import { ALICE, BOB, call } from '../../fixtures/api.ts';
import { memoryDelivery } from '../../fixtures/delivery-fakes.ts';
import {
  type FakeAppConfig,
  fakeAppConfig,
  promptDocument,
  seedVersion,
} from '../../fixtures/delivery-setup.ts';
import { canonical } from '../../fixtures/registry.ts';

const appconfig = mockClient(AppConfigClient);
let setup: ReturnType<typeof memoryDelivery>;
let fake: FakeAppConfig;
let handler: ReturnType<typeof createDeployHandler>;

const deploy = (env: string, body: unknown, caller = BOB) =>
  call(handler, 'POST', `/environments/${env}/deployments`, { body, caller });
const rollback = (env: string, body?: unknown, caller = BOB) =>
  call(handler, 'POST', `/environments/${env}/rollback`, { ...(body === undefined ? {} : { body }), caller });
const status = (env: string) => call(handler, 'GET', `/environments/${env}`);

async function start(config: Partial<DeliveryConfig> = {}) {
  setup = memoryDelivery(config);
  handler = createDeployHandler(() => setup.deps);
  await seedVersion(setup.registry, 'support-reply', '1.0.0');
  await seedVersion(setup.registry, 'support-reply', '1.1.0');
  await seedVersion(setup.registry, 'summarize', '1.0.0');
  await seedVersion(setup.registry, 'draft-prompt', '0.1.0', { approved: false });
}

/** A refusal leaves no trace: no claim or revision, nothing in AppConfig, no audit event. */
function nothingWritten() {
  expect(setup.environments.writes).toBe(0);
  expect(setup.environments.revisions.size).toBe(0);
  expect(appconfig.commandCalls(CreateHostedConfigurationVersionCommand)).toHaveLength(0);
  expect(appconfig.commandCalls(StartDeploymentCommand)).toHaveLength(0);
  expect(
    [...setup.registry.audit.events.values()].filter((e) => e.action.startsWith('environment.')),
  ).toEqual([]);
}

afterAll(() => appconfig.restore());
beforeEach(async () => {
  appconfig.reset();
  fake = fakeAppConfig(appconfig);
  await start();
});

describe('Release gate: POST /environments/{env}/deployments', () => {
  describe('admits', () => {
    it('a version whose prompt has no suite, recording no run', async () => {
      const response = await deploy('prod', { prompts: { 'support-reply': '1.1.0' } });
      expect(response.status).toBe(202);
      expect(response.body).not.toHaveProperty('evaluations');
      expect(setup.environments.revisions.get('prod#1')).not.toHaveProperty('evaluations');
      expect(setup.evaluations.reads).toBeGreaterThan(0);
    });

    it('a version with a PASSED run against the current suite, naming the run in the response and the history', async () => {
      setup.evaluations.setSuite('support-reply', 3);
      const run = setup.evaluations.addRun('support-reply', '1.1.0', { state: 'PASSED', passRate: 0.95 });
      const response = await deploy('prod', { prompts: { 'support-reply': '1.1.0' } });
      expect(response.status).toBe(202);
      expect(response.body).toEqual({
        environment: 'prod',
        deploymentNumber: 1,
        state: 'DEPLOYING',
        revision: 1,
        evaluations: { 'support-reply': { '1.1.0': run.id } },
      });

      const history = (await status('prod')).body.history;
      expect(history[0]).toMatchObject({
        revision: 1,
        kind: 'deploy',
        evaluations: { 'support-reply': { '1.1.0': run.id } },
      });
      const audit = [...setup.registry.audit.events.values()].find((e) => e.action === 'environment.deploy');
      expect(audit?.details).toMatchObject({ evaluations: { '1.1.0': run.id } });
    });

    it('by the newest PASSED run against the current suite, whatever ran after it', async () => {
      setup.evaluations.setSuite('summarize', 2);
      setup.evaluations.addRun('summarize', '1.0.0', { state: 'PASSED' });
      const newest = setup.evaluations.addRun('summarize', '1.0.0', { state: 'PASSED' });
      setup.evaluations.addRun('summarize', '1.0.0', { state: 'FAILED', passRate: 0.5 });
      const response = await deploy('prod', { prompts: { summarize: '1.0.0' } });
      expect(response.status).toBe(202);
      expect(response.body.evaluations).toEqual({ summarize: { '1.0.0': newest.id } });
    });

    it('without looking in an environment that is not gated', async () => {
      setup.evaluations.setSuite('support-reply', 1);
      const response = await deploy('dev', { prompts: { 'support-reply': '1.0.0' } });
      expect(response.status).toBe(202);
      expect(response.body).not.toHaveProperty('evaluations');
      expect(setup.evaluations.reads).toBe(0);
    });

    it('checking only the pins deployed now, not the ones already in the environment', async () => {
      expect((await deploy('prod', { prompts: { 'support-reply': '1.0.0' } })).status).toBe(202);
      fake.states.set(1, { State: 'COMPLETE' });
      // support-reply gains a suite after it was deployed: deploying another prompt does not recheck it.
      setup.evaluations.setSuite('support-reply', 1);
      const response = await deploy('prod', { prompts: { summarize: '1.0.0' } });
      expect(response.status).toBe(202);
    });
  });

  describe('refuses with 422 EVALUATION_REQUIRED, naming the version and why', () => {
    async function refusal(prompts: Record<string, unknown>) {
      const response = await deploy('prod', { prompts });
      expect(response.status).toBe(422);
      expect(response.headers['content-type']).toBe('application/problem+json');
      expect(response.body).toMatchObject({ status: 422, code: 'EVALUATION_REQUIRED' });
      nothingWritten();
      return response.body;
    }

    it('a prompt without a suite when requireEvalSuite is set', async () => {
      await start({ requireEvalSuite: true });
      const body = await refusal({ 'support-reply': '1.1.0' });
      expect(body.versions).toEqual([
        { id: 'support-reply', version: '1.1.0', reason: 'no suite (requireEvalSuite is set)' },
      ]);
      expect(body.detail).toContain('support-reply@1.1.0 (no suite (requireEvalSuite is set))');
    });

    it('a version that never ran', async () => {
      setup.evaluations.setSuite('support-reply', 1);
      expect((await refusal({ 'support-reply': '1.1.0' })).versions).toEqual([
        { id: 'support-reply', version: '1.1.0', reason: 'no run' },
      ]);
    });

    it('a version whose latest run FAILED, with its pass rate and threshold', async () => {
      setup.evaluations.setSuite('support-reply', 1);
      setup.evaluations.addRun('support-reply', '1.1.0', {
        state: 'FAILED',
        passRate: 2 / 3,
        threshold: 0.9,
      });
      expect((await refusal({ 'support-reply': '1.1.0' })).versions).toEqual([
        {
          id: 'support-reply',
          version: '1.1.0',
          reason: 'latest run FAILED with pass rate 0.67 (threshold 0.9)',
        },
      ]);
    });

    it('a version that passed an older revision of the suite', async () => {
      setup.evaluations.setSuite('support-reply', 2);
      setup.evaluations.addRun('support-reply', '1.1.0', { state: 'PASSED', suiteRevision: 2 });
      setup.evaluations.setSuite('support-reply', 3);
      expect((await refusal({ 'support-reply': '1.1.0' })).versions).toEqual([
        {
          id: 'support-reply',
          version: '1.1.0',
          reason: 'ran against suite revision 2, the current suite is revision 3',
        },
      ]);
    });

    it('a version whose run is still RUNNING', async () => {
      setup.evaluations.setSuite('support-reply', 1);
      setup.evaluations.addRun('support-reply', '1.1.0', { state: 'FAILED', passRate: 0 });
      const running = setup.evaluations.addRun('support-reply', '1.1.0', { state: 'RUNNING' });
      expect((await refusal({ 'support-reply': '1.1.0' })).versions).toEqual([
        { id: 'support-reply', version: '1.1.0', reason: `run ${running.id} still RUNNING` },
      ]);
    });

    it('a version whose only PASSED run used a provider override (promptops eval --provider)', async () => {
      setup.evaluations.setSuite('support-reply', 1);
      const echoed = setup.evaluations.addRun('support-reply', '1.1.0', {
        state: 'PASSED',
        providerOverride: true,
      });
      expect((await refusal({ 'support-reply': '1.1.0' })).versions).toEqual([
        {
          id: 'support-reply',
          version: '1.1.0',
          reason: `run ${echoed.id} passed with a provider override; the gate counts only runs with the suite's own provider`,
        },
      ]);
      setup.evaluations.addRun('support-reply', '1.1.0', { state: 'PASSED' });
      const response = await deploy('prod', { prompts: { 'support-reply': '1.1.0' } });
      expect(response.status).toBe(202);
    });

    it('a version whose latest run could not run (ERROR), with its reason', async () => {
      setup.evaluations.setSuite('support-reply', 1);
      setup.evaluations.addRun('support-reply', '1.1.0', { state: 'ERROR', reason: 'model not allowed' });
      expect((await refusal({ 'support-reply': '1.1.0' })).versions[0].reason).toBe(
        'latest run ended in ERROR: model not allowed',
      );
    });

    it('every refused version in one problem', async () => {
      setup.evaluations.setSuite('support-reply', 1).setSuite('summarize', 4);
      setup.evaluations.addRun('summarize', '1.0.0', { state: 'FAILED', passRate: 0.5, threshold: 0.8 });
      const body = await refusal({ 'support-reply': '1.1.0', summarize: '1.0.0' });
      expect(body.versions).toEqual([
        { id: 'support-reply', version: '1.1.0', reason: 'no run' },
        {
          id: 'summarize',
          version: '1.0.0',
          reason: 'latest run FAILED with pass rate 0.5 (threshold 0.8)',
        },
      ]);
      expect(body.detail).toContain('support-reply@1.1.0 (no run)');
      expect(body.detail).toContain('summarize@1.0.0 (latest run FAILED with pass rate 0.5 (threshold 0.8))');
    });

    it('each version of a variants pin on its own', async () => {
      setup.evaluations.setSuite('support-reply', 1);
      setup.evaluations.addRun('support-reply', '1.0.0', { state: 'PASSED' });
      const pin = {
        variants: [
          { version: '1.0.0', weight: 90 },
          { version: '1.1.0', weight: 10 },
        ],
      };
      expect((await refusal({ 'support-reply': pin })).versions).toEqual([
        { id: 'support-reply', version: '1.1.0', reason: 'no run' },
      ]);

      const passed = setup.evaluations.addRun('support-reply', '1.1.0', { state: 'PASSED' });
      const response = await deploy('prod', { prompts: { 'support-reply': pin } });
      expect(response.status).toBe(202);
      expect(response.body.evaluations).toEqual({
        'support-reply': {
          '1.0.0': setup.evaluations.runs.get('support-reply@1.0.0')?.[0]?.id,
          '1.1.0': passed.id,
        },
      });
    });

    it('in any environment evalGatedEnvironments names', async () => {
      await start({ evalGatedEnvironments: ['staging'] });
      setup.evaluations.setSuite('support-reply', 1);
      const response = await deploy('staging', { prompts: { 'support-reply': '1.0.0' } });
      expect(response.status).toBe(422);
      expect(response.body.code).toBe('EVALUATION_REQUIRED');
      // prod is protected (approval) but no longer gated.
      expect((await deploy('prod', { prompts: { 'support-reply': '1.0.0' } })).status).toBe(202);
    });
  });

  describe('order of the gates: approval, evaluation, lint', () => {
    it('answers NOT_APPROVED before looking at evaluations', async () => {
      setup.evaluations.setSuite('draft-prompt', 1);
      const response = await deploy('prod', { prompts: { 'draft-prompt': '0.1.0' } });
      expect(response.body.code).toBe('NOT_APPROVED');
      expect(setup.evaluations.reads).toBe(0);
    });

    it('answers EVALUATION_REQUIRED before lint, and LINT_FAILED once admitted', async () => {
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
        approvals: [{ by: BOB, at: '2026-01-02T00:00:00.000Z' }],
      });
      setup.evaluations.setSuite('legacy-prompt', 1);
      expect((await deploy('prod', { prompts: { 'legacy-prompt': '1.0.0' } })).body.code).toBe(
        'EVALUATION_REQUIRED',
      );
      setup.evaluations.addRun('legacy-prompt', '1.0.0', { state: 'PASSED' });
      expect((await deploy('prod', { prompts: { 'legacy-prompt': '1.0.0' } })).body.code).toBe('LINT_FAILED');
      nothingWritten();
    });
  });
});

describe('Release gate: POST /environments/{env}/rollback', () => {
  it('is never gated: a rollback restores what was admitted, whatever the runs say now', async () => {
    setup.evaluations.setSuite('support-reply', 1);
    setup.evaluations.addRun('support-reply', '1.0.0', { state: 'PASSED' });
    setup.evaluations.addRun('support-reply', '1.1.0', { state: 'PASSED' });
    expect((await deploy('prod', { prompts: { 'support-reply': '1.0.0' } })).status).toBe(202);
    fake.states.set(1, { State: 'COMPLETE' });
    expect((await deploy('prod', { prompts: { 'support-reply': '1.1.0' } })).status).toBe(202);
    fake.states.set(2, { State: 'COMPLETE' });
    // The suite changed since: neither version has a run against revision 2.
    setup.evaluations.setSuite('support-reply', 2);
    const reads = setup.evaluations.reads;

    const response = await rollback('prod');
    expect(response.status).toBe(202);
    expect(response.body).not.toHaveProperty('evaluations');
    expect(setup.evaluations.reads).toBe(reads);
    expect(setup.environments.revisions.get('prod#3')).toMatchObject({ kind: 'rollback', restores: 1 });
    expect(setup.environments.revisions.get('prod#3')).not.toHaveProperty('evaluations');
  });
});

describe('Function: evaluationVerdict', () => {
  const run = (state: 'RUNNING' | 'PASSED' | 'FAILED' | 'ERROR', extra: object = {}) => ({
    id: `run-${state}`,
    state,
    suiteRevision: 1,
    threshold: 0.9,
    ...extra,
  });

  it.each([
    ['no suite', undefined, [], false, { admitted: true }],
    [
      'no suite, required',
      undefined,
      [],
      true,
      { admitted: false, reason: 'no suite (requireEvalSuite is set)' },
    ],
    ['a PASSED run', { revision: 1 }, [run('PASSED')], false, { admitted: true, runId: 'run-PASSED' }],
    [
      'a failing rate that rounds to its threshold',
      { revision: 1 },
      [run('FAILED', { passRate: 0.8999 })],
      false,
      { admitted: false, reason: 'latest run FAILED with pass rate 0.8999 (threshold 0.9)' },
    ],
    [
      'a FAILED run without a rate',
      { revision: 1 },
      [run('FAILED')],
      false,
      { admitted: false, reason: 'latest run FAILED (threshold 0.9)' },
    ],
    [
      'an ERROR run without a reason',
      { revision: 1 },
      [run('ERROR')],
      false,
      { admitted: false, reason: 'latest run ended in ERROR' },
    ],
    [
      'an older revision passed, the current one failed',
      { revision: 2 },
      [run('FAILED', { suiteRevision: 2, passRate: 0.1 }), run('PASSED')],
      false,
      { admitted: false, reason: 'latest run FAILED with pass rate 0.1 (threshold 0.9)' },
    ],
  ] as const)('%s', (_label, suite, runs, requireSuite, verdict) => {
    expect(evaluationVerdict(suite, runs, requireSuite)).toEqual(verdict);
  });
});

describe('Adapter: DynamoEvaluationEvidence', () => {
  const dynamo = mockClient(DynamoDBDocumentClient);
  const evidence = new DynamoEvaluationEvidence(
    DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1' })),
    'main',
  );
  beforeEach(() => dynamo.reset());
  afterAll(() => dynamo.restore());

  it('reads the current suite revision from the EVALSUITE item of the prompt', async () => {
    dynamo.on(GetCommand).resolves({ Item: { revision: 4 } });
    expect(await evidence.getSuite('support-reply')).toEqual({ revision: 4 });
    expect(dynamo.commandCalls(GetCommand)[0]?.args[0].input).toMatchObject({
      TableName: 'main',
      Key: { pk: 'PROMPT#support-reply', sk: KEYS.evalSuiteSk },
      ConsistentRead: true,
    });
    dynamo.on(GetCommand).resolves({});
    expect(await evidence.getSuite('support-reply')).toBeUndefined();
  });

  it("lists the version's runs newest first, every page, with only the fields the gate reads", async () => {
    dynamo
      .on(QueryCommand)
      .resolvesOnce({
        Items: [{ id: 'r3', state: 'RUNNING', suiteRevision: 2, threshold: 0.9 }],
        LastEvaluatedKey: { pk: 'PROMPT#support-reply', sk: 'EVAL#x#r3' },
      })
      .resolvesOnce({
        Items: [{ id: 'r2', state: 'ERROR', suiteRevision: 2, threshold: 1, reason: 'throttled' }],
        LastEvaluatedKey: { pk: 'PROMPT#support-reply', sk: 'EVAL#x#r2' },
      })
      .resolvesOnce({
        Items: [{ id: 'r1', state: 'PASSED', suiteRevision: 1, threshold: 0.9, passRate: 1 }],
      });
    expect(await evidence.listRuns('support-reply', '1.10.0')).toEqual([
      { id: 'r3', state: 'RUNNING', suiteRevision: 2, threshold: 0.9 },
      { id: 'r2', state: 'ERROR', suiteRevision: 2, threshold: 1, reason: 'throttled' },
      { id: 'r1', state: 'PASSED', suiteRevision: 1, threshold: 0.9, passRate: 1 },
    ]);
    const queries = dynamo.commandCalls(QueryCommand).map((c) => c.args[0].input);
    expect(queries).toHaveLength(3);
    expect(queries[0]).toMatchObject({
      TableName: 'main',
      ScanIndexForward: false,
      ExpressionAttributeValues: {
        ':pk': 'PROMPT#support-reply',
        ':prefix': KEYS.evalRunSkPrefix(versionSortKey('1.10.0')),
      },
    });
    expect(queries[0]?.ExclusiveStartKey).toBeUndefined();
    expect(queries[2]?.ExclusiveStartKey).toEqual({ pk: 'PROMPT#support-reply', sk: 'EVAL#x#r2' });
  });
});
