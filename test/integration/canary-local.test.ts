/**
 * Canary analysis through local mode, with traffic as an app would send it, spread over time: the
 * EMF lines `PromptClient.record` writes, posted in batches to local mode's EMF endpoint (where
 * PROMPTOPS_EMF_ENDPOINT points an app), one batch per canary tick. A candidate erring at 30% against
 * a 1% baseline under a 90/10 split rolls prod back while the environment's ErrorRate alarm stays OK;
 * a candidate as good as its baseline completes; a quiet deployment completes on `insufficient-data`.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CanaryAnalysisEntry } from '../../src/core/api.ts';
import { emfDocument, type Outcome, outcomeMetrics } from '../../src/core/metrics.ts';
import { type RunningLocalMode, startLocalMode } from '../../src/local/local-mode.ts';

/** Strategy minutes become seconds / 2: each canary deployment lasts 5 s, then bakes 5 s. */
const TIME_SCALE = 120;
const STRATEGY = 'CanaryTest';
const ENVIRONMENT = 'prod';
const BASELINE = '1.0.0';

let dataDir: string;
let local: RunningLocalMode;

async function api(method: string, route: string, body?: unknown, user = 'local:alice') {
  const response = await fetch(`${local.endpoints.api}${route}`, {
    method,
    headers: {
      'x-promptops-user': user,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  // biome-ignore lint/suspicious/noExplicitAny: arbitrary JSON bodies
  return { status: response.status, body: (text ? JSON.parse(text) : undefined) as any };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `read` every 100 ms until `done` holds of its value; fails naming `what` after `timeoutMs`. */
async function waitFor<T>(
  what: string,
  read: () => Promise<T>,
  done: (value: T) => boolean,
  timeoutMs = 15_000,
) {
  const deadline = Date.now() + timeoutMs;
  let value = await read();
  while (!done(value)) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(value)}`);
    await sleep(100);
    value = await read();
  }
  return value;
}

const document = (id: string, role: string) => `---
id: ${id}
description: Answers a support ticket
variables:
  ticket: { type: string, required: true }
---
## role
${role}
## instructions
Answer {{ticket}}.
## output_format
One paragraph.
`;

/** Publishes a baseline and a candidate version of `id`, approved by a second user (prod is protected). */
async function publishPair(id: string): Promise<string> {
  const versions: string[] = [];
  for (const role of ['You are a support agent.', 'You are a terse support agent.']) {
    const published = await api('POST', `/prompts/${id}/versions`, { document: document(id, role) });
    expect(published.status).toBe(201);
    const approved = await api(
      'POST',
      `/prompts/${id}/versions/${published.body.version}/approvals`,
      {},
      'local:bob',
    );
    expect(approved.status).toBe(201);
    versions.push(published.body.version);
  }
  expect(versions[0]).toBe(BASELINE);
  return versions[1] as string;
}

const environment = async () => (await api('GET', `/environments/${ENVIRONMENT}`)).body;

/** Deploys `prompts` to prod; the environment as soon as it shows the new deployment. */
async function deploy(prompts: Record<string, unknown>, strategy: string) {
  const started = await api('POST', `/environments/${ENVIRONMENT}/deployments`, { prompts, strategy });
  expect(started.status, JSON.stringify(started.body)).toBe(202);
  return waitFor(
    'the deployment to start',
    environment,
    (env) => env.deployment?.number === started.body.deploymentNumber,
  );
}

/** The baseline everywhere first, with the seed strategy (no rollout, no bake): not judged, as it is new. */
async function deployBaseline(id: string) {
  const started = await deploy({ [id]: BASELINE }, 'LocalSeed');
  const done = await waitFor(
    'the baseline to complete',
    environment,
    (env) => env.deployment?.number === started.deployment.number && env.deployment.state === 'COMPLETE',
  );
  expect(done.prompts[id]).toBe(BASELINE);
}

/** The EMF line `PromptClient.record` writes for one use of `id@version` in prod. */
function appLine(id: string, version: string, outcome: Outcome, at: number): string {
  const dimensions = { environment: ENVIRONMENT, promptId: id, promptVersion: version };
  return `${JSON.stringify(emfDocument(dimensions, { ...outcomeMetrics(outcome), staleServes: 0 }, at))}\n`;
}

interface Uses {
  readonly version: string;
  readonly count: number;
  /** The first this many of the uses failed. */
  readonly errors: number;
}

/**
 * One batch of uses, stamped with one time: a batch falls in one alarm period, so no period sees
 * only the candidate's share of it (each batch keeps the environment's error rate under the alarm's).
 */
function batch(id: string, ...uses: readonly Uses[]): string[] {
  const at = Date.now();
  return uses.flatMap(({ version, count, errors }) =>
    Array.from({ length: count }, (_, i) => appLine(id, version, { error: i < errors, latencyMs: 800 }, at)),
  );
}

/** Posts the lines as an app's writer does (PROMPTOPS_EMF_ENDPOINT), all in one body. */
async function send(lines: readonly string[]): Promise<void> {
  const response = await fetch(local.endpoints.emf, {
    method: 'POST',
    body: lines.join(''),
    headers: { 'content-type': 'text/plain' },
  });
  expect(response.status).toBe(202);
  expect(((await response.json()) as { accepted: number }).accepted).toBe(lines.length);
}

interface AuditItem {
  readonly action: string;
  readonly details: Readonly<Record<string, unknown>>;
}

const auditOfProd = async () =>
  (await api('GET', `/audit?environment=${ENVIRONMENT}`)).body.items as AuditItem[];

function entry(env: { deployment?: { analysis?: CanaryAnalysisEntry[] } }, metric: string) {
  return env.deployment?.analysis?.find((e) => e.metric === metric);
}

/** Until a tick has judged at least `candidate` candidate calls, or the deployment has ended. */
function judged(number: number, candidate: number) {
  return waitFor(`a tick judging ${candidate} candidate calls`, environment, (env) => {
    if (env.deployment?.number !== number) return false;
    if (!['DEPLOYING', 'BAKING'].includes(env.deployment.state)) return true;
    return (entry(env, 'errorRate')?.samples.candidate ?? -1) >= candidate;
  });
}

async function errorRateAlarm(): Promise<{ state: string }> {
  const alarms = (await (
    await fetch(`${local.endpoints.api}/_local/alarms?environment=${ENVIRONMENT}`)
  ).json()) as Record<string, { name: string; state: string }[]>;
  const alarm = alarms[ENVIRONMENT]?.find((a) => a.name.endsWith('-ErrorRate'));
  expect(alarm).toBeDefined();
  return alarm as { state: string };
}

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'promptops-canary-local-'));
  local = await startLocalMode({
    dataDir,
    port: 0,
    seed: false,
    timeScale: TIME_SCALE,
    log: () => undefined,
    settings: {
      // 10 minutes in steps of 20%, then a 10-minute bake: 10 s in all at this time scale.
      customStrategies: JSON.stringify({
        [STRATEGY]: {
          deploymentDurationInMinutes: 10,
          growthFactor: 20,
          growthType: 'LINEAR',
          finalBakeTimeInMinutes: 10,
        },
      }),
    },
  });
});

afterAll(async () => {
  await local?.close();
  await rm(dataDir, { recursive: true, force: true });
});

describe('canary analysis in local mode', () => {
  it('rolls back a candidate erring at 30% against 1% under a 90/10 split, with the environment alarm OK', {
    timeout: 30_000,
  }, async () => {
    const id = 'canary-bad';
    const candidate = await publishPair(id);
    await deployBaseline(id);

    const started = await deploy(
      {
        [id]: {
          variants: [
            { version: BASELINE, weight: 90 },
            { version: candidate, weight: 10 },
          ],
        },
      },
      STRATEGY,
    );
    const number = started.deployment.number as number;

    // Five batches of 180 baseline calls (2 or 1 errors) and 20 candidate calls (6 errors): each batch
    // errs at 4% or less, the whole at 3.9%, under the 5% ErrorRate alarm.
    const seen: CanaryAnalysisEntry[] = [];
    let sent = 0;
    for (const baselineErrors of [2, 2, 2, 2, 1]) {
      await send(
        batch(
          id,
          { version: BASELINE, count: 180, errors: baselineErrors },
          { version: candidate, count: 20, errors: 6 },
        ),
      );
      sent += 20;
      const env = await judged(number, sent);
      expect((await errorRateAlarm()).state).toBe('OK');
      const errorRate = entry(env, 'errorRate');
      if (errorRate) seen.push(errorRate);
      if (env.deployment.state === 'ROLLED_BACK') break;
    }

    const rolledBack = await waitFor(
      'the rollback',
      environment,
      (env) => env.deployment?.state === 'ROLLED_BACK',
    );
    expect(rolledBack.deployment.number).toBe(number);
    // Judged over several ticks: too few candidate calls at first, then the failure.
    expect(seen.some((e) => e.verdict === 'insufficient-data')).toBe(true);
    expect(seen.at(-1)?.verdict).toBe('fail');

    const { reason, analysis } = rolledBack.deployment as { reason: string; analysis: CanaryAnalysisEntry[] };
    expect(reason).toContain('Canary analysis failed');
    expect(reason).toContain(`${id} ${candidate} vs ${BASELINE}: error rate`);
    expect(reason).not.toContain('ErrorRate');
    const failed = analysis.find((e) => e.verdict === 'fail');
    expect(failed).toMatchObject({ promptId: id, baseline: BASELINE, candidate, metric: 'errorRate' });
    expect(failed?.samples.candidate).toBeGreaterThanOrEqual(50);
    expect(failed?.samples.baseline).toBe(failed ? failed.samples.candidate * 9 : undefined);
    expect(failed?.candidateValue).toBeCloseTo(0.3, 5);
    expect(failed?.baselineValue).toBeLessThan(0.015);
    expect(failed?.pValue).toBeLessThan(0.01);
    expect((await errorRateAlarm()).state).toBe('OK');

    const back = await waitFor(
      'the baseline pin restored',
      environment,
      (env) => env.prompts[id] === BASELINE,
    );
    expect(back.prompts[id]).toBe(BASELINE);

    // The deployment-events hook audits the ending after AppConfig reports it.
    const audit = await waitFor('the rollback audited', auditOfProd, (items) =>
      items.some(
        (e) => e.action === 'environment.deployment.rolled-back' && e.details.deploymentNumber === number,
      ),
    );
    const canaryFailed = audit.find((e) => e.action === 'environment.deployment.canary-failed');
    expect(canaryFailed?.details).toMatchObject({
      deploymentNumber: number,
      reason: expect.stringContaining(id),
    });
    expect(canaryFailed?.details.failures).toEqual([
      expect.objectContaining({ candidate, metric: 'errorRate' }),
    ]);
    const rolledBackEvent = audit.find((e) => e.action === 'environment.deployment.rolled-back');
    expect(rolledBackEvent?.details).toMatchObject({ triggeredBy: 'APPCONFIG' });
    expect(String(rolledBackEvent?.details.reason)).toContain('Canary analysis failed');
  });

  it('completes a candidate as good as its baseline', { timeout: 30_000 }, async () => {
    const id = 'canary-good';
    const candidate = await publishPair(id);
    await deployBaseline(id);
    const started = await deploy(
      {
        [id]: {
          variants: [
            { version: BASELINE, weight: 90 },
            { version: candidate, weight: 10 },
          ],
        },
      },
      STRATEGY,
    );
    const number = started.deployment.number as number;

    let sent = 0;
    for (const baselineErrors of [2, 2, 2, 2, 1]) {
      // The same 1% on both sides: 9 errors in 900 baseline calls, 1 in 100 candidate calls.
      await send(
        batch(
          id,
          { version: BASELINE, count: 180, errors: baselineErrors },
          { version: candidate, count: 20, errors: sent === 40 ? 1 : 0 },
        ),
      );
      sent += 20;
      const env = await judged(number, sent);
      expect(env.deployment.state).not.toBe('ROLLED_BACK');
    }

    const done = await waitFor(
      'the deployment to complete',
      environment,
      (env) => env.deployment?.number === number && !['DEPLOYING', 'BAKING'].includes(env.deployment.state),
    );
    expect(done.deployment.state).toBe('COMPLETE');
    const analysis = done.deployment.analysis as CanaryAnalysisEntry[];
    expect(analysis.map((e) => e.metric).sort()).toEqual(['errorRate', 'latencyP99', 'negativeFeedbackRate']);
    expect(analysis.every((e) => e.verdict !== 'fail')).toBe(true);
    expect(entry(done, 'errorRate')).toMatchObject({
      verdict: 'pass',
      samples: { baseline: 900, candidate: 100 },
    });
    expect(entry(done, 'latencyP99')?.verdict).toBe('pass');
    // No ratings were sent.
    expect(entry(done, 'negativeFeedbackRate')?.verdict).toBe('insufficient-data');
    expect(done.prompts[id]).toEqual({
      variants: [
        { version: BASELINE, weight: 90 },
        { version: candidate, weight: 10 },
      ],
    });
  });

  it('completes a quiet deployment on insufficient-data and never rolls back on it', {
    timeout: 30_000,
  }, async () => {
    const id = 'canary-quiet';
    const candidate = await publishPair(id);
    await deployBaseline(id);
    const started = await deploy({ [id]: candidate }, STRATEGY);
    const number = started.deployment.number as number;

    // Five calls a side, every candidate call failing: far too few to judge, and under the alarm's
    // minimum sample.
    await send(
      batch(id, { version: BASELINE, count: 5, errors: 0 }, { version: candidate, count: 5, errors: 5 }),
    );
    const judgedOnce = await judged(number, 5);
    expect(entry(judgedOnce, 'errorRate')).toMatchObject({
      verdict: 'insufficient-data',
      samples: { baseline: 5, candidate: 5 },
    });

    const done = await waitFor(
      'the deployment to complete',
      environment,
      (env) => env.deployment?.number === number && !['DEPLOYING', 'BAKING'].includes(env.deployment.state),
    );
    expect(done.deployment.state).toBe('COMPLETE');
    expect(done.prompts[id]).toBe(candidate);
    const analysis = done.deployment.analysis as CanaryAnalysisEntry[];
    expect(analysis.length).toBeGreaterThan(0);
    expect(analysis.every((e) => e.verdict === 'insufficient-data')).toBe(true);
    const audit = await waitFor('the completion audited', auditOfProd, (items) =>
      items.some(
        (e) => e.action === 'environment.deployment.complete' && e.details.deploymentNumber === number,
      ),
    );
    const aboutThis = audit.filter((e) => e.details.deploymentNumber === number).map((e) => e.action);
    expect(aboutThis).not.toContain('environment.deployment.canary-failed');
    expect(aboutThis).not.toContain('environment.deployment.rolled-back');
  });
});
