/**
 * The CLI's side of server-side evaluations against a scripted API: `eval --wait`, `publish` uploading
 * suites, and `status` showing each pinned version's latest run.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sha256Hex } from '../../../src/core/hash.ts';
import { type FakeApi, fakeApi, problem, type RecordedRequest, type Reply, run, tempDir } from './support.ts';

let server: FakeApi | undefined;
let dir: { path: string; remove: () => Promise<void> };
beforeEach(async () => {
  dir = await tempDir();
});
afterEach(async () => {
  await server?.close();
  server = undefined;
  await dir.remove();
});

const RUN_PATH = '/prompts/a1/versions/1.0.0/evaluations';

function evaluationRun(state: string, extra: Record<string, unknown> = {}) {
  return {
    id: 'r1',
    promptId: 'a1',
    version: '1.0.0',
    state,
    threshold: 1,
    suiteRevision: 2,
    provider: { type: 'echo' },
    startedBy: 'local:developer',
    startedAt: '2026-11-22T10:00:00Z',
    tests: [],
    ...extra,
  };
}

const TESTS = [
  {
    description: 'uses the name',
    vars: { name: 'Ana' },
    passed: true,
    output: 'Greet Ana',
    latencyMs: 3,
    costUsd: 0,
    assertions: [{ type: 'icontains', passed: true, reason: 'output contains "ana"' }],
  },
  {
    description: 'stays polite',
    vars: { name: 'Bo' },
    passed: false,
    output: 'Greet Bo',
    latencyMs: 4,
    costUsd: 0,
    assertions: [
      { type: 'rendered-contains', passed: true, reason: 'rendered prompt contains "Bo"' },
      { type: 'icontains', passed: false, reason: 'output does not contain "sorry"' },
    ],
  },
];

/** POST answers 202 RUNNING; each GET of the run answers the next state (the last one repeats). */
function evaluations(states: readonly Record<string, unknown>[]) {
  const queue = [...states];
  return fakeApi((request): Reply => {
    if (request.method === 'POST' && request.url === RUN_PATH)
      return { status: 202, body: { id: 'r1', state: 'RUNNING', suiteRevision: 2 } };
    if (request.method === 'GET' && request.url === `${RUN_PATH}/r1`)
      return { status: 200, body: queue.length > 1 ? queue.shift() : queue[0] };
    return problem(404, 'NOT_FOUND', `No route ${request.method} ${request.url}`);
  });
}

const evalCli = (...args: string[]) =>
  run(['eval', 'a1@1.0.0', '--endpoint', server?.url ?? '', ...args], { cwd: dir.path });

