/**
 * The promptops CLI end to end, spawned as a user runs it, against local mode on free ports (time
 * scale 60: a one-minute rollout takes 1 s, so each half-minute step lasts 0.5 s and the CLI's 0.05 s
 * polls see it even on a loaded runner): init -> lint (a broken prompt fails with file:line)
 * -> publish -> approve as another user -> deploy --wait -> status -> feedback -> rollback, a deploy
 * that an alarm rolls back (exit 3), snapshot as the client's fallback, and bad input (exit 2).
 */
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PromptClient } from '../../src/client/index.ts';
import type { Manifest } from '../../src/core/manifest.ts';
import type { RunningLocalMode } from '../../src/local/local-mode.ts';
import { call, promptops, promptopsJson, startStack, tempDir } from './support.ts';

const ID = 'welcome-message';
const FAST = ['--strategy', 'Linear50PercentEvery30Seconds', '--wait', '--interval', '0.05'];
const STACK_LINE = /^\s+at .+:\d+:\d+\)?$/m;

let project: { path: string; remove: () => Promise<void> };
let local: RunningLocalMode;
let api: string;
const cli = (...args: string[]) => promptops(args, { cwd: project.path });
const cliJson = (args: string[], code = 0) => promptopsJson(args, { cwd: project.path, code });
const promptFile = () => join(project.path, 'prompts', `${ID}.prompt.md`);

beforeAll(async () => {
  project = await tempDir('promptops-e2e-');
  // Where `promptops dev` would keep it: the CLI finds endpoints.json there by default.
  local = await startStack(join(project.path, '.promptops'), { timeScale: 60 });
  api = local.endpoints.api;
});

afterAll(async () => {
  await local?.close();
  await project?.remove();
});

