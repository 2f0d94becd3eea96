/** The evaluate routes over in-memory adapters: every documented answer, and nothing written for a refusal. */
import { beforeEach, describe, expect, it } from 'vitest';
import { createEvaluateHandler } from '../../../lambda/handlers/evaluate.ts';
import { ALICE, BOB, call } from '../../fixtures/api.ts';
import { seedVersion } from '../../fixtures/delivery-setup.ts';
import { memoryEvaluation } from '../../fixtures/evaluation-fakes.ts';

const PASSING_SUITE = `description: smoke
provider: echo
tests:
  - description: asks the question
    vars: { question: "What is 2+2?" }
    assert:
      - { type: icontains, value: "what is 2+2" }
      - { type: rendered-contains, value: Answer }
`;

let setup: ReturnType<typeof memoryEvaluation>;
let handler: ReturnType<typeof createEvaluateHandler>;

const putSuite = (suite: unknown, id = 'support-reply', caller = ALICE) =>
  call(handler, 'PUT', `/prompts/${id}/eval-suite`, { body: { suite }, caller });
const start = (body?: unknown, version = '1.0.0', id = 'support-reply') =>
  call(handler, 'POST', `/prompts/${id}/versions/${version}/evaluations`, {
    ...(body === undefined ? {} : { body }),
    caller: BOB,
  });

function auditActions(): string[] {
  return [...setup.registry.audit.events.values()]
    .map((e) => e.action)
    .filter((a) => !a.startsWith('prompt.'));
}

function nothingWritten() {
  expect(setup.evaluations.writes).toBe(0);
  expect(setup.objects.suites.size).toBe(0);
  expect(setup.objects.outputs.size).toBe(0);
  expect(setup.launcher.jobs).toHaveLength(0);
  expect(auditActions()).toEqual([]);
}

beforeEach(async () => {
  setup = memoryEvaluation();
  handler = createEvaluateHandler(() => setup.deps);
  await seedVersion(setup.registry, 'support-reply', '1.0.0', { approved: false });
});

