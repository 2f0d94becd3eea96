import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createMetricsHandler, handler } from '../../../lambda/handlers/metrics.ts';
import { ENV } from '../../../src/core/contracts.ts';
import { DIMENSION_SETS, METRIC_NAMESPACE, METRICS } from '../../../src/core/metrics.ts';
import { call } from '../../fixtures/api.ts';
import { captureOutput, expectValidEmf } from '../../fixtures/feedback-emf.ts';
import { MemoryMetricSink } from '../../fixtures/feedback-fakes.ts';

const NOW = Date.parse('2026-11-05T14:30:00.000Z');
const dynamo = mockClient(DynamoDBDocumentClient);
let output: ReturnType<typeof captureOutput>;

const record = (fields: Record<string, unknown> = {}) => ({
  promptId: 'support-reply',
  version: '1.4.0',
  environment: 'prod',
  ...fields,
});

const send = (body: unknown, options: { rawBody?: string; headers?: Record<string, string> } = {}) =>
  call(handler, 'POST', '/metrics', { body, ...options });

beforeAll(() => {
  process.env[ENV.environments] = 'dev,staging,prod';
});
afterAll(() => {
  dynamo.restore();
});
beforeEach(() => {
  dynamo.reset();
  output = captureOutput();
});
afterEach(() => {
  output.restore();
  // The metrics path stores nothing and calls no AWS API: EMF lines only, never PutMetricData.
  expect(dynamo.calls()).toHaveLength(0);
});