describe('promptops eval', () => {
  it('without --wait prints the run id and state', async () => {
    server = await evaluations([evaluationRun('RUNNING')]);
    const { code, stdout } = await evalCli();
    expect(code).toBe(0);
    expect(stdout).toContain('RUNNING  evaluation r1 of a1@1.0.0 started (suite revision 2)');
    expect(server.requests.map((r) => `${r.method} ${r.url}`)).toEqual([`POST ${RUN_PATH}`]);
    expect(JSON.parse(server.requests[0]?.body ?? '')).toEqual({});
    const json = JSON.parse((await evalCli('--json')).stdout);
    expect(json).toEqual({ promptId: 'a1', version: '1.0.0', id: 'r1', state: 'RUNNING', suiteRevision: 2 });
  });

  it('sends --provider, --model and --base-url as the override', async () => {
    server = await evaluations([evaluationRun('RUNNING')]);
    await evalCli('--provider', 'openai', '--model', 'llama3', '--base-url', 'http://10.0.0.5:8000/v1');
    expect(JSON.parse(server.requests[0]?.body ?? '')).toEqual({
      provider: { type: 'openai', model: 'llama3', baseUrl: 'http://10.0.0.5:8000/v1' },
    });
  });

  it('--wait follows RUNNING to PASSED: the table, the summary, exit 0', async () => {
    server = await evaluations([
      evaluationRun('RUNNING'),
      evaluationRun('RUNNING'),
      evaluationRun('PASSED', { passRate: 1, tests: [TESTS[0]], endedAt: '2026-11-22T10:00:05Z' }),
    ]);
    const { code, stdout } = await evalCli('--wait', '--interval', '0.01');
    expect(code).toBe(0);
    const progress = stdout
      .split('\n')
      .filter((l) => l.startsWith('evaluation r1 of a1@1.0.0: '))
      .map((l) => l.replace(/ \[.*\]$/, ''));
    expect(progress).toEqual(['evaluation r1 of a1@1.0.0: RUNNING', 'evaluation r1 of a1@1.0.0: PASSED']);
    expect(stdout).toMatch(/^uses the name +icontains +pass +3 ms +\$0$/m);
    expect(stdout).toContain('PASSED  1/1 tests passed (100%), threshold 100%');
  });

  it('--wait ending FAILED exits 1 and the table names the failed assertion', async () => {
    server = await evaluations([evaluationRun('FAILED', { passRate: 0.5, tests: TESTS })]);
    const { code, stdout } = await evalCli('--wait', '--interval', '0.01');
    expect(code).toBe(1);
    expect(stdout).toMatch(/^stays polite +rendered-contains +pass +4 ms +\$0$/m);
    expect(stdout).toMatch(/^ +icontains +fail +output does not contain "sorry"$/m);
    expect(stdout).toContain('FAILED  1/2 tests passed (50%), threshold 100%');
  });

  it('--wait ending ERROR exits 1 with the reason', async () => {
    server = await evaluations([
      evaluationRun('RUNNING'),
      evaluationRun('ERROR', { reason: 'the bedrock provider is not enabled' }),
    ]);
    const { code, stdout } = await evalCli('--wait', '--interval', '0.01');
    expect(code).toBe(1);
    expect(stdout).toContain(
      'ERROR  0/0 tests passed (-), threshold 100%: the bedrock provider is not enabled',
    );
  });

  it('--wait --json: the run is the one document, progress goes to stderr', async () => {
    server = await evaluations([evaluationRun('FAILED', { passRate: 0.5, tests: TESTS })]);
    const { code, stdout, stderr } = await evalCli('--wait', '--interval', '0.01', '--json');
    expect(code).toBe(1);
    expect(JSON.parse(stdout)).toMatchObject({ id: 'r1', state: 'FAILED', passRate: 0.5, tests: TESTS });
    expect(stderr).toContain('evaluation r1 of a1@1.0.0: FAILED');
  });

  it('--timeout stops waiting with exit 1; the run continues', async () => {
    server = await evaluations([evaluationRun('RUNNING')]);
    const { code, stderr } = await evalCli('--wait', '--interval', '0.01', '--timeout', '0.05');
    expect(code).toBe(1);
    expect(stderr).toMatch(/error: Stopped waiting after 0\.\ds: evaluation r1 of a1@1\.0\.0 is RUNNING/);
    expect(stderr).toContain(`The run continues on the service; its result: GET ${RUN_PATH}/r1`);
  });

  it('a prompt without a suite is the API refusal, exit 1', async () => {
    server = await fakeApi(() => problem(422, 'NO_EVAL_SUITE', 'Prompt a1 has no evaluation suite'));
    const { code, stderr } = await evalCli('--wait');
    expect(code).toBe(1);
    expect(stderr).toContain('error: Prompt a1 has no evaluation suite');
    expect(stderr).toContain('NO_EVAL_SUITE (HTTP 422');
  });

  it('a malformed reference is a usage error before any request', async () => {
    server = await fakeApi(() => ({ status: 500 }));
    const { code, stderr } = await run(['eval', 'a1', '--endpoint', server.url], { cwd: dir.path });
    expect(code).toBe(2);
    expect(stderr).toContain('Bad prompt reference "a1"');
    expect(server.requests).toEqual([]);
  });
});

const PROMPT = `---
id: a1
variables:
  name: { type: string, required: true }
---
## role
You greet people.
## instructions
Greet {{name}}.
## output_format
One line.
`;
const SUITE = `provider: { type: echo }
tests:
  - vars: { name: Ana }
    assert:
      - { type: rendered-contains, value: Greet Ana }
`;

interface RegistryScript {
  /** The current suite on the service, if any. */
  readonly suite?: { revision: number; sha256: string };
  readonly publish?: Reply;
  readonly put?: Reply;
}