describe('Handler: evaluate', () => {
  describe('PUT /prompts/{id}/eval-suite', () => {
    it('stores a new suite as revision 1: 201 {revision, sha256}, text in the object store, audited', async () => {
      const response = await putSuite(PASSING_SUITE);
      expect(response.status).toBe(201);
      expect(response.body).toEqual({ revision: 1, sha256: expect.stringMatching(/^[0-9a-f]{64}$/) });
      expect(setup.objects.suites.get(response.body.sha256)).toBe(PASSING_SUITE);
      expect(setup.evaluations.revisions.get('support-reply#1')?.suite).toBe(PASSING_SUITE);
      const audit = [...setup.registry.audit.events.values()].find((e) => e.action === 'evalsuite.updated');
      expect(audit).toMatchObject({
        actor: ALICE,
        target: 'support-reply',
        promptId: 'support-reply',
        details: { revision: 1, sha256: response.body.sha256 },
      });
    });

    it('answers 200 with the same revision for an identical suite, and 201 with the next for a change', async () => {
      const first = await putSuite(PASSING_SUITE);
      const again = await putSuite(PASSING_SUITE);
      expect(again.status).toBe(200);
      expect(again.body).toEqual(first.body);
      const changed = await putSuite(PASSING_SUITE.replace('smoke', 'smoke 2'));
      expect(changed.status).toBe(201);
      expect(changed.body.revision).toBe(2);
      expect(auditActions()).toEqual(['evalsuite.updated', 'evalsuite.updated']);
    });

    it('answers 409 when another put moved the suite between the read and the write', async () => {
      await putSuite(PASSING_SUITE);
      const original = setup.evaluations.putSuite.bind(setup.evaluations);
      setup.evaluations.putSuite = async (record, expected) => {
        await original({ ...record, sha256: 'other', revision: expected + 1 }, expected);
        return original(record, expected);
      };
      const response = await putSuite(PASSING_SUITE.replace('smoke', 'raced'));
      expect(response.status).toBe(409);
      expect(response.body.code).toBe('REVISION_CONFLICT');
    });

    it('404 for a prompt that does not exist, nothing written', async () => {
      const response = await putSuite(PASSING_SUITE, 'no-such-prompt');
      expect(response.status).toBe(404);
      expect(response.body.code).toBe('NOT_FOUND');
      nothingWritten();
    });

    const tenThousandTests = `tests:\n${'  - { vars: { question: q }, assert: [{ type: equals, value: x }] }\n'.repeat(10_000)}`;
    it.each([
      ['YAML that does not parse', 'tests: [\n  - { vars: ', 'suite', /line \d+: YAML/],
      [
        'an unknown assertion type',
        'tests:\n  - vars: { question: q }\n    assert:\n      - { type: smells-nice, value: x }\n',
        'tests.0.assert.0.type',
        /line 4: test 1: unknown assertion type "smells-nice"/,
      ],
      [
        'a regex that does not compile',
        'tests:\n  - vars: { question: q }\n    assert:\n      - { type: regex, value: "(unclosed" }\n',
        'tests.0.assert.0.value',
        /line 4: .*does not compile/,
      ],
      [
        'a threshold outside 0..1',
        'threshold: 1.5\ntests:\n  - vars: { question: q }\n    assert: [{ type: contains, value: x }]\n',
        'threshold',
        /line 1: threshold is the share of tests/,
      ],
      [
        '10,000 tests',
        tenThousandTests,
        'tests',
        /line 2: the suite has 10000 tests, over the limit of 1000/,
      ],
      [
        'a provider baseUrl that is not http(s)',
        'provider: { type: openai, model: gpt-4o-mini, baseUrl: "ftp://models.example.com/v1" }\ntests:\n  - vars: { question: q }\n    assert: [{ type: contains, value: x }]\n',
        'provider.baseUrl',
        /line 1: provider.baseUrl must be an http:\/\/ or https:\/\/ URL/,
      ],
    ])('400 VALIDATION_FAILED naming the path and line for %s, nothing written', async (_name, suite, path, message) => {
      const response = await putSuite(suite);
      expect(response.status).toBe(400);
      expect(response.body.code).toBe('VALIDATION_FAILED');
      const error = response.body.errors.find((e: { path: string }) => e.path === path);
      expect(error, JSON.stringify(response.body.errors)).toBeDefined();
      expect(error.message).toMatch(message);
      nothingWritten();
    });

    it.each([
      [
        'a test without vars for a required variable',
        'tests:\n  - description: no vars\n    assert: [{ type: contains, value: x }]\n',
        /test 1 "no vars" does not set required variable "question"/,
      ],
      [
        'a variable the prompt does not declare',
        'tests:\n  - vars: { question: q, tone: warm }\n    assert: [{ type: contains, value: x }]\n',
        /sets variable "tone", which prompt "support-reply" does not declare/,
      ],
    ])('422 LINT_FAILED with findings for %s, nothing written', async (_name, suite, message) => {
      const response = await putSuite(suite);
      expect(response.status).toBe(422);
      expect(response.body.code).toBe('LINT_FAILED');
      expect(response.body.findings[0]).toMatchObject({
        rule: 'eval-suite-variables',
        severity: 'error',
        line: 2,
      });
      expect(response.body.findings[0].message).toMatch(message);
      nothingWritten();
    });

    it.each([
      ['no body', undefined],
      ['a suite that is not text', { suite: 42 }],
      ['an unknown member', { suite: PASSING_SUITE, extra: true }],
    ])('400 for %s, nothing written', async (_name, body) => {
      const response = await call(handler, 'PUT', '/prompts/support-reply/eval-suite', {
        ...(body === undefined ? {} : { body }),
      });
      expect(response.status).toBe(400);
      nothingWritten();
    });
  });

  describe('GET /prompts/{id}/eval-suite', () => {
    it('404 without a suite, then 200 with the current suite', async () => {
      expect((await call(handler, 'GET', '/prompts/support-reply/eval-suite')).status).toBe(404);
      const put = await putSuite(PASSING_SUITE);
      const response = await call(handler, 'GET', '/prompts/support-reply/eval-suite');
      expect(response.status).toBe(200);
      expect(response.body).toEqual({
        revision: 1,
        sha256: put.body.sha256,
        suite: PASSING_SUITE,
        updatedBy: ALICE,
        updatedAt: expect.any(String),
      });
    });
  });

  describe('POST /prompts/{id}/versions/{version}/evaluations', () => {
    it('writes a RUNNING run, audits it and launches the worker: 202 {id, state, suiteRevision}', async () => {
      await putSuite(PASSING_SUITE);
      const response = await start();
      expect(response.status).toBe(202);
      expect(response.body).toEqual({
        id: expect.stringMatching(/^\d{8}T\d{9}Z-[0-9a-f]{8}$/),
        state: 'RUNNING',
        suiteRevision: 1,
      });
      expect(setup.launcher.jobs).toEqual([
        { promptId: 'support-reply', version: '1.0.0', runId: response.body.id },
      ]);
      const run = await setup.evaluations.getRun('support-reply', '1.0.0', response.body.id);
      expect(run).toMatchObject({
        state: 'RUNNING',
        threshold: 1,
        suiteRevision: 1,
        provider: { type: 'echo' },
        providerSpec: { type: 'echo' },
        startedBy: BOB,
      });
      expect(run).not.toHaveProperty('providerOverride');
      expect(auditActions()).toContain('evaluation.started');
    });

    it('uses the override before the suite provider', async () => {
      await putSuite(PASSING_SUITE);
      const response = await start({
        provider: {
          type: 'openai',
          model: 'llama3',
          baseUrl: 'http://localhost:11434/v1',
          apiKeyEnv: 'OPENAI_KEY',
        },
      });
      expect(response.status).toBe(202);
      const run = await setup.evaluations.getRun('support-reply', '1.0.0', response.body.id);
      expect(run?.provider).toEqual({ type: 'openai', model: 'llama3' });
      expect(run?.providerSpec).toMatchObject({
        baseUrl: 'http://localhost:11434/v1',
        apiKeyEnv: 'OPENAI_KEY',
      });
      // The release gate does not count a run with another provider than the suite's own.
      expect(run?.providerOverride).toBe(true);
    });

    it('404 for a version that does not exist, nothing written', async () => {
      await putSuite(PASSING_SUITE);
      const before = setup.evaluations.writes;
      const response = await start(undefined, '9.9.9');
      expect(response.status).toBe(404);
      expect(setup.evaluations.writes).toBe(before);
      expect(setup.launcher.jobs).toHaveLength(0);
    });

    it('422 NO_EVAL_SUITE for a prompt without a suite, nothing written', async () => {
      const response = await start();
      expect(response.status).toBe(422);
      expect(response.body.code).toBe('NO_EVAL_SUITE');
      nothingWritten();
    });

    it('422 PROVIDER_NOT_ALLOWED naming evalModels for bedrock when the stack lists no model', async () => {
      await putSuite(PASSING_SUITE);
      const before = setup.evaluations.writes;
      const response = await start({ provider: { type: 'bedrock', model: 'anthropic.claude-sonnet-4' } });
      expect(response.status).toBe(422);
      expect(response.body.code).toBe('PROVIDER_NOT_ALLOWED');
      expect(response.body.setting).toBe('evalModels');
      expect(response.body.detail).toMatch(/evalModels/);
      expect(setup.evaluations.writes).toBe(before);
      expect(setup.launcher.jobs).toHaveLength(0);
    });

    it('422 for a bedrock model the stack does not list; 202 for one it does', async () => {
      setup = memoryEvaluation({ evalModels: ['amazon.nova-lite-v1:0'] });
      handler = createEvaluateHandler(() => setup.deps);
      await seedVersion(setup.registry, 'support-reply', '1.0.0', { approved: false });
      await putSuite(PASSING_SUITE);
      const refused = await start({ provider: { type: 'bedrock', model: 'anthropic.claude-sonnet-4' } });
      expect(refused.status).toBe(422);
      expect(refused.body.detail).toMatch(
        /"anthropic.claude-sonnet-4" is not in the CDK context "evalModels"/,
      );
      const allowed = await start({ provider: { type: 'bedrock', model: 'amazon.nova-lite-v1:0' } });
      expect(allowed.status).toBe(202);
    });

    it('422 when the suite judge is a bedrock model the stack does not list', async () => {
      await putSuite(`${PASSING_SUITE}judge: { type: bedrock, model: anthropic.claude-sonnet-4 }\n`);
      const before = setup.evaluations.writes;
      const response = await start();
      expect(response.status).toBe(422);
      expect(response.body.code).toBe('PROVIDER_NOT_ALLOWED');
      expect(setup.evaluations.writes).toBe(before);
    });

    it.each([
      [
        'a baseUrl that is not http(s)',
        { type: 'openai', model: 'm', baseUrl: 'file:///etc/passwd' },
        'provider.baseUrl',
      ],
      [
        'a baseUrl with credentials',
        { type: 'openai', model: 'm', baseUrl: 'https://u:p@x.example/v1' },
        'provider.baseUrl',
      ],
      [
        'an AWS_ key variable',
        { type: 'openai', model: 'm', apiKeyEnv: 'AWS_SECRET_ACCESS_KEY' },
        'provider.apiKeyEnv',
      ],
      ['an unknown type', { type: 'gemini' }, 'provider.type'],
      ['baseUrl on echo', { type: 'echo', baseUrl: 'https://x.example' }, 'provider.baseUrl'],
    ])('400 for an override with %s, nothing written', async (_name, provider, path) => {
      await putSuite(PASSING_SUITE);
      const before = setup.evaluations.writes;
      const response = await start({ provider });
      expect(response.status).toBe(400);
      expect(response.body.errors.map((e: { path: string }) => e.path)).toContain(path);
      expect(setup.evaluations.writes).toBe(before);
      expect(setup.launcher.jobs).toHaveLength(0);
    });

    it('400 when no provider is named anywhere (suite, override, prompt model)', async () => {
      await putSuite(PASSING_SUITE.replace('provider: echo\n', ''));
      const before = setup.evaluations.writes;
      const response = await start();
      expect(response.status).toBe(400);
      expect(response.body.errors[0].path).toBe('provider');
      expect(setup.evaluations.writes).toBe(before);
    });

    it('a launch that fails ends the run in ERROR (nothing left RUNNING) and answers 500', async () => {
      await putSuite(PASSING_SUITE);
      setup.launcher.failure = new Error('function not found');
      const response = await start();
      expect(response.status).toBe(500);
      const [run] = [...setup.evaluations.runs.values()];
      expect(run).toMatchObject({
        state: 'ERROR',
        reason: expect.stringMatching(/could not be started: function not found/),
      });
      expect(run?.endedAt).toBeDefined();
      expect(auditActions()).toEqual(['evalsuite.updated', 'evaluation.started', 'evaluation.finished']);
    });

    it('a throttled launch ends the run in ERROR and answers 429', async () => {
      await putSuite(PASSING_SUITE);
      setup.launcher.failure = Object.assign(new Error('Rate exceeded'), {
        name: 'TooManyRequestsException',
      });
      const response = await start();
      expect(response.status).toBe(429);
      expect([...setup.evaluations.runs.values()][0]?.state).toBe('ERROR');
    });
  });

  describe('GET .../evaluations and .../evaluations/{evaluationId}', () => {
    it("lists a version's runs newest first, and reads one with its tests", async () => {
      await putSuite(PASSING_SUITE);
      const first = await start();
      const second = await start();
      const list = await call(handler, 'GET', '/prompts/support-reply/versions/1.0.0/evaluations');
      expect(list.status).toBe(200);
      expect(list.body.items.map((r: { id: string }) => r.id)).toEqual([second.body.id, first.body.id]);
      expect(list.body.items[0]).toEqual({
        id: second.body.id,
        promptId: 'support-reply',
        version: '1.0.0',
        state: 'RUNNING',
        threshold: 1,
        suiteRevision: 1,
        provider: { type: 'echo' },
        startedBy: BOB,
        startedAt: expect.any(String),
      });
      const one = await call(
        handler,
        'GET',
        `/prompts/support-reply/versions/1.0.0/evaluations/${first.body.id}`,
      );
      expect(one.status).toBe(200);
      expect(one.body).toMatchObject({ id: first.body.id, state: 'RUNNING', tests: [] });
      expect(one.body.providerSpec).toBeUndefined();
    });

    it('404 for an unknown version, an unknown run and a malformed run id', async () => {
      expect((await call(handler, 'GET', '/prompts/support-reply/versions/2.0.0/evaluations')).status).toBe(
        404,
      );
      for (const id of ['20261201T100000000Z-00000000', 'not-a-run-id']) {
        const response = await call(
          handler,
          'GET',
          `/prompts/support-reply/versions/1.0.0/evaluations/${id}`,
        );
        expect(response.status).toBe(404);
      }
    });
  });
});
