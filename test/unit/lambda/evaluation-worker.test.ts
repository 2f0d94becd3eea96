/** The evaluation worker over in-memory adapters: runs, results, redelivery, crashes and large outputs. */
import { beforeEach, describe, expect, it } from 'vitest';
import { executeEvaluation, keyEnvironment } from '../../../lambda/evaluation/execute-evaluation.ts';
import { getEvaluation } from '../../../lambda/evaluation/queries.ts';
import { startEvaluation } from '../../../lambda/evaluation/start-evaluation.ts';
import { putSuite } from '../../../lambda/evaluation/suites.ts';
import { createEvaluationWorkerHandler } from '../../../lambda/handlers/evaluation-worker.ts';
import { ALICE, BOB, lambdaContext } from '../../fixtures/api.ts';
import { seedVersion } from '../../fixtures/delivery-setup.ts';
import { memoryEvaluation } from '../../fixtures/evaluation-fakes.ts';

const suiteText = (value: string, provider = 'echo') => `threshold: 0.5
provider: ${provider}
tests:
  - description: mentions the question
    vars: { question: "What is 2+2?" }
    assert: [{ type: icontains, value: "${value}" }]
  - description: polite
    vars: { question: "Hi" }
    assert: [{ type: not-contains, value: "stupid" }]
`;

let setup: ReturnType<typeof memoryEvaluation>;

async function started(
  suite = suiteText('what is 2+2'),
  provider?: Parameters<typeof startEvaluation>[1]['provider'],
) {
  await putSuite(setup.deps, { promptId: 'support-reply', suite, caller: ALICE, requestId: 'r1' });
  const run = await startEvaluation(setup.deps, {
    promptId: 'support-reply',
    version: '1.0.0',
    ...(provider ? { provider } : {}),
    caller: BOB,
    requestId: 'r2',
  });
  return { promptId: 'support-reply', version: '1.0.0', runId: run.id };
}

const finishedAudits = () =>
  [...setup.registry.audit.events.values()].filter((e) => e.action === 'evaluation.finished');

beforeEach(async () => {
  setup = memoryEvaluation();
  await seedVersion(setup.registry, 'support-reply', '1.0.0', { approved: false });
});