function registry(script: RegistryScript) {
  return fakeApi((request: RecordedRequest): Reply => {
    const route = `${request.method} ${request.url.split('?')[0]}`;
    switch (route) {
      case 'GET /prompts/a1/versions':
        return { status: 200, body: { items: [] } };
      case 'POST /prompts/a1/versions':
        return (
          script.publish ?? {
            status: 201,
            body: {
              id: 'a1',
              version: '1.0.0',
              sha256: 'a'.repeat(64),
              bump: { level: 'major', reasons: ['first version'] },
              createdBy: 'local:developer',
              createdAt: '2026-11-22T10:00:00Z',
            },
          }
        );
      case 'GET /prompts/a1/eval-suite':
        return script.suite
          ? {
              status: 200,
              body: { ...script.suite, suite: '...', updatedBy: 'x', updatedAt: '2026-11-22T09:00:00Z' },
            }
          : problem(404, 'NOT_FOUND', 'Prompt a1 has no evaluation suite');
      case 'PUT /prompts/a1/eval-suite':
        return script.put ?? { status: 201, body: { revision: 1, sha256: sha256Hex(SUITE) } };
      default:
        return problem(404, 'NOT_FOUND', `No route ${route}`);
    }
  });
}

describe('promptops publish uploads suites', () => {
  beforeEach(async () => {
    await mkdir(join(dir.path, 'prompts'));
    await writeFile(join(dir.path, 'prompts', 'a1.prompt.md'), PROMPT);
    await writeFile(join(dir.path, 'prompts', 'a1.eval.yaml'), SUITE);
  });
  const publish = (...args: string[]) =>
    run(['publish', '--endpoint', server?.url ?? '', ...args], { cwd: dir.path });
  const routes = () => server?.requests.map((r) => `${r.method} ${r.url.split('?')[0]}`);

  it('a new or changed suite is PUT after its prompt is published: "suite revision N"', async () => {
    server = await registry({});
    const { code, stdout } = await publish();
    expect(code).toBe(0);
    expect(routes()).toEqual([
      'GET /prompts/a1/versions',
      'POST /prompts/a1/versions',
      'GET /prompts/a1/eval-suite',
      'PUT /prompts/a1/eval-suite',
    ]);
    expect(JSON.parse(server.requests[3]?.body ?? '')).toEqual({ suite: SUITE });
    expect(stdout).toMatch(
      /^prompts\/a1\.prompt\.md +a1 +1\.0\.0 +published +major +first version +suite revision 1$/m,
    );
    expect(stdout).toContain('Uploaded 1 suite.');
  });

  it('--json includes each suite outcome', async () => {
    server = await registry({ suite: { revision: 3, sha256: 'b'.repeat(64) } });
    const { stdout } = await publish('--json');
    expect(JSON.parse(stdout)).toMatchObject({
      published: 1,
      suitesUploaded: 1,
      results: [
        {
          id: 'a1',
          result: 'published',
          suite: { file: 'prompts/a1.eval.yaml', result: 'uploaded', revision: 1, sha256: sha256Hex(SUITE) },
        },
      ],
    });
  });

  it('a suite identical to the current one is not uploaded: "suite unchanged"', async () => {
    server = await registry({ suite: { revision: 3, sha256: sha256Hex(SUITE) } });
    const { code, stdout } = await publish();
    expect(code).toBe(0);
    expect(routes()).not.toContain('PUT /prompts/a1/eval-suite');
    expect(stdout).toContain('suite unchanged (revision 3)');
  });

  it('when the prompt fails to publish, its suite is not uploaded', async () => {
    server = await registry({ publish: problem(409, 'CONFLICT', 'Someone published a1 meanwhile') });
    const { code, stderr } = await publish();
    expect(code).toBe(1);
    expect(stderr).toContain('error: Someone published a1 meanwhile');
    expect(routes()).toEqual(['GET /prompts/a1/versions', 'POST /prompts/a1/versions']);
  });

  it("a suite the service refuses fails the command with the problem's detail and each path and line", async () => {
    server = await registry({
      put: problem(400, 'VALIDATION_FAILED', 'The evaluation suite is invalid', {
        errors: [{ path: 'tests.0.assert.0.value', message: 'the regex does not compile', line: 5 }],
      }),
    });
    const { code, stderr, stdout } = await publish();
    expect(code).toBe(1);
    expect(stderr).toContain(
      'error: The service refused the suite prompts/a1.eval.yaml: The evaluation suite is invalid',
    );
    expect(stderr).toContain('  prompts/a1.eval.yaml:5  tests.0.assert.0.value: the regex does not compile');
    // What was published before the refusal is still shown.
    expect(stdout).toMatch(/prompts\/a1\.prompt\.md +a1 +1\.0\.0 +published/);
    const json = JSON.parse((await publish('--json')).stdout);
    expect(json.error).toMatchObject({
      code: 'VALIDATION_FAILED',
      results: [{ id: 'a1', result: 'published' }],
    });
  });

  it('a suite with errors against its prompt is refused before anything is published', async () => {
    await writeFile(join(dir.path, 'prompts', 'a1.eval.yaml'), SUITE.replace('name: Ana', 'nmae: Ana'));
    server = await registry({});
    const { code, stdout, stderr } = await publish();
    expect(code).toBe(1);
    expect(stdout).toMatch(/^prompts\/a1\.eval\.yaml:3 +error +eval-suite-variables +.*"nmae"/m);
    expect(stderr).toContain('error: Suite errors in prompts/a1.eval.yaml: nothing was published');
    expect(server.requests).toEqual([]);
  });

  it('a service without suite routes publishes the prompt and warns', async () => {
    server = await registry({ put: problem(404, 'NOT_FOUND', 'No route PUT /prompts/a1/eval-suite') });
    const { code, stderr, stdout } = await publish();
    expect(code).toBe(0);
    expect(stderr).toContain('warning: prompts/a1.eval.yaml was not uploaded');
    expect(stdout).not.toContain('suite revision');
  });
});

