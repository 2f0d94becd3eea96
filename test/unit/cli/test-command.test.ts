/** `promptops test`: suites beside prompt files, run offline with echo (or a provider the test serves). */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type FakeApi, fakeApi, run, tempDir } from './support.ts';

const PROMPT = `---
id: greet
model: { provider: bedrock, id: anthropic.claude-haiku-4 }
variables:
  name: { type: string, required: true }
  tone: { type: string, required: false, default: warm }
---
## role
You greet people.
## instructions
Greet {{name}} in a {{tone}} tone.
## output_format
One line.
`;

const PASSING = `provider: { type: echo }
threshold: 1
tests:
  - description: uses the name
    vars: { name: Ana }
    assert:
      - { type: rendered-contains, value: Greet Ana }
      - { type: icontains, value: warm tone }
  - description: a tone replaces the default
    vars: { name: Bo, tone: dry }
    assert:
      - { type: not-rendered-contains, value: warm }
`;

let dir: { path: string; remove: () => Promise<void> };
let server: FakeApi | undefined;
beforeEach(async () => {
  dir = await tempDir();
  await mkdir(join(dir.path, 'prompts'));
  await writeFile(join(dir.path, 'prompts', 'greet.prompt.md'), PROMPT);
});
afterEach(async () => {
  await server?.close();
  server = undefined;
  await dir.remove();
});

const suite = (text: string) => writeFile(join(dir.path, 'prompts', 'greet.eval.yaml'), text);
const test = (...args: string[]) => run(['test', ...args], { cwd: dir.path });

