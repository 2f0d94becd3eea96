/**
 * Reports as a user makes them, against local mode: publish, approve, eval, deploy to prod with a
 * canary while traffic and feedback come in, start an A/B split in dev, then every report kind in
 * every format. Each HTML report is opened in headless Chromium (Debian's chromium, driven by
 * playwright-core) and must draw all its charts without a console error or a network request.
 */
import { existsSync } from 'node:fs';
import { cp, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CliIo } from '../../src/cli/io.ts';
import { runCli } from '../../src/cli/main.ts';
import type { RunningLocalMode } from '../../src/local/local-mode.ts';
import { call, type Json, promptops, startStack, tempDir } from './support.ts';

const EXAMPLES = fileURLToPath(new URL('../../examples/prompts/', import.meta.url));
const CHROMIUM = process.env.PROMPTOPS_CHROMIUM ?? '/usr/bin/chromium';
const ID = 'support-reply';
const KINDS = [
  'release-plan',
  'changelog',
  'deployment',
  'performance',
  'feedback',
  'experiment',
  'model-compat',
] as const;
type Kind = (typeof KINDS)[number];
const FORMATS = ['md', 'json', 'html'] as const;

const args = (): Record<Kind, string[]> => ({
  'release-plan': [`${ID}@${V2}`, '--env', 'prod'],
  changelog: [ID],
  deployment: ['--env', 'prod'],
  performance: [ID, '--env', 'prod', '--since', '1h'],
  feedback: [ID, '--env', 'prod'],
  experiment: [ID, '--env', 'dev'],
  'model-compat': [`${ID}@${V2}`, '--model', 'candidate-model', '--timeout', '2m'],
});

let project: { path: string; remove: () => Promise<void> };
/** The second version, as publish numbers it from the change. */
let V2 = '';
let BUMP = '';
let local: RunningLocalMode;

/** The CLI in this process (the same program the bin runs), in the project directory. */
async function cli(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const io: CliIo = {
    stdout: { write: (t: string) => (stdout += t) },
    stderr: { write: (t: string) => (stderr += t) },
    env: {},
    cwd: project.path,
  };
  const code = await runCli(argv, io);
  return { code, stdout, stderr };
}

async function cliOk(...argv: string[]): Promise<Json> {
  const result = await cli(...argv, '--json');
  if (result.code !== 0)
    throw new Error(`promptops ${argv.join(' ')} exited ${result.code}\n${result.stdout}\n${result.stderr}`);
  return JSON.parse(result.stdout);
}

/** Calls of both versions in prod while its deployment rolls out, and ratings: alike, so the canary passes. */
async function traffic(
  environment: string,
  version: string,
  calls: number,
  positive: number,
  negative: number,
) {
  const records = Array.from({ length: calls }, (_, i) => ({
    promptId: ID,
    version,
    environment,
    latencyMs: 200 + (i % 10) * 30,
    inputTokens: 400 + i,
    outputTokens: 90,
    costUsd: 0.0012,
    error: i % 25 === 0,
  }));
  expect((await call(local.endpoints.api, 'POST', '/metrics', { records })).status).toBe(202);
  const ratings = [...Array(positive).fill(1), ...Array(negative).fill(-1)];
  await Promise.all(
    ratings.map(async (rating, i) => {
      const body = {
        promptId: ID,
        version,
        environment,
        rating,
        comment: rating < 0 ? 'too formal' : 'helpful',
        userId: `u${i}`,
      };
      expect((await call(local.endpoints.api, 'POST', '/feedback', body)).status).toBe(202);
    }),
  );
}

beforeAll(async () => {
  project = await tempDir('promptops-e2e-reports-');
  await cp(EXAMPLES, join(project.path, 'prompts'), { recursive: true });
  local = await startStack(join(project.path, '.promptops'));
  await writeFile(
    join(project.path, 'promptops.config.json'),
    `${JSON.stringify({ endpoint: local.endpoints.api, environment: 'dev', prompts: 'prompts' }, null, 2)}\n`,
  );
  // 1.0.0 everywhere it is needed, approved and evaluated, live in prod.
  await cliOk('publish', '-m', 'First version');
  await cliOk('approve', `${ID}@1.0.0`, '--user', 'local:reviewer');
  await cliOk('eval', `${ID}@1.0.0`, '--wait', '--interval', '0.2');
  await cliOk('deploy', '--env', 'prod', `${ID}@1.0.0`, '--wait', '--interval', '0.2');
  // The second version: a text change, rolled out to prod by its canary strategy while traffic comes in.
  const file = join(project.path, 'prompts', `${ID}.prompt.md`);
  await writeFile(
    file,
    (await readFile(file, 'utf8')).replace(
      'Plain text, at most 150 words.',
      'Plain text, at most 120 words.',
    ),
  );
  const published = await cliOk('publish', '-m', 'Shorter replies');
  V2 = published.results.find((r: Json) => r.id === ID).version;
  BUMP = published.results.find((r: Json) => r.id === ID).bump.level;
  await cliOk('approve', `${ID}@${V2}`, '--user', 'local:reviewer', '--comment', 'reads well');
  await cliOk('eval', `${ID}@${V2}`, '--wait', '--interval', '0.2');
  const deploy = cliOk('deploy', '--env', 'prod', `${ID}@${V2}`, '--wait', '--interval', '0.2');
  // Traffic once the rollout has started, so the report's windows before and during tell them apart.
  for (let started = false; !started; ) {
    const status = await call(local.endpoints.api, 'GET', '/environments/prod');
    started = status.body.deployment?.number === 2;
    if (!started) await new Promise((resolve) => setTimeout(resolve, 50));
  }
  await traffic('prod', '1.0.0', 60, 20, 6);
  await traffic('prod', V2, 60, 22, 4);
  const deployed = await deploy;
  expect(deployed.state).toBe('COMPLETE');
  // An A/B split in dev with ratings on both variants.
  await cliOk('deploy', '--env', 'dev', '--split', `${ID}=1.0.0:50,${V2}:50`, '--wait', '--interval', '0.2');
  await traffic('dev', '1.0.0', 40, 24, 16);
  await traffic('dev', V2, 40, 33, 7);
}, 120_000);