describe('promptops status shows the latest run of each pinned version', () => {
  function environment(evaluationsAnswer: (version: string) => Reply) {
    return fakeApi((request): Reply => {
      const path = request.url.split('?')[0] ?? '';
      if (path === '/environments/prod')
        return {
          status: 200,
          body: {
            environment: 'prod',
            revision: 3,
            prompts: {
              a1: '1.0.0',
              b1: {
                variants: [
                  { version: '2.0.0', weight: 90 },
                  { version: '2.1.0', weight: 10 },
                ],
              },
            },
            history: [],
          },
        };
      if (path === '/_local/alarms') return { status: 200, body: { prod: [] } };
      const match = /^\/prompts\/(\w+)\/versions\/([\d.]+)\/evaluations$/.exec(path);
      if (match) return evaluationsAnswer(`${match[1]}@${match[2]}`);
      return problem(404, 'NOT_FOUND', `No route ${path}`);
    });
  }
  const summary = (state: string, passRate?: number) => ({
    items: [{ ...evaluationRun(state, passRate !== undefined ? { passRate } : {}), tests: undefined }],
  });

  it('state and pass rate, or "no run"; --json includes them', async () => {
    server = await environment((ref) => ({
      status: 200,
      body:
        ref === 'a1@1.0.0'
          ? summary('PASSED', 1)
          : ref === 'b1@2.0.0'
            ? summary('FAILED', 0.5)
            : { items: [] },
    }));
    const { code, stdout } = await run(['status', '--env', 'prod', '--endpoint', server.url], {
      cwd: dir.path,
    });
    expect(code).toBe(0);
    expect(stdout).toMatch(/^ +PROMPT +PIN +EVALUATION$/m);
    expect(stdout).toMatch(/^ +a1 +1\.0\.0 +PASSED 100%$/m);
    expect(stdout).toMatch(
      /^ +b1 +2\.0\.0 \(90%\) \/ 2\.1\.0 \(10%\) +2\.0\.0 FAILED 50% \/ 2\.1\.0 no run$/m,
    );
    const json = JSON.parse(
      (await run(['status', '--env', 'prod', '--json', '--endpoint', server.url], { cwd: dir.path })).stdout,
    );
    expect(json.environments[0].evaluations).toEqual({
      a1: { '1.0.0': expect.objectContaining({ id: 'r1', state: 'PASSED', passRate: 1 }) },
      b1: { '2.0.0': expect.objectContaining({ state: 'FAILED', passRate: 0.5 }), '2.1.0': null },
    });
  });

  it('a service without evaluations (404) shows no evaluation column', async () => {
    server = await environment(() => problem(404, 'NOT_FOUND', 'No route'));
    const { code, stdout } = await run(['status', '--env', 'prod', '--endpoint', server.url], {
      cwd: dir.path,
    });
    expect(code).toBe(0);
    expect(stdout).toMatch(/^ +PROMPT +PIN$/m);
    expect(stdout).not.toContain('EVALUATION');
    const json = JSON.parse(
      (await run(['status', '--env', 'prod', '--json', '--endpoint', server.url], { cwd: dir.path })).stdout,
    );
    expect(json.environments[0]).not.toHaveProperty('evaluations');
  });
});