describe('promptops test', () => {
  it('runs the suite beside each prompt with echo: a table per assertion, the summary, exit 0', async () => {
    await suite(PASSING);
    const { code, stdout } = await test();
    expect(code).toBe(0);
    expect(stdout).toContain('greet  prompts/greet.eval.yaml, echo');
    expect(stdout).toMatch(/^TEST +ASSERTION +RESULT +LATENCY +COST$/m);
    expect(stdout).toMatch(/^uses the name +rendered-contains +pass +0 ms +\$0$/m);
    expect(stdout).toMatch(/^ +icontains +pass$/m);
    // A test of rendered-* assertions only never calls the model: no latency, no cost.
    expect(stdout).toMatch(/^a tone replaces the default +not-rendered-contains +pass$/m);
    expect(stdout).toContain('PASSED  2/2 tests passed (100%), threshold 100%');
    expect(stdout).toContain('1 of 1 suite passed');
  });

  it('a failing assertion fails the suite (exit 1), and the table names it with its reason', async () => {
    await suite(
      PASSING.replace('{ type: icontains, value: warm tone }', '{ type: icontains, value: goodbye }'),
    );
    const { code, stdout } = await test('prompts/greet.prompt.md');
    expect(code).toBe(1);
    expect(stdout).toMatch(/^ +icontains +fail +.*goodbye/m);
    expect(stdout).toMatch(/^TEST +ASSERTION +RESULT +LATENCY +COST +REASON$/m);
    expect(stdout).toContain('FAILED  1/2 tests passed (50%), threshold 100%');
    expect(stdout).toContain('0 of 1 suite passed');
  });

  it('a threshold below 1 lets a suite pass with a failing test', async () => {
    await suite(
      PASSING.replace('threshold: 1', 'threshold: 0.5').replace('value: warm tone', 'value: goodbye'),
    );
    const { code, stdout } = await test();
    expect(code).toBe(0);
    expect(stdout).toContain('PASSED  1/2 tests passed (50%), threshold 50%');
  });

  it('vars that do not match the prompt are lint errors at file:line, and nothing runs', async () => {
    await suite(
      [
        'provider: { type: echo }',
        'tests:',
        '  - description: typo',
        '    vars:',
        '      nam: Ana',
        '    assert:',
        '      - { type: icontains, value: ana }',
        '',
      ].join('\n'),
    );
    const { code, stdout } = await test();
    expect(code).toBe(1);
    expect(stdout).toMatch(/^prompts\/greet\.eval\.yaml:5 +error +eval-suite-variables +.*"nam"/m);
    expect(stdout).toMatch(
      /^prompts\/greet\.eval\.yaml:5 +error +eval-suite-variables +.*required variable "name"/m,
    );
    expect(stdout).toContain('INVALID  the suite has errors: nothing ran');
    const json = JSON.parse((await test('--json')).stdout);
    expect(json.results[0]).toMatchObject({ state: 'INVALID', suite: 'prompts/greet.eval.yaml' });
    expect(json.results[0].findings).toContainEqual(
      expect.objectContaining({ file: 'prompts/greet.eval.yaml', line: 5, rule: 'eval-suite-variables' }),
    );
  });

  it('a suite that does not parse names its line', async () => {
    await suite('tests:\n  - vars: { name: Ana }\n    assert:\n      - { type: sounds-good }\n');
    const { code, stdout } = await test();
    expect(code).toBe(1);
    expect(stdout).toMatch(/^prompts\/greet\.eval\.yaml:4 +error +eval-suite-syntax +.*sounds-good/m);
  });

  it('--json prints the results per prompt as the one document', async () => {
    await suite(PASSING);
    const { code, stdout } = await test('--json');
    expect(code).toBe(0);
    const json = JSON.parse(stdout);
    expect(json).toMatchObject({
      ok: true,
      results: [
        {
          file: 'prompts/greet.prompt.md',
          id: 'greet',
          suite: 'prompts/greet.eval.yaml',
          state: 'PASSED',
          passRate: 1,
          threshold: 1,
          provider: { type: 'echo' },
          tests: [
            {
              description: 'uses the name',
              vars: { name: 'Ana' },
              passed: true,
              latencyMs: 0,
              costUsd: 0,
              assertions: [
                { type: 'rendered-contains', passed: true },
                { type: 'icontains', passed: true },
              ],
            },
            { description: 'a tone replaces the default', passed: true },
          ],
        },
      ],
    });
    expect(json.results[0].tests[0].output).toContain('Greet Ana in a warm tone.');
  });

  it('a prompt without a suite is reported and does not fail', async () => {
    await writeFile(join(dir.path, 'prompts', 'other.prompt.md'), PROMPT.replace('id: greet', 'id: other'));
    await suite(PASSING);
    const { code, stdout } = await test();
    expect(code).toBe(0);
    expect(stdout).toContain('other  no suite (prompts/other.prompt.md)');
    expect(stdout).toContain('1 of 1 suite passed');
    const json = JSON.parse((await test('--json')).stdout);
    expect(json.results.map((r: { id: string; state: string }) => [r.id, r.state])).toEqual([
      ['greet', 'PASSED'],
      ['other', 'NO_SUITE'],
    ]);
  });

  it('with no suite at all it says how to add one, and exits 0', async () => {
    const { code, stdout } = await test();
    expect(code).toBe(0);
    expect(stdout).toContain('greet  no suite');
    expect(stdout).toContain('No suites found: add <id>.eval.yaml beside a prompt to test it.');
  });

  it('--provider overrides the suite: a suite naming an unreachable server passes with echo', async () => {
    await suite(
      PASSING.replace('{ type: echo }', '{ type: openai, model: m, baseUrl: "http://127.0.0.1:9/v1" }'),
    );
    const failed = await test('--json');
    expect(failed.code).toBe(1);
    const result = JSON.parse(failed.stdout).results[0];
    expect(result.provider).toEqual({ type: 'openai', model: 'm' });
    expect(result.state).toBe('FAILED');
    expect(result.tests[0].error).toMatch(/127\.0\.0\.1:9.* could not be reached/);
    const { code, stdout } = await test('--provider', 'echo');
    expect(code).toBe(0);
    expect(stdout).toContain('greet  prompts/greet.eval.yaml, echo');
  });

  it('--provider openai --model --base-url calls that server, with the key the suite names', async () => {
    server = await fakeApi(() => ({
      status: 200,
      body: {
        choices: [{ message: { content: 'Hello Ana, in a warm tone!' } }],
        usage: { prompt_tokens: 12, completion_tokens: 6 },
      },
    }));
    await suite(PASSING.replace('{ type: echo }', '{ type: openai, model: gpt-x, apiKeyEnv: MY_KEY }'));
    const { code, stdout } = await run(
      ['test', '--json', '--provider', 'openai', '--model', 'local-model', '--base-url', `${server.url}/v1`],
      { cwd: dir.path, env: { MY_KEY: 'sk-test-123' } },
    );
    expect(code).toBe(0);
    expect(JSON.parse(stdout).results[0]).toMatchObject({
      state: 'PASSED',
      provider: { type: 'openai', model: 'local-model' },
      tests: [{ output: 'Hello Ana, in a warm tone!', inputTokens: 12, outputTokens: 6 }, {}],
    });
    expect(server.requests).toHaveLength(1);
    expect(server.requests[0]?.url).toBe('/v1/chat/completions');
    expect(server.requests[0]?.headers.authorization).toBe('Bearer sk-test-123');
    expect(JSON.parse(server.requests[0]?.body ?? '{}').model).toBe('local-model');
  });

  it.each([
    [['--model', 'x'], '--model needs --provider <type>'],
    [['--provider', 'echo', '--base-url', 'http://x/v1'], '--base-url works with --provider openai only'],
    [['--provider', 'openai', '--model', 'm', '--base-url', 'ftp://x'], 'is not an http(s) URL'],
  ])('promptops test %j is a usage error', async (args, message) => {
    const { code, stderr } = await test(...args);
    expect(code).toBe(2);
    expect(stderr).toContain(message);
  });

  it('--provider takes only known types', async () => {
    const { code, stderr } = await test('--provider', 'gemini');
    expect(code).toBe(2);
    expect(stderr).toContain('Allowed choices are bedrock, openai, echo');
  });
});

describe('the example suites', () => {
  it('every example prompt has a suite, and each passes with echo', async () => {
    const examples = new URL('../../../examples/prompts/', import.meta.url).pathname;
    const { code, stdout } = await run(['test', '--json', examples], { cwd: dir.path });
    const json = JSON.parse(stdout);
    expect(json.results.map((r: { id: string; state: string }) => [r.id, r.state])).toEqual([
      ['release-notes', 'PASSED'],
      ['support-reply', 'PASSED'],
      ['ticket-triage', 'PASSED'],
    ]);
    expect(code).toBe(0);
  });
});
