/**
 * Evaluation suites as a user runs them: `promptops test` on the working copy (offline, no API), then
 * against local mode `publish` (which uploads the suite) and `eval --wait` (a run on the service).
 */
import { cp, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_ROUTES } from '../../src/core/routes.ts';
import type { RunningLocalMode } from '../../src/local/local-mode.ts';
import { promptops, promptopsJson, startStack, tempDir } from './support.ts';

const EXAMPLES = fileURLToPath(new URL('../../examples/prompts/', import.meta.url));
const ID = 'support-reply';

let project: { path: string; remove: () => Promise<void> };
const cli = (...args: string[]) => promptops(args, { cwd: project.path });
const cliJson = (args: string[], code = 0) => promptopsJson(args, { cwd: project.path, code });
const suiteFile = () => join(project.path, 'prompts', `${ID}.eval.yaml`);

beforeAll(async () => {
  project = await tempDir('promptops-e2e-eval-');
  await cp(EXAMPLES, join(project.path, 'prompts'), { recursive: true });
});

afterAll(async () => {
  await project?.remove();
});

describe('promptops test, offline', () => {
  it('runs every example suite with echo and passes', async () => {
    const { code, stdout } = await cli('test');
    expect(code).toBe(0);
    expect(stdout).toContain(`${ID}  prompts/${ID}.eval.yaml, echo`);
    expect(stdout).toMatch(/^refund request keeps the no-refund guardrail +rendered-contains +pass/m);
    expect(stdout).toContain('3 of 3 suites passed');
  });

  it('a failing assertion exits 1 and is named in the table; --json has the results', async () => {
    const suite = await readFile(suiteFile(), 'utf8');
    await writeFile(suiteFile(), suite.replace('value: i want my money back', 'value: refund approved'));
    try {
      const failed = await cli('test', `prompts/${ID}.prompt.md`);
      expect(failed.code).toBe(1);
      expect(failed.stdout).toMatch(/^ +icontains +fail +.*refund approved/m);
      expect(failed.stdout).toContain('FAILED  2/3 tests passed');
      const { json } = await cliJson(['test', `prompts/${ID}.prompt.md`], 1);
      expect(json).toMatchObject({ ok: false, results: [{ id: ID, state: 'FAILED', threshold: 1 }] });
    } finally {
      await writeFile(suiteFile(), suite);
    }
  });
});

const hasEvaluationRoutes = API_ROUTES.some((route) => route.path.endsWith('/eval-suite'));

describe.skipIf(!hasEvaluationRoutes)('publish and eval --wait against local mode', () => {
  let local: RunningLocalMode;

  beforeAll(async () => {
    local = await startStack(join(project.path, '.promptops'));
    await writeFile(
      join(project.path, 'promptops.config.json'),
      `${JSON.stringify({ endpoint: local.endpoints.api, environment: 'dev', prompts: 'prompts' }, null, 2)}\n`,
    );
  });

  afterAll(async () => {
    await local?.close();
  });

  it('publish uploads each suite once', async () => {
    const first = await cliJson(['publish', '-m', 'First version']);
    expect(first.json.suitesUploaded).toBe(3);
    expect(first.json.results).toContainEqual(
      expect.objectContaining({
        id: ID,
        suite: expect.objectContaining({ result: 'uploaded', revision: 1 }),
      }),
    );
    const again = await cli('publish');
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('suite unchanged (revision 1)');
  });

  it('eval --wait runs the suite on the service and ends PASSED', async () => {
    const { code, stdout } = await cli(
      'eval',
      `${ID}@1.0.0`,
      '--provider',
      'echo',
      '--wait',
      '--interval',
      '0.05',
    );
    expect(code).toBe(0);
    expect(stdout).toMatch(/^refund request keeps the no-refund guardrail +rendered-contains +pass/m);
    expect(stdout).toMatch(/^PASSED {2}3\/3 tests passed \(100%\), threshold 100%$/m);
  });

  it('a changed suite that fails is uploaded as a new revision, and its run ends FAILED with exit 1', async () => {
    const suite = await readFile(suiteFile(), 'utf8');
    await writeFile(suiteFile(), suite.replace('value: i want my money back', 'value: refund approved'));
    const publish = await cli('publish');
    expect(publish.code).toBe(0);
    expect(publish.stdout).toContain('suite revision 2');
    const { json, result } = await cliJson(['eval', `${ID}@1.0.0`, '--wait', '--interval', '0.05'], 1);
    expect(json).toMatchObject({ state: 'FAILED', suiteRevision: 2 });
    expect(result.stderr).toContain(': FAILED');
  });
});
