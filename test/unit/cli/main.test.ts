/** The command line as a whole: parsing, help, exit codes, and how errors are printed. */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type FakeApi, fakeApi, problem, run, tempDir } from './support.ts';

const COMMANDS = [
  'init',
  'lint',
  'test',
  'publish',
  'eval',
  'approve',
  'deploy',
  'status',
  'rollback',
  'diff',
  'history',
  'feedback',
  'snapshot',
  'export',
  'import',
  'dev',
];

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

const STACK_LINE = /^\s+at .+\(.+:\d+:\d+\)$/m;

describe('promptops --help', () => {
  it('lists every command, the global options, the endpoint rules and the exit codes', async () => {
    const { code, stdout } = await run(['--help']);
    expect(code).toBe(0);
    for (const command of COMMANDS) expect(stdout).toMatch(new RegExp(`^  ${command} `, 'm'));
    for (const option of ['--endpoint <url>', '--user <name>', '--json', '--debug', '--version'])
      expect(stdout).toContain(option);
    expect(stdout).toContain('Exit codes: 0 ok, 1 failure');
    expect(stdout).toContain('cdk-outputs.json');
  });

  it.each(
    COMMANDS,
  )('promptops %s --help describes the command with its options and an example', async (command) => {
    const { code, stdout } = await run([command, '--help']);
    expect(code).toBe(0);
    expect(stdout).toMatch(new RegExp(`^Usage: promptops ${command}`));
    expect(stdout).toContain('Examples:');
    expect(stdout).toMatch(new RegExp(`\\$ promptops ${command}`));
  });

  it('promptops help [command] prints the help on stdout and exits 0', async () => {
    const all = await run(['help']);
    expect(all.code).toBe(0);
    expect(all.stdout).toMatch(/^Usage: promptops \[options\] \[command\]/);
    const one = await run(['help', 'rollback']);
    expect(one.code).toBe(0);
    expect(one.stdout).toMatch(/^Usage: promptops rollback/);
  });

  it('prints the version', async () => {
    const pkg = JSON.parse(await readFile(new URL('../../../package.json', import.meta.url), 'utf8')) as {
      version: string;
    };
    expect((await run(['--version'])).stdout.trim()).toBe(pkg.version);
  });
});

describe('usage errors exit 2', () => {
  it.each([
    [['frobnicate'], /unknown command 'frobnicate'/],
    [['approve'], /missing required argument/],
    [
      ['publish', '--bump', 'huge'],
      /argument 'huge' is invalid. Allowed choices are auto, major, minor, patch/,
    ],
    [['deploy', '--env', 'prod', 'a1@1.0.0', '--interval', '0'], /Give a number of seconds above 0/],
    [['deploy', '--env', 'prod', 'a1@1.0.0', '--timeout', 'soon'], /Give a duration such as 90s/],
    [['snapshot', '--env', 'prod'], /required option '--out <file>' not specified/],
    [[], /Usage: promptops/],
  ])('promptops %j', async (argv, message) => {
    const { code, stderr } = await run(argv);
    expect(code).toBe(2);
    expect(stderr).toMatch(message);
  });

  it.each([
    [
      ['approve', 'support-reply'],
      'Bad prompt reference "support-reply": use <id>@<version>, for example support-reply@1.2.0',
    ],
    [
      ['approve', 'support-reply@latest'],
      'Bad prompt reference "support-reply@latest": "latest" is not a semantic version such as 1.2.0',
    ],
    [
      ['deploy', '--env', 'prod', 'a1@1.0.0', '--split', 'a1=1.0.0:50,2.0.0:50'],
      'Prompt a1 is given more than once',
    ],
    [['deploy', '--env', 'Prod!', 'a1@1.0.0'], '--env "Prod!" is not an environment name'],
    [['deploy', 'a1@1.0.0'], 'Name the environment with --env <env>'],
    [['diff', 'a1', '1.0', '2.0.0'], 'Bad <from> version "1.0"'],
    [
      ['feedback', 'a1', '--env', 'prod', '--baseline', '1.0.0'],
      'Give both --baseline and --candidate, or neither',
    ],
  ])('promptops %j names the problem before calling the API', async (argv, message) => {
    server = await fakeApi(() => ({ status: 500 }));
    const { code, stderr, stdout } = await run(['--endpoint', server.url, ...argv], { cwd: dir.path });
    expect(code).toBe(2);
    expect(stderr).toContain(`error: ${message}`);
    expect(stdout).toBe('');
    expect(server.requests).toEqual([]);
  });

  it('with --json, a usage error is one JSON document on stdout too', async () => {
    const parsed = JSON.parse((await run(['frobnicate', '--json'])).stdout);
    expect(parsed.error.code).toBe('USAGE');
    expect(parsed.error.detail).toMatch(/unknown command 'frobnicate'/);
    expect(JSON.parse((await run(['--json'])).stdout).error).toEqual({
      code: 'USAGE',
      detail: 'No command given: run promptops --help',
    });
    const bad = await run(['approve', 'nope', '--json', '--endpoint', 'http://127.0.0.1:9']);
    expect(bad.code).toBe(2);
    expect(JSON.parse(bad.stdout).error).toEqual({
      code: 'USAGE',
      detail: 'Bad prompt reference "nope": use <id>@<version>, for example support-reply@1.2.0',
    });
  });

  it('--user is refused for an AWS endpoint', async () => {
    const { code, stderr } = await run([
      'history',
      'a1',
      '--user',
      'bob',
      '--endpoint',
      'https://abc.execute-api.eu-west-1.amazonaws.com',
    ]);
    expect(code).toBe(2);
    expect(stderr).toContain('--user works with local mode only');
  });
});