describe('Handler: metrics', () => {
  it('emits one EMF document per record with the core names, units and both dimension sets', async () => {
    const response = await send({
      records: [
        record({
          latencyMs: 812,
          inputTokens: 420,
          outputTokens: 95,
          costUsd: 0.0031,
          error: false,
          score: 0.9,
        }),
        record({ version: '1.5.0', environment: 'staging', error: true }),
        record(),
      ],
    });
    expect(response.status).toBe(202);
    expect(response.headers['content-type']).toBe('application/json');
    expect(response.body).toEqual({ accepted: 3 });

    const documents = output.emf().map(expectValidEmf);
    expect(documents).toHaveLength(3);
    for (const document of documents) {
      expect(document._aws.CloudWatchMetrics).toHaveLength(1);
      expect(document._aws.CloudWatchMetrics[0]?.Namespace).toBe(METRIC_NAMESPACE);
      expect(document._aws.CloudWatchMetrics[0]?.Dimensions).toEqual([
        ['Environment', 'PromptId', 'PromptVersion'],
        ['Environment'],
      ]);
      expect(document._aws.CloudWatchMetrics[0]?.Dimensions).toEqual(DIMENSION_SETS);
    }

    const [full, failed, bare] = documents;
    expect(full?._aws.CloudWatchMetrics[0]?.Metrics).toEqual([
      { Name: 'Invocations', Unit: 'Count' },
      { Name: 'Errors', Unit: 'Count' },
      { Name: 'Latency', Unit: 'Milliseconds' },
      { Name: 'InputTokens', Unit: 'Count' },
      { Name: 'OutputTokens', Unit: 'Count' },
      { Name: 'Cost', Unit: 'None' },
      { Name: 'Score', Unit: 'None' },
    ]);
    expect(full).toMatchObject({
      Environment: 'prod',
      PromptId: 'support-reply',
      PromptVersion: '1.4.0',
      Invocations: 1,
      Errors: 0,
      Latency: 812,
      InputTokens: 420,
      OutputTokens: 95,
      Cost: 0.0031,
      Score: 0.9,
    });
    expect(failed).toMatchObject({
      Environment: 'staging',
      PromptVersion: '1.5.0',
      Invocations: 1,
      Errors: 1,
    });
    // Only what the record holds: Invocations and Errors always (the error rate alarm's ratio), no empty metrics.
    expect(bare?._aws.CloudWatchMetrics[0]?.Metrics.map((m) => m.Name)).toEqual(['Invocations', 'Errors']);
    expect(bare).not.toHaveProperty('Latency');
  });

  it('adds the per-version Segment dimension set for a record with a segment (docs/segments.md), never on the roll-up', async () => {
    const response = await send({ records: [record({ segment: 'beta', latencyMs: 3 })] });
    expect(response.status).toBe(202);
    const [document] = output.emf().map(expectValidEmf);
    expect(document?._aws.CloudWatchMetrics[0]?.Dimensions).toEqual([
      ['Environment', 'PromptId', 'PromptVersion'],
      ['Environment'],
      ['Environment', 'PromptId', 'PromptVersion', 'Segment'],
    ]);
    expect(document).toMatchObject({ Segment: 'beta' });
  });

  it('is 400 VALIDATION_FAILED for a record with an invalid segment name, emitting nothing', async () => {
    const response = await send({ records: [record({ segment: 'Beta Users' })] });
    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({ code: 'VALIDATION_FAILED' });
    expect(response.body.errors?.[0]?.path).toBe('records.0.segment');
    expect(output.emf()).toHaveLength(0);
  });

  it('uses the metric definitions of core, shared with the client library and the alarms', async () => {
    await send({
      records: [record({ latencyMs: 1, inputTokens: 1, outputTokens: 1, costUsd: 1, score: 1 })],
    });
    const [document] = output.emf().map(expectValidEmf);
    const keys = [
      'invocations',
      'errors',
      'latency',
      'inputTokens',
      'outputTokens',
      'cost',
      'score',
    ] as const;
    expect(document?._aws.CloudWatchMetrics[0]?.Metrics).toEqual(
      keys.map((key) => ({ Name: METRICS[key].name, Unit: METRICS[key].unit })),
    );
  });

  it('stamps every document with the time of the request', async () => {
    const sink = new MemoryMetricSink();
    const fixed = createMetricsHandler(() => ({ metrics: sink, now: () => new Date(NOW) }));
    await call(fixed, 'POST', '/metrics', { body: { records: [record(), record()] } });
    expect(sink.documents.map((d) => (d._aws as { Timestamp: number }).Timestamp)).toEqual([NOW, NOW]);
  });

  it('accepts 500 records and writes their lines to stdout in one write', async () => {
    const records = Array.from({ length: 500 }, (_, i) => record({ latencyMs: i, error: i % 10 === 0 }));
    const response = await send({ records });
    expect(response.status).toBe(202);
    expect(response.body).toEqual({ accepted: 500 });
    const documents = output.emf().map(expectValidEmf);
    expect(documents).toHaveLength(500);
    expect(documents.reduce((sum, d) => sum + (d.Errors as number), 0)).toBe(50);
    expect(documents.map((d) => d.Latency)).toEqual(records.map((_, i) => i));
    expect(output.stdoutWrites()).toBe(1);
  });

  it('is 413 PAYLOAD_TOO_LARGE for 501 records, before looking at any of them, emitting nothing', async () => {
    const records = Array.from({ length: 501 }, () => ({ garbage: true }));
    const response = await send({ records });
    expect(response.status).toBe(413);
    expect(response.headers['content-type']).toBe('application/problem+json');
    expect(response.body).toMatchObject({ code: 'PAYLOAD_TOO_LARGE', status: 413 });
    expect(response.body.detail).toBe(
      'The request holds 501 records; the limit is 500 per request: send them in batches',
    );
    expect(output.emf()).toHaveLength(0);
  });

  it('names the index of an invalid record and emits nothing for any record of the batch', async () => {
    const records = Array.from({ length: 6 }, () => record({ latencyMs: 5 }));
    records[3] = record({ latencyMs: -5 });
    const response = await send({ records });
    expect(response.status).toBe(400);
    expect(response.body.code).toBe('VALIDATION_FAILED');
    expect(response.body.errors).toEqual([
      { path: 'records.3.latencyMs', message: 'must be a number of milliseconds, 0 or more' },
    ]);
    expect(response.body.detail).toContain('records.3.latencyMs');
    expect(output.emf()).toHaveLength(0);
  });

  it('names the index of a record in an environment that is not configured', async () => {
    const response = await send({ records: [record(), record(), record({ environment: 'qa' })] });
    expect(response.status).toBe(400);
    expect(response.body.errors).toEqual([
      {
        path: 'records.2.environment',
        message: '"qa" is not a configured environment: use one of dev, staging, prod',
      },
    ]);
    expect(response.body.detail).toContain('records.2.environment');
    expect(output.emf()).toHaveLength(0);
  });

  describe('bad input: the documented 4xx, a problem body, no metric line', () => {
    it.each<[string, () => ReturnType<typeof send>, number, string]>([
      [
        'malformed JSON',
        () => send(undefined, { rawBody: '{"records": [', headers: { 'content-type': 'application/json' } }),
        400,
        'BAD_REQUEST',
      ],
      [
        'a text body',
        () => send(undefined, { rawBody: 'records', headers: { 'content-type': 'text/plain' } }),
        415,
        'UNSUPPORTED_MEDIA_TYPE',
      ],
      [
        'a body over 256 KiB',
        () => send({ records: [record({ promptId: 'x'.repeat(300 * 1024) })] }),
        413,
        'PAYLOAD_TOO_LARGE',
      ],
      ['no records', () => send({}), 400, 'VALIDATION_FAILED'],
      ['an empty records array', () => send({ records: [] }), 400, 'VALIDATION_FAILED'],
      ['records as an object', () => send({ records: { 0: record() } }), 400, 'VALIDATION_FAILED'],
      [
        'a record that is not an object',
        () => send({ records: ['support-reply'] }),
        400,
        'VALIDATION_FAILED',
      ],
      [
        'a record without promptId',
        () => send({ records: [record({ promptId: undefined })] }),
        400,
        'VALIDATION_FAILED',
      ],
      [
        'a record without version',
        () => send({ records: [record({ version: undefined })] }),
        400,
        'VALIDATION_FAILED',
      ],
      [
        'a record without environment',
        () => send({ records: [record({ environment: undefined })] }),
        400,
        'VALIDATION_FAILED',
      ],
      [
        'an invalid prompt id',
        () => send({ records: [record({ promptId: '../x' })] }),
        400,
        'VALIDATION_FAILED',
      ],
      ['an invalid version', () => send({ records: [record({ version: '1.4' })] }), 400, 'VALIDATION_FAILED'],
      ['a negative latency', () => send({ records: [record({ latencyMs: -1 })] }), 400, 'VALIDATION_FAILED'],
      [
        'a latency as a string',
        () => send({ records: [record({ latencyMs: '812' })] }),
        400,
        'VALIDATION_FAILED',
      ],
      [
        'fractional input tokens',
        () => send({ records: [record({ inputTokens: 1.5 })] }),
        400,
        'VALIDATION_FAILED',
      ],
      [
        'negative output tokens',
        () => send({ records: [record({ outputTokens: -1 })] }),
        400,
        'VALIDATION_FAILED',
      ],
      ['a negative cost', () => send({ records: [record({ costUsd: -0.01 })] }), 400, 'VALIDATION_FAILED'],
      ['error as a string', () => send({ records: [record({ error: 'yes' })] }), 400, 'VALIDATION_FAILED'],
      ['a score above 1', () => send({ records: [record({ score: 1.2 })] }), 400, 'VALIDATION_FAILED'],
      ['a score below 0', () => send({ records: [record({ score: -0.1 })] }), 400, 'VALIDATION_FAILED'],
      [
        'an unknown record field',
        () => send({ records: [record({ staleServes: 1 })] }),
        400,
        'VALIDATION_FAILED',
      ],
      ['an unknown top-level field', () => send({ records: [record()], app: 'x' }), 400, 'VALIDATION_FAILED'],
      [
        'no IAM identity',
        () => call(handler, 'POST', '/metrics', { body: { records: [record()] }, caller: null }),
        403,
        'FORBIDDEN',
      ],
    ])('%s', async (_label, request, status, code) => {
      const response = await request();
      expect(response.status).toBe(status);
      expect(response.headers['content-type']).toBe('application/problem+json');
      expect(response.body).toMatchObject({
        status,
        code,
        title: expect.any(String),
        detail: expect.any(String),
        type: expect.stringContaining('urn:promptops:problem:'),
      });
      expect(output.emf()).toHaveLength(0);
    });
  });
});
