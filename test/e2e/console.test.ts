/**
 * The web console in headless Chromium against local mode, as people use it: a reviewer approves a
 * version another user published (and the author is refused, plainly); a deploy to staging is followed
 * live to COMPLETE; a rollout rolled back by its alarm shows why; a deploy the server refuses shows
 * the server's own message; `promptops console` serves the same console and forwards its calls.
 * Every page is kept as a screenshot under test-results/console/ (CI artifacts).
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureConsoleBuild } from '../../src/local/console-assets.ts';
import { type RunningLocalMode, startLocalMode } from '../../src/local/local-mode.ts';
import { collectPageErrors, launchChromium, screenshot } from './browser.ts';
import { BIN, call, type Json, tempDir } from './support.ts';

/** Strategy minutes become 0.4 s: the test strategy rolls out in 4 s (25% steps) and bakes 1.6 s. */
const TIME_SCALE = 150;
const STRATEGY = 'ConsoleLinear';
const ID = 'support-reply';

/** Browser-side scripts, as text: the project's TypeScript has no DOM types (only console/ does). */
const RECORD_DEPLOYMENT = `(() => {
  const seen = [];
  window.seen = seen;
  const record = () => {
    const card = document.querySelector('.deployment');
    const entry = card && card.getAttribute('data-state') + ' ' + card.querySelector('.percentage').textContent;
    if (entry && seen.at(-1) !== entry) seen.push(entry);
  };
  new MutationObserver(record).observe(document.body, { subtree: true, childList: true, characterData: true, attributes: true });
})()`;
/** Form controls with neither a label, an aria-label, nor (buttons) text. */
const UNLABELLED_CONTROLS = `[...document.querySelectorAll('input, select, textarea, button')]
  .filter((el) => !((el.labels && el.labels.length) || el.getAttribute('aria-label') || (el.tagName === 'BUTTON' && el.textContent.trim())))
  .map((el) => el.tagName + ' ' + (el.getAttribute('name') || el.id))`;

let data: Awaited<ReturnType<typeof tempDir>>;
let local: RunningLocalMode;
let browser: Browser;
let context: BrowserContext;
const pageErrors: string[] = [];

const promptDocument = (role: string, extra = '') => `---
id: ${ID}
description: Replies to a customer support ticket
owner: support-team
variables:
  customer_name: { type: string, required: true, description: Customer first name }
  ticket: { type: string, required: true }
  tone: { type: string, required: false, default: friendly }${extra}
---
## role
${role}
## context
Customer: {{customer_name}}
## instructions
Answer the ticket below in a {{tone}} tone.
{{ticket}}
## guardrails
Never promise refunds.
## output_format
Plain text, at most 150 words.
`;

const api = (method: string, path: string, body?: unknown, user = 'local:alice') =>
  call(local.endpoints.api, method, path, body, user);

async function publish(role: string, message: string, extra = ''): Promise<string> {
  const published = await api('POST', `/prompts/${ID}/versions`, {
    document: promptDocument(role, extra),
    message,
  });
  expect(published.status, JSON.stringify(published.body)).toBe(201);
  return published.body.version as string;
}

async function openPage(hash: string, user?: string): Promise<Page> {
  const page = await context.newPage();
  pageErrors.push(...collectPageErrors(page));
  if (user) await page.addInitScript((u) => localStorage.setItem('promptops.console.user', u), user);
  await page.goto(`${local.endpoints.console}${hash}`);
  return page;
}