describe('API errors exit 1 with the problem details on stderr', () => {
  const notApproved = () =>
    problem(
      422,
      'NOT_APPROVED',
      'This environment accepts only approved versions; not approved by anyone but their publisher: a1@1.0.0',
      {
        versions: ['a1@1.0.0'],
      },
    );

  it('prints the detail, the code and status, and what it concerns, without a stack trace', async () => {
    server = await fakeApi(notApproved);
    const { code, stderr, stdout } = await run([
      'deploy',
      '--env',
      'prod',
      'a1@1.0.0',
      '--endpoint',
      server.url,
    ]);
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toBe(
      [
        'error: This environment accepts only approved versions; not approved by anyone but their publisher: a1@1.0.0',
        '  NOT_APPROVED (HTTP 422 NOT_APPROVED) from POST /environments/prod/deployments',
        '  versions: a1@1.0.0',
        '',
      ].join('\n'),
    );
    expect(stderr).not.toMatch(STACK_LINE);
  });

  it('lists field errors and lint findings', async () => {
    server = await fakeApi(() =>
      problem(400, 'VALIDATION_FAILED', 'Invalid pins', {
        errors: [
          {
            path: 'prompts.a1.variants.1.weight',
            message: 'weight must be a whole number from 1 to 100, got 0',
          },
        ],
        findings: [
          {
            rule: 'undeclared-variable',
            severity: 'error',
            message: 'variable "x" is not declared',
            line: 12,
          },
        ],
      }),
    );
    const { code, stderr } = await run(['deploy', '--env', 'prod', 'a1@1.0.0', '--endpoint', server.url]);
    expect(code).toBe(1);
    expect(stderr).toContain(
      '  - prompts.a1.variants.1.weight: weight must be a whole number from 1 to 100, got 0',
    );
    expect(stderr).toContain('  - line 12: error undeclared-variable: variable "x" is not declared');
  });

  it('with --json prints the problem as {"error": ...} on stdout, and --debug adds the stack', async () => {
    server = await fakeApi(notApproved);
    const json = await run(['deploy', '--env', 'prod', 'a1@1.0.0', '--endpoint', server.url, '--json']);
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout).error).toMatchObject({
      code: 'NOT_APPROVED',
      status: 422,
      versions: ['a1@1.0.0'],
    });
    const debug = await run(['deploy', '--env', 'prod', 'a1@1.0.0', '--endpoint', server.url, '--debug']);
    expect(debug.stderr).toMatch(
      /debug: POST http:\/\/127\.0\.0\.1:\d+\/environments\/prod\/deployments -> 422/,
    );
    expect(debug.stderr).toMatch(STACK_LINE);
  });

  it('an unreachable API is a failure that says what to do', async () => {
    const closed = await fakeApi(() => ({ status: 200 }));
    await closed.close();
    const { code, stderr } = await run(['history', 'a1', '--endpoint', closed.url]);
    expect(code).toBe(1);
    expect(stderr).toBe(
      `error: Could not reach the PromptOps API at ${closed.url}: ECONNREFUSED\n  Is local mode running? Start it with \`promptops dev\` (or \`npm start\`).\n`,
    );
  });

  it('no endpoint anywhere is a failure that lists where one can come from', async () => {
    const { code, stderr } = await run(['history', 'a1'], { cwd: dir.path });
    expect(code).toBe(1);
    expect(stderr).toContain('error: No PromptOps API endpoint configured');
  });
});