describe('executeEvaluation', () => {
  it('runs the suite, records PASSED with the pass rate and the tests inline, and audits the end', async () => {
    const job = await started();
    expect(await executeEvaluation(setup.worker, job, { requestId: 'w1' })).toBe('finished');
    const run = await getEvaluation(setup.worker, job.promptId, job.version, job.runId);
    expect(run).toMatchObject({ state: 'PASSED', passRate: 1, threshold: 0.5, suiteRevision: 1 });
    expect(run.endedAt).toBeDefined();
    expect(run.tests).toHaveLength(2);
    expect(run.tests[0]).toMatchObject({
      description: 'mentions the question',
      vars: { question: 'What is 2+2?' },
      passed: true,
      output: expect.stringContaining('What is 2+2?'),
      latencyMs: 0,
      costUsd: 0,
      assertions: [{ type: 'icontains', passed: true }],
    });
    expect(run.tests[0]).not.toHaveProperty('index');
    expect(setup.objects.outputs.size).toBe(0);
    expect(finishedAudits()).toHaveLength(1);
    expect(finishedAudits()[0]).toMatchObject({
      actor: BOB,
      target: 'support-reply@1.0.0',
      details: { runId: job.runId, state: 'PASSED', passRate: 1, threshold: 0.5 },
    });
  });

  it('records FAILED when the pass rate is under the threshold', async () => {
    const job = await started(suiteText('no such text').replace('threshold: 0.5', 'threshold: 1'));
    await executeEvaluation(setup.worker, job, { requestId: 'w1' });
    const run = await setup.evaluations.getRun(job.promptId, job.version, job.runId);
    expect(run).toMatchObject({ state: 'FAILED', passRate: 0.5, threshold: 1 });
    expect(finishedAudits()[0]?.details).toMatchObject({ state: 'FAILED', passRate: 0.5 });
  });

  it('does nothing for a run that already ended (a redelivered invoke) or does not exist', async () => {
    const job = await started();
    await executeEvaluation(setup.worker, job, { requestId: 'w1' });
    const writes = setup.evaluations.writes;
    expect(await executeEvaluation(setup.worker, job, { requestId: 'w2' })).toBe('skipped');
    expect(
      await executeEvaluation(
        setup.worker,
        { ...job, runId: '20261201T000000000Z-ffffffff' },
        { requestId: 'w3' },
      ),
    ).toBe('skipped');
    expect(setup.evaluations.writes).toBe(writes);
    expect(finishedAudits()).toHaveLength(1);
  });

  it('runs against the suite revision the run names, not a newer one', async () => {
    const job = await started();
    await putSuite(setup.deps, {
      promptId: 'support-reply',
      suite: suiteText('nope'),
      caller: ALICE,
      requestId: 'r3',
    });
    await executeEvaluation(setup.worker, job, { requestId: 'w1' });
    expect((await setup.evaluations.getRun(job.promptId, job.version, job.runId))?.state).toBe('PASSED');
  });

  it('ends the run in ERROR with the reason when anything crashes', async () => {
    const job = await started();
    setup.worker = {
      ...setup.worker,
      createProvider: () => {
        throw new Error('provider exploded');
      },
    };
    expect(await executeEvaluation(setup.worker, job, { requestId: 'w1' })).toBe('finished');
    const run = await setup.evaluations.getRun(job.promptId, job.version, job.runId);
    expect(run).toMatchObject({ state: 'ERROR', reason: 'the evaluation failed: provider exploded' });
    expect(finishedAudits()[0]?.details).toMatchObject({
      state: 'ERROR',
      reason: expect.stringMatching(/exploded/),
    });
  });

  it('ends the run in ERROR when the allow-list no longer admits its bedrock model', async () => {
    setup = memoryEvaluation({ evalModels: ['amazon.nova-lite-v1:0'] });
    await seedVersion(setup.registry, 'support-reply', '1.0.0', { approved: false });
    const job = await started(suiteText('x', '{ type: bedrock, model: amazon.nova-lite-v1:0 }'));
    setup.worker = { ...setup.worker, evalModels: [] };
    await executeEvaluation(setup.worker, job, { requestId: 'w1' });
    expect(await setup.evaluations.getRun(job.promptId, job.version, job.runId)).toMatchObject({
      state: 'ERROR',
      reason: expect.stringMatching(/evalModels/),
    });
    expect(setup.providerCalls).toHaveLength(0);
  });

  it('ends the run in ERROR when stopped (the Lambda is about to time out)', async () => {
    const job = await started();
    const controller = new AbortController();
    controller.abort(new Error('time is up'));
    await executeEvaluation(setup.worker, job, { requestId: 'w1', signal: controller.signal });
    expect(await setup.evaluations.getRun(job.promptId, job.version, job.runId)).toMatchObject({
      state: 'ERROR',
      reason: expect.stringMatching(/stopped.*time is up/),
    });
  });

  it('stores results over the inline limit in the object store by hash, and reads them back', async () => {
    const job = await started();
    setup.worker = { ...setup.worker, inlineOutputBytes: 10 };
    await executeEvaluation(setup.worker, job, { requestId: 'w1' });
    const stored = await setup.evaluations.getRun(job.promptId, job.version, job.runId);
    expect(stored?.tests).toBeUndefined();
    expect(stored?.testsSha256).toMatch(/^[0-9a-f]{64}$/);
    expect(setup.objects.outputs.has(stored?.testsSha256 as string)).toBe(true);
    const run = await getEvaluation(setup.worker, job.promptId, job.version, job.runId);
    expect(run.tests).toHaveLength(2);
    expect(run.state).toBe('PASSED');
  });

  it('hands a provider only the API key variable its spec names', async () => {
    const job = await started(suiteText('x'), {
      type: 'openai',
      model: 'llama3',
      baseUrl: 'http://localhost:1/v1',
      apiKeyEnv: 'OPENAI_KEY',
    });
    await executeEvaluation(setup.worker, job, { requestId: 'w1' });
    expect(setup.providerCalls[0]?.env).toEqual({ OPENAI_KEY: 'sk-test' });
    const env = { AWS_SECRET_ACCESS_KEY: 's', PROMPTOPS_TABLE: 't', KEY: 'k' };
    expect(keyEnvironment({ type: 'openai', apiKeyEnv: 'AWS_SECRET_ACCESS_KEY' }, env)).toEqual({});
    expect(keyEnvironment({ type: 'openai', apiKeyEnv: 'PROMPTOPS_TABLE' }, env)).toEqual({});
    expect(keyEnvironment({ type: 'echo' }, env)).toEqual({});
  });
});

describe('Handler: evaluation worker', () => {
  it('executes the job it is invoked with and ignores other events', async () => {
    const job = await started();
    const handler = createEvaluationWorkerHandler(() => setup.worker);
    expect(await handler({ hello: 'world' }, lambdaContext('worker'))).toEqual({ result: 'ignored' });
    expect(await handler(job, lambdaContext('worker'))).toEqual({ result: 'finished' });
    expect(await handler(job, lambdaContext('worker'))).toEqual({ result: 'skipped' });
    expect((await setup.evaluations.getRun(job.promptId, job.version, job.runId))?.state).toBe('PASSED');
  });

  it('stops the run when its own signal aborts (local mode closing)', async () => {
    const job = await started();
    const controller = new AbortController();
    controller.abort(new Error('local mode is closing'));
    const handler = createEvaluationWorkerHandler(() => setup.worker, { signal: controller.signal });
    await handler(job, lambdaContext('worker'));
    expect((await setup.evaluations.getRun(job.promptId, job.version, job.runId))?.reason).toMatch(/closing/);
  });
});