/** Polls the API (not the page) until `done`: for preconditions the page is not about. */
async function until(
  what: string,
  read: () => Promise<Json>,
  done: (value: Json) => boolean,
  timeoutMs = 20_000,
) {
  const deadline = Date.now() + timeoutMs;
  for (let value = await read(); ; value = await read()) {
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

beforeAll(async () => {
  data = await tempDir('promptops-console-e2e-');
  // Built here first, so no test's time goes to it; a no-op while the sources are unchanged.
  await ensureConsoleBuild();
  local = await startLocalMode({
    dataDir: data.path,
    port: 0,
    seed: false,
    timeScale: TIME_SCALE,
    log: () => undefined,
    canaryEnvironments: ['dev'],
    settings: {
      customStrategies: JSON.stringify({
        [STRATEGY]: {
          deploymentDurationInMinutes: 10,
          growthFactor: 25,
          growthType: 'LINEAR',
          finalBakeTimeInMinutes: 4,
        },
      }),
    },
  });
  browser = await launchChromium();
  context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  context.setDefaultTimeout(20_000);
  await publish('You are a support agent for Acme.', 'First version');
  await publish('You are a warm and patient support agent for Acme.', 'Warmer role');
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await local?.close();
  await data?.remove();
});

describe('the web console', () => {
  it('lets a reviewer approve a version another user published, and tells the author why not', async () => {
    const page = await openPage(`#/review/${ID}/1.0.1`, 'local:alice');
    await page.getByRole('heading', { name: `Review ${ID} 1.0.1` }).waitFor();
    // The change under review is shown as a diff with the bump's reasons.
    await expect.poll(() => page.locator('.bump-level').textContent()).toBe('patch');
    await page.locator('td.code.added', { hasText: 'warm and patient' }).first().waitFor();

    await page.getByRole('button', { name: 'Approve 1.0.1' }).click();
    const refusal = page.locator('.problem[data-code="SELF_APPROVAL"]');
    await refusal.waitFor();
    await expect.poll(() => page.locator('.separation').textContent()).toContain('Separation of duties');
    const versions = await api('GET', `/prompts/${ID}/versions`);
    expect(versions.body.items[0].approvals).toEqual([]);

    await page.getByLabel('Acting as (local mode)').fill('local:bob');
    await page.getByRole('button', { name: 'Switch user' }).click();
    await page.getByLabel('Comment (optional)').fill('Reads well');
    await page.getByRole('button', { name: 'Approve 1.0.1' }).click();
    await page.getByText('Approved by local:bob.').waitFor();
    await screenshot(page, 'review');
    const after = await api('GET', `/prompts/${ID}/versions`);
    expect(after.body.items[0].approvals).toMatchObject([{ by: 'local:bob', comment: 'Reads well' }]);
    await page.close();
  });

  it('deploys to staging with a confirmation naming the change, and follows it live to COMPLETE', async () => {
    const page = await openPage('#/environments/staging');
    await page.getByRole('heading', { name: 'Deploy to staging' }).waitFor();
    const row = page.getByRole('group', { name: 'Prompt 1' });
    await row.getByLabel('Prompt', { exact: true }).selectOption(ID);
    await row.getByLabel('Version', { exact: true }).selectOption('1.0.1');
    await page.getByLabel(/^Strategy/).fill(STRATEGY);
    await page.getByRole('button', { name: 'Review deployment…' }).click();
    const confirm = page.getByRole('alertdialog');
    await expect.poll(() => confirm.locator('.changes').textContent()).toBe(`${ID}: not deployed → 1.0.1`);
    await expect.poll(() => confirm.textContent()).toContain(`with ${STRATEGY}`);

    // Every state and percentage the page shows, as it shows them.
    await page.evaluate(RECORD_DEPLOYMENT);
    await page.getByRole('button', { name: 'Confirm deploy to staging' }).click();
    await page.getByText(/Deployment #1 to staging started/).waitFor();
    await page.locator('.deployment[data-state="COMPLETE"]').waitFor({ timeout: 30_000 });
    const seen = (await page.evaluate('window.seen')) as string[];
    const percentages = seen
      .filter((s) => s.startsWith('DEPLOYING'))
      .map((s) => Number.parseInt(s.split(' ')[1] as string, 10));
    expect(
      percentages.some((p) => p > 0 && p < 100),
      seen.join(', '),
    ).toBe(true);
    expect(percentages).toEqual([...percentages].sort((a, b) => a - b));
    expect(seen).toContain('BAKING 100%');
    expect(seen.at(-1)).toBe('COMPLETE 100%');
    await page.locator('figure.chart svg').waitFor();
    await screenshot(page, 'environments');
    expect((await api('GET', '/environments/staging')).body.prompts).toEqual({ [ID]: '1.0.1' });
    await page.close();
  });

  it('shows a rollout rolled back by its alarm, with the reason, the alarm and the canary verdicts', async () => {
    await until(
      'dev is free',
      () => api('GET', '/environments/dev'),
      (env) => !env.body.deployment,
    );
    expect(
      (
        await api('POST', '/environments/dev/deployments', {
          prompts: { [ID]: '1.0.0' },
          strategy: 'LocalSeed',
        })
      ).status,
    ).toBe(202);
    await until(
      'the baseline in dev',
      () => api('GET', '/environments/dev'),
      (env) => env.body.deployment?.state === 'COMPLETE',
    );
    const started = await api('POST', '/environments/dev/deployments', {
      prompts: { [ID]: '1.0.1' },
      strategy: STRATEGY,
      description: 'warmer role',
    });
    expect(started.status).toBe(202);
    const page = await openPage('#/environments/dev');
    await page.locator('.deployment[data-state="DEPLOYING"]').waitFor();

    // The app's calls fail: the ErrorRate alarm fires and AppConfig rolls back.
    const records = Array.from({ length: 30 }, () => ({
      promptId: ID,
      version: '1.0.1',
      environment: 'dev',
      error: true,
      latencyMs: 900,
    }));
    await until(
      'the rollback',
      async () => {
        await api('POST', '/metrics', { records });
        return api('GET', '/environments/dev');
      },
      (env) => env.body.deployment?.state === 'ROLLED_BACK',
    );
    await page.locator('.deployment[data-state="ROLLED_BACK"]').waitFor();
    await expect
      .poll(() => page.locator('.deployment-reason').textContent())
      .toContain('promptops-dev-ErrorRate');
    // The alarm clears a few short local periods after the failing calls stop: keep them coming
    // until the page has shown it, so a slow machine cannot miss the ALARM row.
    await expect
      .poll(
        async () => {
          await api('POST', '/metrics', { records });
          return page.getByRole('row', { name: /promptops-dev-ErrorRate ALARM/ }).count();
        },
        { timeout: 20_000 },
      )
      .toBe(1);
    await page.getByRole('heading', { name: 'Canary analysis' }).waitFor();
    await expect
      .poll(() => page.getByRole('row', { name: /support-reply 1\.0\.1 vs 1\.0\.0 error rate/ }).count())
      .toBe(1);
    await page.getByRole('cell', { name: 'support-reply 1.0.0', exact: true }).waitFor();
    await screenshot(page, 'environments-rolled-back');
    await page.close();
  });

  it("shows the server's problem details when a gate refuses a deploy", async () => {
    const unapproved = await publish('You are a concise support agent for Acme.', 'Shorter role');
    const page = await openPage('#/environments/prod');
    const row = page.getByRole('group', { name: 'Prompt 1' });
    await row.getByLabel('Prompt', { exact: true }).selectOption(ID);
    await row.getByLabel('Version', { exact: true }).selectOption(unapproved);
    await page.getByRole('button', { name: 'Review deployment…' }).click();
    await page.getByRole('button', { name: 'Confirm deploy to prod' }).click();
    const problem = page.locator('.problem', { hasText: 'Deploy refused' });
    await problem.waitFor();
    // The same request, straight to the API: refused alike, and nothing was written.
    const direct = await api('POST', '/environments/prod/deployments', { prompts: { [ID]: unapproved } });
    expect(direct.status).toBe(422);
    expect(await problem.getAttribute('data-code')).toBe(direct.body.code);
    expect(await problem.locator('.problem-detail').textContent()).toBe(direct.body.detail);
    expect((await api('GET', '/environments/prod')).body.deployment).toBeNull();
    await screenshot(page, 'environments-refused');
    await page.close();
  });

  it('shows every page with labelled controls and no sideways scrolling at 200% zoom', async () => {
    for (const [rating, version] of [
      [1, '1.0.0'],
      [-1, '1.0.1'],
      [1, '1.0.1'],
    ] as const)
      expect(
        (await api('POST', '/feedback', { promptId: ID, version, environment: 'staging', rating })).status,
      ).toBe(202);
    const suite = `description: Smoke
provider: { type: echo }
tests:
  - description: the ticket reaches the prompt
    vars: { customer_name: Ana, ticket: "Where is my order?" }
    assert:
      - { type: rendered-contains, value: "Where is my order?" }
`;
    expect((await api('PUT', `/prompts/${ID}/eval-suite`, { suite })).status).toBe(201);

    const page = await openPage('#/prompts');
    await page.getByRole('link', { name: ID }).waitFor();
    await page.getByLabel('Search prompts').fill('support');
    await screenshot(page, 'prompts');
    await page.getByRole('link', { name: ID }).click();
    await page.getByRole('heading', { name: 'Compare versions' }).waitFor();
    await page
      .getByRole('row', { name: /^1\.0\.1 local:alice/ })
      .getByText('local:bob')
      .waitFor();
    await page.getByLabel('customer_name').fill('Ana');
    await page.getByLabel('ticket').fill('Where is my order?');
    await expect.poll(() => page.locator('.rendered-text').textContent()).toContain('Customer: Ana');
    await expect.poll(() => page.locator('.rendered-text').textContent()).toContain('in a friendly tone');
    await screenshot(page, 'prompt');

    await page.goto(`${local.endpoints.console}#/feedback?prompt=${ID}&environment=staging`);
    await page.getByRole('heading', { name: 'A/B verdict' }).waitFor();
    await page.getByRole('row', { name: /^1\.0\.1 2 1 1 50\.0% \(95% CI/ }).waitFor();
    await screenshot(page, 'feedback');

    await page.goto(`${local.endpoints.console}#/evaluations/${ID}/1.0.1`);
    await page.getByRole('button', { name: 'Run the suite' }).click();
    await page.getByRole('heading', { name: /^Run .*: PASSED$/ }).waitFor({ timeout: 30_000 });
    await screenshot(page, 'evaluations');

    await page.goto(`${local.endpoints.console}#/audit?environment=dev`);
    await page.getByRole('rowheader', { name: 'environment.deployment.rolled-back' }).first().waitFor();
    await page.getByLabel('Action contains').fill('rolled-back');
    await screenshot(page, 'audit');

    await page.close();

    // Keyboard: the first Tab stop skips to the content, the next ones are the navigation.
    const keys = await openPage('#/audit');
    await keys.getByRole('heading', { name: 'Audit log' }).waitFor();
    await keys.keyboard.press('Tab');
    expect(await keys.evaluate('document.activeElement.textContent')).toBe('Skip to content');
    await keys.keyboard.press('Tab');
    await keys.keyboard.press('Tab');
    await keys.keyboard.press('Enter');
    await keys.getByRole('link', { name: 'Review 1.0.2' }).waitFor();
    await keys.close();

    // 200% zoom: half the CSS width at twice the pixel density, as a browser zoomed in shows it.
    const zoomed = await browser.newContext({ viewport: { width: 640, height: 900 }, deviceScaleFactor: 2 });
    const unlabelled: string[] = [];
    for (const hash of [
      '#/prompts',
      `#/prompts/${ID}`,
      `#/review/${ID}/1.0.2`,
      '#/environments/staging',
      `#/feedback?prompt=${ID}&environment=staging`,
      `#/evaluations/${ID}/1.0.1`,
      '#/audit',
    ]) {
      const view = await zoomed.newPage();
      pageErrors.push(...collectPageErrors(view));
      await view.goto(`${local.endpoints.console}${hash}`);
      await view.locator('main h1').waitFor();
      await view.waitForLoadState('networkidle');
      const overflow = (await view.evaluate(
        'document.documentElement.scrollWidth - window.innerWidth',
      )) as number;
      expect(overflow, `${hash} scrolls sideways at 200%`).toBeLessThanOrEqual(0);
      const missing = (await view.evaluate(UNLABELLED_CONTROLS)) as string[];
      unlabelled.push(...missing.map((what) => `${hash}: ${what}`));
      if (hash === '#/environments/staging') await screenshot(view, 'environments-zoom-200');
      await view.close();
    }
    await zoomed.close();
    expect(unlabelled).toEqual([]);
    expect(pageErrors).toEqual([]);
  });

  it('promptops console serves the same console and forwards its calls to the API', async () => {
    const child = spawn(
      process.execPath,
      [
        BIN,
        'console',
        '--port',
        '0',
        '--endpoint',
        local.endpoints.api,
        '--environments',
        'dev,staging,prod',
        '--json',
      ],
      { cwd: data.path, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
    });
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      const lines = createInterface({ input: child.stdout });
      let text = '';
      for await (const line of lines) {
        text += line;
        if (line === '}') break;
      }
      const started = JSON.parse(text) as { url: string; mode: string };
      expect(started.mode).toBe('local');
      expect(new URL(started.url).hostname).toBe('127.0.0.1');
      const page = await context.newPage();
      pageErrors.push(...collectPageErrors(page));
      await page.goto(`${started.url}#/environments/staging`);
      await page.getByRole('rowheader', { name: ID }).first().waitFor();
      await expect.poll(() => page.locator('.deployment').getAttribute('data-state')).toBe('COMPLETE');
      await page.close();
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited, stderr).toBe(0);
    expect(pageErrors).toEqual([]);
  });
});