describe('deploy --wait', () => {
  function rollout(states: readonly [string, number, string?, unknown[]?][]) {
    const queue = [...states];
    return fakeApi((request) => {
      if (request.method === 'POST')
        return {
          status: 202,
          body: { environment: 'prod', deploymentNumber: 7, state: 'DEPLOYING', revision: 4 },
        };
      const [state, percentage, reason, analysis] =
        queue.length > 1
          ? (queue.shift() as [string, number, string?, unknown[]?])
          : (queue[0] as [string, number, string?, unknown[]?]);
      return {
        status: 200,
        body: {
          environment: 'prod',
          revision: 4,
          prompts: { a1: '1.1.0' },
          deployment: {
            number: 7,
            state,
            percentage,
            strategy: 'Canary10Percent20Minutes',
            revision: 4,
            startedAt: '2026-11-22T10:00:00Z',
            ...(reason ? { reason } : {}),
            ...(analysis ? { analysis } : {}),
          },
          history: [],
        },
      };
    });
  }

  it('ends ROLLED_BACK with exit 3, naming the alarm, one line per change without a terminal', async () => {
    const reason =
      'Rollback initiated by alarm arn:aws:cloudwatch:eu-west-1:123456789012:alarm:PromptOps-ProdRollback-X1 (PromptOps-ProdRollback-X1): threshold crossed';
    server = await rollout([
      ['DEPLOYING', 0],
      ['DEPLOYING', 10],
      ['DEPLOYING', 10],
      ['ROLLED_BACK', 0, reason],
    ]);
    const { code, stdout } = await run([
      'deploy',
      '--env',
      'prod',
      'a1@1.1.0',
      '--wait',
      '--interval',
      '0.01',
      '--endpoint',
      server.url,
    ]);
    expect(code).toBe(3);
    const lines = stdout.split('\n');
    expect(
      lines.filter((l) => l.startsWith('deployment 7 to prod: ')).map((l) => l.replace(/ \[.*\]$/, '')),
    ).toEqual([
      'deployment 7 to prod: DEPLOYING 0%',
      'deployment 7 to prod: DEPLOYING 10%',
      'deployment 7 to prod: ROLLED_BACK 0%',
    ]);
    expect(stdout).toContain('ROLLED_BACK  Deployment 7 to prod was rolled back');
    expect(stdout).toContain('  alarm:  PromptOps-ProdRollback-X1');
    expect(stdout).toContain(`  reason: ${reason}`);
  });

  it('prints each canary verdict as it changes and, on a canary rollback, the failing metric', async () => {
    const entry = (verdict: string, candidate: number, samples: number, pValue?: number) => ({
      promptId: 'a1',
      baseline: '1.0.0',
      candidate: '1.1.0',
      metric: 'errorRate',
      baselineValue: 0.01,
      candidateValue: candidate,
      samples: { baseline: 900, candidate: samples },
      ...(pValue !== undefined ? { pValue } : {}),
      verdict,
    });
    const reason =
      'Rollback initiated by extension: Canary analysis failed: a1 1.1.0 vs 1.0.0: error rate 30% vs 1% (samples 100 vs 900, p=7.30e-9)';
    server = await rollout([
      ['DEPLOYING', 10, undefined, [entry('insufficient-data', 0.3, 20)]],
      ['DEPLOYING', 10, undefined, [entry('insufficient-data', 0.3, 30)]],
      ['DEPLOYING', 10, undefined, [entry('fail', 0.3, 100, 7.3e-9)]],
      ['ROLLED_BACK', 0, reason, [entry('fail', 0.3, 100, 7.3e-9)]],
    ]);
    const { code, stdout } = await run([
      'deploy',
      '--env',
      'prod',
      'a1@1.1.0',
      '--wait',
      '--interval',
      '0.01',
      '--endpoint',
      server.url,
    ]);
    expect(code).toBe(3);
    expect(stdout.split('\n').filter((l) => l.startsWith('canary '))).toEqual([
      'canary insufficient-data  a1 1.1.0 vs 1.0.0: error rate 30% vs 1% (samples 20 vs 900)',
      'canary fail  a1 1.1.0 vs 1.0.0: error rate 30% vs 1% (samples 100 vs 900, p=7.30e-9)',
    ]);
    expect(stdout).toContain(`  reason: ${reason}`);
    expect(stdout).toContain(
      '  canary: a1 1.1.0 vs 1.0.0: error rate 30% vs 1% (samples 100 vs 900, p=7.30e-9)',
    );
  });

  it('ends COMPLETE with exit 0; with --json the result is the one document and progress goes to stderr', async () => {
    server = await rollout([
      ['DEPLOYING', 50],
      ['BAKING', 100],
      ['COMPLETE', 100],
    ]);
    const { code, stdout, stderr } = await run([
      'deploy',
      '--env',
      'prod',
      'a1@1.1.0',
      '--wait',
      '--interval',
      '0.01',
      '--json',
      '--endpoint',
      server.url,
    ]);
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toMatchObject({
      environment: 'prod',
      deploymentNumber: 7,
      state: 'COMPLETE',
      percentage: 100,
      prompts: { a1: '1.1.0' },
    });
    expect(stderr).toContain('deployment 7 to prod: BAKING 100% (watching alarms)');
  });

  it('gives up after --timeout with exit 1; the deployment continues', async () => {
    server = await rollout([['DEPLOYING', 10]]);
    const { code, stderr } = await run([
      'deploy',
      '--env',
      'prod',
      'a1@1.1.0',
      '--wait',
      '--interval',
      '0.01',
      '--timeout',
      '0.05',
      '--endpoint',
      server.url,
    ]);
    expect(code).toBe(1);
    expect(stderr).toMatch(/error: Stopped waiting after 0\.\ds: deployment 7 to prod is DEPLOYING at 10%/);
    expect(stderr).toContain('The deployment continues. Follow it with: promptops status --env prod');
  });
});

