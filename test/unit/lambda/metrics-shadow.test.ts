/** POST /metrics with `role` (docs/shadows.md): shadow outcomes carry only the Role=shadow set. */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { handler } from '../../../lambda/handlers/metrics.ts';
import { ENV } from '../../../src/core/contracts.ts';
import { DIMENSION_SETS } from '../../../src/core/metrics.ts';
import { SHADOW_DIMENSION_SET } from '../../../src/core/shadow-metrics.ts';
import { call } from '../../fixtures/api.ts';
import { captureOutput, expectValidEmf } from '../../fixtures/feedback-emf.ts';

let output: ReturnType<typeof captureOutput>;
const record = (fields: Record<string, unknown> = {}) => ({
  promptId: 'support-reply',
  version: '1.4.0',
  environment: 'prod',
  ...fields,
});
const send = (body: unknown) => call(handler, 'POST', '/metrics', { body });

const previous = process.env[ENV.environments];
beforeAll(() => {
  process.env[ENV.environments] = 'dev,staging,prod';
});
afterAll(() => {
  if (previous === undefined) delete process.env[ENV.environments];
  else process.env[ENV.environments] = previous;
});
beforeEach(() => {
  output = captureOutput();
});
afterEach(() => output.restore());

describe('Handler: metrics, with role', () => {
  it('writes a shadow record with the Role=shadow per-version set only: never the roll-up or the per-version set', async () => {
    const response = await send({
      records: [record({ role: 'shadow', latencyMs: 900, error: true, costUsd: 0.002 })],
    });
    expect(response.status).toBe(202);
    expect(response.body).toEqual({ accepted: 1 });
    const [document] = output.emf().map(expectValidEmf);
    expect(document?._aws.CloudWatchMetrics[0]?.Dimensions).toEqual([
      ['Environment', 'PromptId', 'PromptVersion', 'Role'],
    ]);
    expect(document?._aws.CloudWatchMetrics[0]?.Dimensions).toEqual([SHADOW_DIMENSION_SET]);
    expect(document).toMatchObject({ Role: 'shadow', PromptVersion: '1.4.0', Errors: 1, Latency: 900 });
  });

  it('leaves the segment off a shadow record: the shadow has no segment pin of its own', async () => {
    await send({ records: [record({ role: 'shadow', segment: 'beta' })] });
    const [document] = output.emf().map(expectValidEmf);
    expect(document?._aws.CloudWatchMetrics[0]?.Dimensions).toEqual([SHADOW_DIMENSION_SET]);
    expect(document).not.toHaveProperty('Segment');
  });

  it('writes role primary, and no role, as before: both sets, no Role', async () => {
    await send({ records: [record({ role: 'primary' }), record()] });
    const documents = output.emf().map(expectValidEmf);
    expect(documents).toHaveLength(2);
    for (const document of documents) {
      expect(document._aws.CloudWatchMetrics[0]?.Dimensions).toEqual(DIMENSION_SETS);
      expect(document).not.toHaveProperty('Role');
    }
  });

  it.each([
    ['canary'],
    ['Shadow'],
    [1],
    [null],
    [true],
  ])('is 400 VALIDATION_FAILED for role %j naming records.N.role, emitting nothing for the batch', async (role) => {
    const response = await send({ records: [record({ role: 'shadow' }), record({ role })] });
    expect(response.status).toBe(400);
    expect(response.headers['content-type']).toBe('application/problem+json');
    expect(response.body).toMatchObject({ code: 'VALIDATION_FAILED' });
    expect(response.body.errors?.[0]?.path).toBe('records.1.role');
    expect(output.emf()).toHaveLength(0);
  });
});