afterAll(async () => {
  await local?.close();
  await project?.remove();
});

const reports = new Map<string, string>();

async function report(kind: Kind, format: (typeof FORMATS)[number]): Promise<string> {
  const key = `${kind}.${format}`;
  const cached = reports.get(key);
  if (cached !== undefined) return cached;
  const out = join(project.path, 'reports', `${key}`);
  const result = await cli('report', kind, ...args()[kind], '--format', format, '--out', out);
  if (result.code !== 0)
    throw new Error(`report ${kind} --format ${format} exited ${result.code}\n${result.stderr}`);
  expect(result.stdout).toContain(`wrote the ${kind} report (${format}) to ${out}`);
  const text = await readFile(out, 'utf8');
  reports.set(key, text);
  return text;
}

describe('promptops report, every kind in every format', () => {
  it.each(KINDS)('%s: JSON has the figures, Markdown the sections', async (kind) => {
    const [json, md] = await Promise.all([report(kind, 'json'), report(kind, 'md')]);
    const data = JSON.parse(json);
    expect(data.kind).toBe(kind);
    expect(md).toMatch(/^# .+\n/);
    expect(md.match(/^## /gm)?.length ?? 0).toBeGreaterThan(0);
    switch (kind) {
      case 'release-plan':
        expect(data).toMatchObject({
          promptId: ID,
          version: V2,
          environment: 'prod',
          ready: true,
          current: V2,
        });
        expect(data.approvals).toEqual([
          expect.objectContaining({ by: 'local:reviewer', comment: 'reads well' }),
        ]);
        expect(data.evaluation.run).toMatchObject({ state: 'PASSED' });
        expect(data.strategy).toMatchObject({ name: 'Canary10Percent20Minutes', totalMinutes: 30 });
        expect(data.guards.canary.enabled).toBe(true);
        expect(data.rollback.command).toBe(`promptops rollback --env prod ${ID}`);
        expect(md).toContain('## Checklist');
        break;
      case 'changelog':
        expect(data.versions.map((v: Json) => v.version)).toEqual([V2, '1.0.0']);
        expect(data.versions[0]).toMatchObject({
          message: 'Shorter replies',
          bump: { level: BUMP },
          deployedIn: expect.arrayContaining([
            { environment: 'prod', weight: 100 },
            { environment: 'dev', weight: 50 },
          ]),
        });
        expect(md).toContain(`## [${V2}] - ${new Date().toISOString().slice(0, 10)}`);
        expect(md).toMatch(/^### Changed$/m);
        break;
      case 'deployment':
        expect(data).toMatchObject({
          environment: 'prod',
          state: 'COMPLETE',
          strategy: 'Canary10Percent20Minutes',
        });
        expect(data.changes).toEqual([
          expect.objectContaining({
            promptId: ID,
            before: '1.0.0',
            after: V2,
            bump: expect.objectContaining({ level: BUMP }),
          }),
        ]);
        expect(data.evaluations).toEqual([
          expect.objectContaining({ promptId: ID, version: V2, state: 'PASSED' }),
        ]);
        expect(data.timeline[0].event).toBe('start');
        expect(data.timeline.at(-1).event).toBe('complete');
        expect(data.timeline.filter((t: Json) => t.event === 'step').map((t: Json) => t.percentage)).toEqual([
          10, 20, 40, 80, 100,
        ]);
        expect(data.analysis.length).toBeGreaterThan(0);
        // Traffic the old version served before the rollout may fall in the window before; the new
        // version, never pinned before, never does.
        expect(data.metrics[0].before.versions.map((v: Json) => v.version)).not.toContain(V2);
        expect(data.metrics[0].during.versions.map((v: Json) => v.version).sort()).toEqual(['1.0.0', V2]);
        break;
      case 'performance': {
        const byVersion = Object.fromEntries(data.versions.map((v: Json) => [v.version, v]));
        expect(byVersion[V2]).toMatchObject({ calls: 60, errors: 3, inputTokens: 60 * 400 + (59 * 60) / 2 });
        expect(byVersion[V2].latencyP99).toBe(470);
        expect(byVersion[V2].costPerCall).toBeCloseTo(0.0012, 9);
        break;
      }
      case 'feedback': {
        const v101 = data.versions.find((v: Json) => v.version === V2);
        expect(v101).toMatchObject({ count: 26, positive: 22, negative: 4 });
        expect(v101.interval.low).toBeLessThan(22 / 26);
        expect(v101.interval.high).toBeGreaterThan(22 / 26);
        expect(
          data.days.filter((d: Json) => d.version === V2).reduce((t: number, d: Json) => t + d.ratings, 0),
        ).toBe(26);
        // The comments, grouped by version (newest first) and rating (negative first).
        expect(data.comments).toMatchObject({ read: 52, complete: true });
        expect(data.comments.groups.map((g: Json) => [g.version, g.sentiment, g.count])).toEqual([
          [V2, 'negative', 4],
          [V2, 'positive', 22],
          ['1.0.0', 'negative', 6],
          ['1.0.0', 'positive', 20],
        ]);
        expect(data.comments.groups[0].recent).toHaveLength(4);
        expect(data.comments.groups[1].recent).toHaveLength(5);
        expect(data.comments.groups[0].recent[0]).toMatchObject({
          scale: 'thumbs',
          rating: -1,
          text: 'too formal',
          truncated: false,
        });
        expect(md).toContain(`### Comments on ${V2}`);
        expect(md).toContain('**Negative** (4 comments):');
        expect(md).toContain('**Positive** (22 comments, the 5 most recent):');
        expect(await report('feedback', 'html')).toContain('<q>too formal</q>');
        break;
      }
      case 'experiment':
        expect(data.variants.map((v: Json) => [v.version, v.ratings, v.positive])).toEqual([
          ['1.0.0', 40, 24],
          [V2, 40, 33],
        ]);
        expect(data.comparisons[0]).toMatchObject({ control: '1.0.0', variant: V2 });
        expect(['significant-winner', 'not-enough-data', 'no-difference-detected']).toContain(
          data.comparisons[0].verdict,
        );
        break;
      case 'model-compat':
        expect(data).toMatchObject({
          compatible: true,
          current: { state: 'PASSED' },
          candidate: { model: 'candidate-model', state: 'PASSED' },
        });
        expect(data.tests.length).toBeGreaterThan(0);
        break;
    }
  }, 60_000);

  it('release-plan exits 1 when a gate would refuse the deploy, and names it', async () => {
    const result = await cli(
      'report',
      'release-plan',
      'ticket-triage@1.0.0',
      '--env',
      'prod',
      '--format',
      'json',
    );
    expect(result.code).toBe(1);
    const plan = JSON.parse(result.stdout);
    expect(plan.ready).toBe(false);
    expect(plan.gates.filter((g: Json) => !g.passed).map((g: Json) => g.name)).toEqual([
      'approval',
      'evaluation',
    ]);
  });

  it('the installed command writes the same report (the bin, in a child process)', async () => {
    const result = await promptops(['report', 'changelog', ID], { cwd: project.path });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`# Changelog: ${ID}`);
    expect(result.stdout).toContain('## [1.0.0]');
  });
});

describe.skipIf(!existsSync(CHROMIUM))('HTML reports in headless Chromium', () => {
  it('every report draws its charts with no console error and no network request', async () => {
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
    try {
      for (const kind of KINDS) {
        const html = await report(kind, 'html');
        // A changelog is text to read: it has no chart, and so no Chart.js either.
        const charted = kind !== 'changelog';
        expect(html.includes('Chart.js v4'), kind).toBe(charted);
        const page = await browser.newPage();
        const problems: string[] = [];
        page.on('console', (message) => {
          if (message.type() === 'error') problems.push(`console: ${message.text()}`);
        });
        page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
        page.on('request', (request) => {
          if (!request.url().startsWith('file:')) problems.push(`request: ${request.url()}`);
        });
        await page.goto(pathToFileURL(join(project.path, 'reports', `${kind}.html`)).href);
        // Runs in the page (a string, so this Node test needs no DOM types).
        const drawn: { canvases: number; charts: number; painted: number } = await page.evaluate(`(() => {
          const canvases = [...document.querySelectorAll('canvas')];
          const charts = window.Chart ? Object.keys(window.Chart.instances).length : 0;
          const painted = canvases.filter((canvas) => {
            const { data } = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height);
            for (let i = 3; i < data.length; i += 4) if (data[i] !== 0) return true;
            return false;
          }).length;
          return { canvases: canvases.length, charts, painted };
        })()`);
        expect(problems, kind).toEqual([]);
        if (charted) expect(drawn.canvases, `${kind} has charts`).toBeGreaterThan(0);
        else expect(drawn.canvases, kind).toBe(0);
        expect(drawn.charts, kind).toBe(drawn.canvases);
        expect(drawn.painted, kind).toBe(drawn.canvases);
        await page.close();
      }
    } finally {
      await browser.close();
    }
  }, 90_000);
});