describe('offline commands', () => {
  it('lint points at file:line, rule and message, and exits 1 on errors', async () => {
    await mkdir(join(dir.path, 'prompts'));
    await writeFile(
      join(dir.path, 'prompts', 'broken.prompt.md'),
      '---\nid: broken\nvariables:\n  name: { type: string, required: true }\n---\n## role\nHello {{nam}}\n## instructions\nx\n## output_format\ny\n',
    );
    const { code, stdout } = await run(['lint'], { cwd: dir.path });
    expect(code).toBe(1);
    expect(stdout).toMatch(/^prompts\/broken\.prompt\.md:7 +error +\S+ +.*"nam"/m);
    expect(stdout).toMatch(/1 file: \d+ errors?, \d+ warnings?/);
    const json = JSON.parse(
      (await run(['lint', '--json', 'prompts/broken.prompt.md'], { cwd: dir.path })).stdout,
    );
    expect(json.ok).toBe(false);
    expect(json.files[0].findings).toContainEqual(expect.objectContaining({ severity: 'error', line: 7 }));
  });

  it('lint of a path that does not exist is a usage error', async () => {
    const { code, stderr } = await run(['lint', 'nowhere.prompt.md'], { cwd: dir.path });
    expect(code).toBe(2);
    expect(stderr).toContain('error: nowhere.prompt.md does not exist');
  });

  it('init writes a prompt that lints clean, a suite that passes with echo and a config, and never overwrites them', async () => {
    const first = await run(['init', '--json'], { cwd: dir.path });
    expect(JSON.parse(first.stdout)).toEqual({
      created: [
        'prompts/welcome-message.prompt.md',
        'prompts/welcome-message.eval.yaml',
        'promptops.config.json',
      ],
      skipped: [],
    });
    expect(JSON.parse(await readFile(join(dir.path, 'promptops.config.json'), 'utf8'))).toEqual({
      endpoint: 'http://127.0.0.1:4100',
      application: 'promptops',
      environment: 'dev',
      prompts: 'prompts',
    });
    expect((await run(['lint'], { cwd: dir.path })).code).toBe(0);
    const tested = await run(['test'], { cwd: dir.path });
    expect(tested.code).toBe(0);
    expect(tested.stdout).toContain('PASSED  2/2 tests passed (100%), threshold 100%');
    await writeFile(join(dir.path, 'promptops.config.json'), '{"environment": "prod"}\n');
    const second = await run(['init', '--env', 'staging'], { cwd: dir.path });
    expect(second.code).toBe(0);
    expect(second.stdout).toContain('skipped  promptops.config.json (exists; left as it is)');
    expect(await readFile(join(dir.path, 'promptops.config.json'), 'utf8')).toBe('{"environment": "prod"}\n');
  });
});