describe('promptops, from a new project to production and back', () => {
  it('init scaffolds an example prompt and a config, and never overwrites them', async () => {
    const first = await cli('init', '--endpoint', api);
    expect(first.code).toBe(0);
    expect(first.stdout).toContain(`created  prompts/${ID}.prompt.md`);
    expect(first.stdout).toContain('created  promptops.config.json');
    const config = await readFile(join(project.path, 'promptops.config.json'), 'utf8');
    expect(JSON.parse(config)).toEqual({
      endpoint: api,
      application: 'promptops',
      environment: 'dev',
      prompts: 'prompts',
    });

    const prompt = await readFile(promptFile(), 'utf8');
    const again = await cliJson(['init', '--env', 'prod']);
    expect(again.json).toEqual({
      created: [],
      skipped: [`prompts/${ID}.prompt.md`, `prompts/${ID}.eval.yaml`, 'promptops.config.json'],
    });
    expect(await readFile(join(project.path, 'promptops.config.json'), 'utf8')).toBe(config);
    expect(await readFile(promptFile(), 'utf8')).toBe(prompt);
  });

  it('lint fails a broken prompt with file:line, and publish then publishes nothing', async () => {
    const broken = join(project.path, 'prompts', 'broken.prompt.md');
    await writeFile(
      broken,
      [
        '---',
        'id: broken-prompt',
        'variables:',
        '  name: { type: string, required: true }',
        '---',
        '## role',
        'Hello {{nmae}}',
        '## instructions',
        'Greet.',
        '## output_format',
        'Text.',
        '',
      ].join('\n'),
    );
    const lint = await cli('lint');
    expect(lint.code).toBe(1);
    expect(lint.stdout).toMatch(/^prompts\/broken\.prompt\.md:7 +error +[\w-]+ +.*nmae/m);
    expect(lint.stdout).not.toMatch(/welcome-message\.prompt\.md:\d+ +error/);
    const json = await cliJson(['lint'], 1);
    expect(json.json.files.map((f: { file: string; errors: number }) => [f.file, f.errors > 0])).toEqual([
      ['prompts/broken.prompt.md', true],
      [`prompts/${ID}.prompt.md`, false],
    ]);

    const publish = await cli('publish');
    expect(publish.code).toBe(1);
    expect(publish.stderr).toContain('error: Lint failed in prompts/broken.prompt.md: nothing was published');
    expect((await call(api, 'GET', '/prompts')).body.items).toEqual([]);
    await rm(broken);
    expect((await cli('lint')).code).toBe(0);
  });

  it('publish publishes each changed document once and then says nothing changed', async () => {
    const first = await cli('publish', '-m', 'First version');
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(
      new RegExp(`prompts/${ID}\\.prompt\\.md +${ID} +1\\.0\\.0 +published +major +major: first version`),
    );
    const second = await cli('publish');
    expect(second.code).toBe(0);
    expect(second.stdout).toContain(
      'Nothing to publish: every document is unchanged since its latest version.',
    );
    const json = await cliJson(['publish']);
    expect(json.json).toMatchObject({
      published: 0,
      unchanged: 1,
      results: [{ id: ID, version: '1.0.0', result: 'unchanged' }],
    });
  });

  it('approve: the author may not approve their own version; another user can', async () => {
    const self = await cli('approve', `${ID}@1.0.0`);
    expect(self.code).toBe(1);
    expect(self.stderr).toContain('SELF_APPROVAL (HTTP 403');
    expect(self.stderr).toMatch(
      /^error: local:developer published welcome-message@1\.0\.0 and cannot approve it/,
    );
    expect(self.stderr).not.toMatch(STACK_LINE);
    const reviewer = await cliJson([
      'approve',
      `${ID}@1.0.0`,
      '--user',
      'local:reviewer',
      '--comment',
      'Reads well',
    ]);
    expect(reviewer.json).toMatchObject({ id: ID, version: '1.0.0', by: 'local:reviewer', created: true });
  });

  it('the release gate: prod refuses a version without a passing run of its suite; eval --wait admits it', async () => {
    const refused = await cli('deploy', '--env', 'prod', `${ID}@1.0.0`);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('EVALUATION_REQUIRED (HTTP 422');
    expect(refused.stderr).toContain('no run');
    const evaluated = await cli('eval', `${ID}@1.0.0`, '--wait', '--interval', '0.05');
    expect(evaluated.code).toBe(0);
    expect(evaluated.stdout).toMatch(/PASSED/);
  });

  it('deploy --wait shows each step of the rollout, then the bake, and ends COMPLETE', async () => {
    const deploy = await cli('deploy', '--env', 'prod', `${ID}@1.0.0`, ...FAST);
    expect(deploy.code).toBe(0);
    const steps = deploy.stdout
      .split('\n')
      .filter((l) => l.startsWith('deployment 1 to prod: '))
      .map((l) => l.replace(/ \[\+[\d.ms]+\]$/, ''));
    expect(new Set(steps).size).toBe(steps.length);
    expect(steps).toContain('deployment 1 to prod: DEPLOYING 50%');
    expect(steps).toContain('deployment 1 to prod: BAKING 100% (watching alarms)');
    expect(steps.at(-1)).toBe('deployment 1 to prod: COMPLETE 100%');
    expect(deploy.stdout).toMatch(/^COMPLETE {2}Deployment 1 to prod finished in [\d.]+s \(revision 1\)\.$/m);
  });

  it('status shows the pins, the deployment and the alarm states of every environment', async () => {
    const prod = await cli('status', '--env', 'prod');
    expect(prod.code).toBe(0);
    expect(prod.stdout).toMatch(/^prod {2}revision 1$/m);
    expect(prod.stdout).toMatch(
      /deployment {2}#1 COMPLETE {2}Linear50PercentEvery30Seconds, started \S+ by local:developer/,
    );
    expect(prod.stdout).toMatch(new RegExp(`^ {2}${ID} +1\\.0\\.0 +PASSED 100%$`, 'm'));
    expect(prod.stdout).toMatch(/^ {2}promptops-prod-ErrorRate +OK +Errors above 5% of invocations$/m);

    const all = await cliJson(['status']);
    expect(all.json.environments.map((e: { environment: string }) => e.environment)).toEqual([
      'dev',
      'staging',
      'prod',
    ]);
    const prodJson = all.json.environments[2];
    expect(prodJson).toMatchObject({
      revision: 1,
      prompts: { [ID]: '1.0.0' },
      deployment: { number: 1, state: 'COMPLETE', percentage: 100 },
    });
    expect(prodJson.alarms.source).toBe('local-mode');
    expect(prodJson.alarms.alarms.map((a: { name: string; state: string }) => [a.name, a.state])).toEqual([
      ['promptops-prod-ErrorRate', 'OK'],
      ['promptops-prod-P99Latency', 'OK'],
      ['promptops-prod-NegativeFeedbackRate', 'OK'],
      ['promptops-prod-StaleClients', 'OK'],
    ]);
  });

  it('a second version: its diff, refused in prod until approved, and the history', async () => {
    const text = await readFile(promptFile(), 'utf8');
    await writeFile(
      promptFile(),
      text
        .replace(
          '  tone:          { type: string, required: false, default: warm }',
          '  tone:          { type: string, required: false, default: warm }\n  locale:        { type: string, required: false }',
        )
        .replace(
          'suggest one first step with {{product}}.',
          'suggest one first step with {{product}}.{{#locale}} Write in {{locale}}.{{/locale}}',
        ),
    );
    const publish = await cli('publish', '-m', 'Localised');
    expect(publish.code).toBe(0);
    expect(publish.stdout).toMatch(/1\.1\.0 +published +minor +minor: optional variable "locale" added/);

    const diff = await cli('diff', ID, '1.0.0', '1.1.0');
    expect(diff.code).toBe(0);
    expect(diff.stdout).toMatch(/^\+ {2}locale:$/m);
    expect(diff.stdout).toMatch(/^\+Welcome .*{{#locale}} Write in {{locale}}\.{{\/locale}}$/m);
    expect(diff.stdout).toContain('Implied bump: minor');
    expect((await cliJson(['diff', ID, '1.0.0', '1.1.0'])).json).toMatchObject({
      id: ID,
      from: '1.0.0',
      to: '1.1.0',
      bump: { level: 'minor' },
    });

    const refused = await cli('deploy', '--env', 'prod', `${ID}@1.1.0`);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('NOT_APPROVED (HTTP 422');
    expect(refused.stderr).toContain(`  versions: ${ID}@1.1.0`);
    expect((await cli('approve', `${ID}@1.1.0`, '--user', 'local:reviewer')).code).toBe(0);

    const history = await cli('history', ID);
    expect(history.code).toBe(0);
    expect(history.stdout).toMatch(/^1\.1\.0 +\S+ +local:developer +local:reviewer +Localised$/m);
    expect(history.stdout).toMatch(/^1\.0\.0 +\S+ +local:developer +local:reviewer +prod +First version$/m);
    const json = await cliJson(['history', ID]);
    expect(
      json.json.versions.map((v: { version: string; deployedIn: unknown }) => [v.version, v.deployedIn]),
    ).toEqual([
      ['1.1.0', []],
      ['1.0.0', [{ environment: 'prod', weight: 100 }]],
    ]);
  });

  it('feedback: an A/B split, the per-version table, and the comparison with its verdict', async () => {
    const split = await cliJson(['deploy', '--env', 'dev', '--split', `${ID}=1.0.0:50,1.1.0:50`, ...FAST]);
    expect(split.json).toMatchObject({
      environment: 'dev',
      deploymentNumber: 1,
      state: 'COMPLETE',
      percentage: 100,
      strategy: 'Linear50PercentEvery30Seconds',
      prompts: {
        [ID]: {
          variants: [
            { version: '1.0.0', weight: 50 },
            { version: '1.1.0', weight: 50 },
          ],
        },
      },
    });
    expect(split.result.stderr).toContain('deployment 1 to dev: COMPLETE 100%');
    for (let i = 0; i < 40; i++) {
      for (const [version, negative] of [
        ['1.0.0', i < 4],
        ['1.1.0', i < 22],
      ] as const) {
        const posted = await call(api, 'POST', '/feedback', {
          promptId: ID,
          version,
          environment: 'dev',
          rating: negative ? -1 : 1,
        });
        expect(posted.status).toBe(202);
      }
    }
    const report = await cli('feedback', ID, '--env', 'dev');
    expect(report.code).toBe(0);
    expect(report.stdout).toMatch(/^1\.1\.0 +40 +18 +22 +55\.0%/m);
    expect(report.stdout).toMatch(/^1\.0\.0 +40 +36 +4 +10\.0%/m);
    expect(report.stdout).toMatch(
      /^Comparison {2}1\.1\.0 vs 1\.0\.0: negative rate \+45\.0 points, p = \S+ \(significant\)$/m,
    );
    expect(report.stdout).toContain(
      'Verdict     1.1.0 is worse: it gets significantly more negative feedback than 1.0.0.',
    );
    const json = await cliJson(['feedback', ID, '--env', 'dev', '--since', '2020-01-01']);
    expect(json.json.comparison).toMatchObject({ baseline: '1.0.0', candidate: '1.1.0', significant: true });
    expect(json.json.comparison.pValue).toBeLessThan(0.001);
    expect(json.json.verdict).toBe(
      '1.1.0 is worse: it gets significantly more negative feedback than 1.0.0.',
    );
  });

  it('rollback returns a prompt to its previous pin', async () => {
    expect((await cli('eval', `${ID}@1.1.0`, '--wait', '--interval', '0.05')).code).toBe(0);
    expect((await cli('deploy', '--env', 'prod', `${ID}@1.1.0`, ...FAST)).code).toBe(0);
    const rollback = await cliJson([
      'rollback',
      '--env',
      'prod',
      ID,
      '--reason',
      'Tone complaints',
      '--wait',
      '--interval',
      '0.05',
    ]);
    expect(rollback.json).toMatchObject({ environment: 'prod', state: 'COMPLETE', prompts: [ID] });
    expect(rollback.result.stderr).toMatch(
      /^Rollback of welcome-message in prod started as deployment 3 \(revision 3\)\.$/m,
    );
    expect(rollback.result.stderr).toContain('deployment 3 to prod: COMPLETE 100%');
    const status = await cliJson(['status', '--env', 'prod']);
    expect(status.json.environments[0].prompts).toEqual({ [ID]: '1.0.0' });
  });

  it('a deploy that an alarm rolls back exits 3 and names the alarm', async () => {
    const deploying = cli(
      'deploy',
      '--env',
      'staging',
      `${ID}@1.1.0`,
      '--strategy',
      'Canary10Percent20Minutes',
      '--wait',
      '--interval',
      '0.05',
    );
    let done = false;
    void deploying.then(() => {
      done = true;
    });
    // An app failing every request: local mode's ErrorRate alarm breaches within a few periods.
    const records = Array.from({ length: 30 }, () => ({
      promptId: ID,
      version: '1.1.0',
      environment: 'staging',
      latencyMs: 20,
      error: true,
    }));
    while (!done) {
      expect((await call(api, 'POST', '/metrics', { records })).status).toBe(202);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const result = await deploying;
    expect(result.code).toBe(3);
    expect(result.stdout).toMatch(/^ROLLED_BACK {2}Deployment 1 to staging was rolled back after/m);
    expect(result.stdout).toContain('  alarm:  promptops-staging-ErrorRate');
    expect(result.stdout).toMatch(
      /^ {2}reason: Rollback initiated by alarm arn:aws:cloudwatch:local:000000000000:alarm:promptops-staging-ErrorRate/m,
    );
    const status = await cliJson(['status', '--env', 'staging']);
    expect(status.json.environments[0]).toMatchObject({
      revision: 0,
      prompts: {},
      deployment: { number: 1, state: 'ROLLED_BACK' },
    });
  });

  it('snapshot writes the manifest the environment serves, bodies inline, which the client reads as its fallback', async () => {
    const snapshot = await cliJson(['snapshot', '--env', 'prod', '--out', 'app/prompts.snapshot.json']);
    const path = join(project.path, 'app', 'prompts.snapshot.json');
    expect(snapshot.json).toMatchObject({
      environment: 'prod',
      revision: 3,
      file: path,
      prompts: { [ID]: '1.0.0' },
    });
    const written = JSON.parse(await readFile(path, 'utf8'));
    const { endpoints } = local;
    const served = (await (
      await fetch(
        `${endpoints.agent}/applications/${endpoints.application}/environments/prod/configurations/${endpoints.profile}`,
      )
    ).json()) as Manifest;
    expect(written.revision).toBe(served.revision);
    expect(written.prompts).toEqual(served.prompts);
    expect(written.prompts[ID].body).toContain('Welcome {{customer_name}}');

    const client = new PromptClient({
      application: 'promptops',
      environment: 'prod',
      source: { type: 'file', path: join(project.path, 'no-such-manifest.json') },
      fallbackPath: path,
      logger: { warn: () => undefined },
    });
    const prompt = await client.get(ID);
    expect(prompt.stale).toBe(true);
    expect(prompt.version).toBe('1.0.0');
    expect(prompt.render({ customer_name: 'Ana', product: 'Acme' })).toContain('Welcome Ana in a warm tone');
  });

  it('refuses bad input with exit 2 and reports API refusals as problem details with exit 1', async () => {
    const unknown = await cli('frobnicate');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("error: unknown command 'frobnicate'");
    const badRef = await cli('deploy', '--env', 'prod', ID);
    expect(badRef.code).toBe(2);
    expect(badRef.stderr).toContain(`error: Bad prompt reference "${ID}": use <id>@<version>`);
    const missing = await cliJson(['approve', `${ID}@9.9.9`, '--user', 'local:reviewer'], 1);
    expect(missing.json.error).toMatchObject({ code: 'NOT_FOUND', status: 404 });
    expect(missing.result.stderr).toContain(
      'NOT_FOUND (HTTP 404 Not found) from POST /prompts/welcome-message/versions/9.9.9/approvals',
    );
    const strategy = await cli('deploy', '--env', 'dev', `${ID}@1.0.0`, '--strategy', 'Sometime');
    expect(strategy.code).toBe(1);
    expect(strategy.stderr).toContain('VALIDATION_FAILED (HTTP 400');
    expect(strategy.stderr).toMatch(/ {2}- strategy: unknown strategy "Sometime": use one of AllAtOnce, /);
  });
});
