/** promptops shadow and promote (docs/shadows.md), as a user runs them against a scripted API. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { describePin } from '../../../src/cli/refs.ts';
import type { ShadowReport } from '../../../src/core/api.ts';
import { type FakeApi, fakeApi, problem, type RecordedRequest, type Reply, run, tempDir } from './support.ts';

let dir: Awaited<ReturnType<typeof tempDir>>;
let server: FakeApi | undefined;

beforeEach(async () => {
  dir = await tempDir();
});
afterEach(async () => {
  await server?.close();
  server = undefined;
  await dir.remove();
});

async function against(reply: (request: RecordedRequest) => Reply, argv: readonly string[]) {
  server = await fakeApi(reply);
  return run([...argv, '--endpoint', server.url], { cwd: dir.path });
}

const STARTED = { environment: 'prod', deploymentNumber: 7, state: 'DEPLOYING', revision: 12 };
const REPORT: ShadowReport = {
  environment: 'prod',
  since: '2026-12-01T00:00:00.000Z',
  until: '2026-12-02T00:00:00.000Z',
  sampleRate: 0.1,
  primary: {
    version: '1.1.0',
    count: 1000,
    errorRate: 0.02,
    latencyP50: 300,
    latencyP99: 900,
    meanInputTokens: 200,
    meanOutputTokens: 50,
    meanCostUsd: 0.002,
  },
  shadow: {
    version: '1.2.0',
    count: 100,
    errorRate: 0.1,
    latencyP50: 350,
    latencyP99: 1000,
    meanInputTokens: 200,
    meanOutputTokens: 60,
    meanCostUsd: 0.004,
  },
  comparison: {
    errorRateDifference: 0.08,
    pValue: 0.0001,
    significant: true,
    latencyP50Difference: 50,
    latencyP99Difference: 100,
    costRatio: 2,
    verdict: 'shadow-worse',
  },
};

describe('Command: shadow', () => {
  it('prints the primary against the shadow, the differences and a verdict', async () => {
    const result = await against(
      () => ({ status: 200, body: REPORT }),
      ['shadow', 'support-reply', '--env', 'prod', '--since', '2026-12-01'],
    );
    expect(result.code, result.stderr).toBe(0);
    expect(server?.requests[0]?.url).toBe('/prompts/support-reply/shadow?environment=prod&since=2026-12-01');
    expect(result.stdout).toContain('shadow sampled at 10.00%');
    expect(result.stdout).toMatch(/primary\s+1\.1\.0\s+1000\s+2\.00%\s+300 ms\s+900 ms/);
    expect(result.stdout).toMatch(/shadow\s+1\.2\.0\s+100\s+10\.00%\s+350 ms\s+1000 ms/);
    expect(result.stdout).toContain('errors +8.00 pt, p50 +50 ms, p99 +100 ms, cost x2.00');
    expect(result.stdout).toContain('1.2.0 is worse: it fails significantly more often than 1.1.0');
  });

  it('prints the captured outputs: the summary and the newest three pairs, each on one line', async () => {
    const sample = Array.from({ length: 5 }, (_, i) => ({
      primary: `The refund was sent.\nThanks ${i}`,
      shadow: `${'Your refund is on its way. '.repeat(5)}${i}`,
      at: `2026-12-01T10:0${5 - i}:00.000Z`,
    }));
    const outputs = {
      count: 42,
      sample,
      length: { primaryMean: 20, shadowMean: 136, meanRatio: 6.8 },
      similarity: { mean: 0.25, p10: 0.1, p50: 0.25 },
    };
    const result = await against(
      () => ({ status: 200, body: { ...REPORT, outputs } }),
      ['shadow', 'support-reply', '--env', 'prod'],
    );
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain(
      'Captured outputs: 42 pairs; similarity (word-set Jaccard) mean 0.25, p10 0.10, p50 0.25; mean length 136.0 chars for the shadow against 20.0 for the primary (x6.80)',
    );
    expect(result.stdout).toContain('Newest 3 of the pairs (--json has 5):');
    expect(result.stdout).toContain('primary: "The refund was sent. Thanks 0"');
    expect(result.stdout).toContain(`shadow:  "${'Your refund is on its way. '.repeat(5).slice(0, 100)}…"`);
    expect(result.stdout).toContain('2026-12-01T10:03:00.000Z');
    expect(result.stdout).not.toContain('2026-12-01T10:02:00.000Z');

    await server?.close();
    const json = await against(
      () => ({ status: 200, body: { ...REPORT, outputs } }),
      ['shadow', 'support-reply', '--env', 'prod', '--json'],
    );
    expect(JSON.parse(json.stdout).outputs).toEqual(outputs);
  });

  it('prints no outputs section when the report has none', async () => {
    const result = await against(
      () => ({ status: 200, body: REPORT }),
      ['shadow', 'support-reply', '--env', 'prod'],
    );
    expect(result.stdout).not.toContain('Captured outputs');
  });

  it('--json gives the report with the verdict', async () => {
    const result = await against(
      () => ({ status: 200, body: REPORT }),
      ['shadow', 'support-reply', '--env', 'prod', '--shadow-version', '1.2.0', '--json'],
    );
    expect(result.code).toBe(0);
    expect(server?.requests[0]?.url).toContain('version=1.2.0');
    expect(JSON.parse(result.stdout)).toMatchObject({
      id: 'support-reply',
      ...REPORT,
      verdict: expect.any(String),
    });
  });

  it('deploys a shadow with <id>@<version> --sample-rate', async () => {
    const result = await against(
      () => ({ status: 202, body: STARTED }),
      ['shadow', 'support-reply@1.3.0', '--env', 'prod', '--sample-rate', '0.05'],
    );
    expect(result.code, result.stderr).toBe(0);
    expect(server?.requests[0]).toMatchObject({ method: 'POST', url: '/environments/prod/deployments' });
    expect(JSON.parse(server?.requests[0]?.body ?? '')).toEqual({
      prompts: { 'support-reply': { shadow: { version: '1.3.0', sampleRate: 0.05 } } },
    });
    expect(result.stdout).toContain('support-reply shadow 1.3.0 on 5.00% of calls');
  });

  it('removes the shadow with --remove', async () => {
    const result = await against(
      () => ({ status: 202, body: STARTED }),
      ['shadow', 'support-reply', '--env', 'prod', '--remove'],
    );
    expect(result.code).toBe(0);
    expect(JSON.parse(server?.requests[0]?.body ?? '')).toEqual({
      prompts: { 'support-reply': { shadow: null } },
    });
  });

  it.each([
    [['shadow', 'support-reply@1.3.0', '--env', 'prod'], '--sample-rate is required'],
    [['shadow', 'support-reply@1.3.0', '--env', 'prod', '--sample-rate', '0'], 'Bad --sample-rate "0"'],
    [['shadow', 'support-reply@1.3.0', '--env', 'prod', '--sample-rate', '1.5'], 'Bad --sample-rate "1.5"'],
    [['shadow', 'support-reply@1.3.0', '--env', 'prod', '--sample-rate', 'ten'], 'Bad --sample-rate "ten"'],
    [
      ['shadow', 'support-reply', '--env', 'prod', '--sample-rate', '0.1'],
      '--sample-rate goes with <id>@<version>',
    ],
    [['shadow', 'Support Reply', '--env', 'prod'], 'Bad prompt id'],
    [['shadow', 'support-reply', '--env', 'prod', '--shadow-version', 'latest'], '--shadow-version'],
  ])('refuses %j as a usage error, sending nothing (exit 2)', async (argv, message) => {
    const result = await against(() => ({ status: 500 }), argv);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(message);
    expect(server?.requests).toEqual([]);
  });

  it('reports the service refusing a bad query (exit 1)', async () => {
    const result = await against(
      () => problem(404, 'NOT_FOUND', 'Prompt support-reply has no shadow in prod'),
      ['shadow', 'support-reply', '--env', 'prod'],
    );
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('has no shadow in prod');
  });
});

describe('Command: promote', () => {
  const status = (pin: unknown) => ({
    status: 200,
    body: { environment: 'prod', revision: 11, prompts: { 'support-reply': pin }, history: [] },
  });

  it('deploys the shadow version as the primary pin and removes the shadow, through the normal deploy', async () => {
    const result = await against(
      (request) =>
        request.method === 'GET'
          ? status({ version: '1.1.0', shadow: { version: '1.2.0', sampleRate: 0.1 } })
          : { status: 202, body: STARTED },
      ['promote', 'support-reply', '--env', 'prod'],
    );
    expect(result.code, result.stderr).toBe(0);
    expect(server?.requests.map((r) => `${r.method} ${r.url}`)).toEqual([
      'GET /environments/prod',
      'POST /environments/prod/deployments',
    ]);
    expect(JSON.parse(server?.requests[1]?.body ?? '')).toEqual({
      prompts: { 'support-reply': { version: '1.2.0', shadow: null } },
    });
    expect(result.stdout).toContain('1.2.0 is the primary pin, the shadow is removed');
  });

  it('passes the gate refusal on (exit 1)', async () => {
    const result = await against(
      (request) =>
        request.method === 'GET'
          ? status({ version: '1.1.0', shadow: { version: '1.2.0', sampleRate: 0.1 } })
          : problem(422, 'NOT_APPROVED', 'This environment accepts only approved versions'),
      ['promote', 'support-reply', '--env', 'prod'],
    );
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('accepts only approved versions');
  });

  it('fails without a shadow, deploying nothing', async () => {
    const result = await against(() => status('1.1.0'), ['promote', 'support-reply', '--env', 'prod']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('support-reply has no shadow in prod');
    expect(server?.requests.map((r) => r.method)).toEqual(['GET']);
  });
});

describe('Function: describePin, with a shadow', () => {
  it('shows the shadow and its sample rate after the default and segments', () => {
    expect(describePin({ version: '1.1.0', shadow: { version: '1.2.0', sampleRate: 0.1 } })).toBe(
      '1.1.0  shadow: 1.2.0 (sampled 10%)',
    );
    expect(
      describePin({
        version: '1.1.0',
        segments: { beta: '1.3.0' },
        shadow: { version: '1.2.0', sampleRate: 0.005 },
      }),
    ).toBe('1.1.0  beta: 1.3.0  shadow: 1.2.0 (sampled 0.5%)');
  });
});
