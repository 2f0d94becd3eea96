import { CloudWatchClient, GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { S3Client } from '@aws-sdk/client-s3';
import { DynamoDBDocumentClient, GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { historyQueries } from '../../../lambda/adapters/cloudwatch-history.ts';
import { handler } from '../../../lambda/handlers/query.ts';
import { ENV } from '../../../src/core/contracts.ts';
import { MAX_POINTS_PER_SERIES, metricsWindow } from '../../../src/core/metrics-history.ts';
import { ALICE, call } from '../../fixtures/api.ts';
import { BUCKET, TABLE_NAME, versionItem } from '../../fixtures/registry.ts';

const dynamo = mockClient(DynamoDBDocumentClient);
const s3 = mockClient(S3Client);
const cloudwatch = mockClient(CloudWatchClient);
const NOW = new Date('2026-11-20T12:00:00.000Z');

const get = (query: Record<string, string>, id = 'support-reply') =>
  call(handler, 'GET', `/prompts/${id}/metrics`, { query });

const versions = [
  {
    ...versionItem({ version: '1.1.0', sha256: 'b'.repeat(64), createdBy: ALICE }),
    createdAt: '2026-11-10T00:00:00.000Z',
  },
  {
    ...versionItem({ version: '1.0.0', sha256: 'a'.repeat(64), createdBy: ALICE }),
    createdAt: '2026-11-01T00:00:00.000Z',
  },
];

beforeAll(() => {
  process.env[ENV.table] = TABLE_NAME;
  process.env[ENV.bodyBucket] = BUCKET;
  process.env[ENV.environments] = 'dev,staging,prod';
  vi.useFakeTimers({ now: NOW, toFake: ['Date'] });
});
afterAll(() => {
  vi.useRealTimers();
  dynamo.restore();
  s3.restore();
  cloudwatch.restore();
});
beforeEach(() => {
  dynamo.reset();
  s3.reset();
  cloudwatch.reset();
  dynamo.on(QueryCommand).resolves({ Items: versions });
  dynamo.on(GetCommand).resolves({});
  cloudwatch.on(GetMetricDataCommand).resolves({ MetricDataResults: [] });
});

describe('Handler: query, GET /prompts/{id}/metrics', () => {
  it('asks CloudWatch for each version and metric, and follows every page', async () => {
    const t0 = new Date('2026-11-20T10:00:00.000Z');
    const t1 = new Date('2026-11-20T11:00:00.000Z');
    cloudwatch
      .on(GetMetricDataCommand)
      .resolvesOnce({
        MetricDataResults: [
          { Id: 'v0_0', Timestamps: [t0], Values: [40] },
          { Id: 'v0_1', Timestamps: [t0], Values: [2] },
          { Id: 'v0_3', Timestamps: [t0], Values: [900] },
        ],
        NextToken: 'page-2',
      })
      .resolvesOnce({
        MetricDataResults: [
          { Id: 'v0_0', Timestamps: [t1], Values: [10] },
          { Id: 'v0_2', Timestamps: [t0, t1], Values: [300, 320] },
          { Id: 'v0_6', Timestamps: [t0], Values: [0.12] },
          { Id: 'v0_7', Timestamps: [t1], Values: [5] },
          { Id: 'v0_8', Timestamps: [t1], Values: [1] },
        ],
      });
    const response = await get({
      environment: 'prod',
      since: '2026-11-20T10:00:00Z',
      until: '2026-11-20T12:00:00Z',
      period: '3600',
    });
    expect(response.status).toBe(200);
    expect(response.body).toEqual({
      environment: 'prod',
      since: '2026-11-20T10:00:00.000Z',
      until: '2026-11-20T12:00:00.000Z',
      period: 3600,
      series: [
        {
          version: '1.1.0',
          role: 'primary',
          points: [
            {
              at: t0.toISOString(),
              count: 40,
              errors: 2,
              latencyP50: 300,
              latencyP99: 900,
              inputTokens: 0,
              outputTokens: 0,
              costUsd: 0.12,
              ratings: 0,
              negativeRatings: 0,
            },
            {
              at: t1.toISOString(),
              count: 10,
              errors: 0,
              latencyP50: 320,
              latencyP99: null,
              inputTokens: 0,
              outputTokens: 0,
              costUsd: 0,
              ratings: 5,
              negativeRatings: 1,
            },
          ],
        },
      ],
    });
    const calls = cloudwatch.commandCalls(GetMetricDataCommand);
    expect(calls).toHaveLength(2);
    const first = calls[0]?.args[0].input;
    expect(first?.StartTime).toEqual(new Date('2026-11-20T10:00:00.000Z'));
    expect(first?.EndTime).toEqual(new Date('2026-11-20T12:00:00.000Z'));
    expect(first?.NextToken).toBeUndefined();
    expect(calls[1]?.args[0].input.NextToken).toBe('page-2');
    // 9 metrics for each of the two versions, by the per-version dimensions the apps emit.
    expect(first?.MetricDataQueries).toHaveLength(18);
    expect(first?.MetricDataQueries?.[0]).toEqual({
      Id: 'v0_0',
      ReturnData: true,
      MetricStat: {
        Metric: {
          Namespace: 'PromptOps',
          MetricName: 'Invocations',
          Dimensions: [
            { Name: 'Environment', Value: 'prod' },
            { Name: 'PromptId', Value: 'support-reply' },
            { Name: 'PromptVersion', Value: '1.1.0' },
          ],
        },
        Period: 3600,
        Stat: 'Sum',
      },
    });
    expect(first?.MetricDataQueries?.map((q) => q.MetricStat?.Stat).slice(0, 9)).toEqual([
      'Sum',
      'Sum',
      'p50',
      'p99',
      'Sum',
      'Sum',
      'Sum',
      'Sum',
      'Sum',
    ]);
  });

  it('defaults to the last day at the finest period within 1,440 points', async () => {
    const response = await get({ environment: 'prod' });
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({
      since: '2026-11-19T12:00:00.000Z',
      until: '2026-11-20T12:00:00.000Z',
      period: 60,
      series: [],
    });
    expect(
      cloudwatch.commandCalls(GetMetricDataCommand)[0]?.args[0].input.MetricDataQueries?.[0],
    ).toMatchObject({ MetricStat: { Period: 60 } });
  });

  it('leaves out versions published after the window', async () => {
    await get({ environment: 'prod', since: '2026-11-02', until: '2026-11-05' });
    const queries = cloudwatch.commandCalls(GetMetricDataCommand)[0]?.args[0].input.MetricDataQueries ?? [];
    expect(new Set(queries.map((q) => q.MetricStat?.Metric?.Dimensions?.[2]?.Value))).toEqual(
      new Set(['1.0.0']),
    );
  });

  it.each([
    [{ since: 'yesterday' }, 'since', /since "yesterday" is not a date/],
    [{ until: '2026-02-30' }, 'until', /until "2026-02-30" is not a date/],
    [{ since: '2026-11-20T12:00:00Z', until: '2026-11-20T11:00:00Z' }, 'since', /must be before until/],
    [{ period: '90' }, 'period', /multiple of 60/],
    [{ period: 'abc' }, 'period', /multiple of 60/],
    [{ period: '60', since: '2026-11-10' }, 'period', /more than 1440: use a longer period \(900 fits\)/],
  ])('is 400 naming the parameter for %j, and reads nothing', async (query, path, detail) => {
    const response = await get({ environment: 'prod', ...query });
    expect(response.status).toBe(400);
    expect(response.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(response.body.code).toBe('BAD_REQUEST');
    expect(response.body.detail).toMatch(detail);
    expect(response.body.errors).toEqual([{ path, message: response.body.detail }]);
    expect(cloudwatch.commandCalls(GetMetricDataCommand)).toHaveLength(0);
    expect(dynamo.commandCalls(QueryCommand)).toHaveLength(0);
  });

  it('is 400 without an environment and for one that is not configured', async () => {
    const missing = await get({});
    expect(missing.status).toBe(400);
    expect(missing.body.errors).toEqual([
      { path: 'environment', message: 'Query parameter environment is required' },
    ]);
    const unknown = await get({ environment: 'qa' });
    expect(unknown.status).toBe(400);
    expect(unknown.body.errors[0].path).toBe('environment');
    expect(cloudwatch.commandCalls(GetMetricDataCommand)).toHaveLength(0);
  });

  it('is 404 for a prompt with no versions, without asking CloudWatch', async () => {
    dynamo.on(QueryCommand).resolves({ Items: [] });
    expect((await get({ environment: 'prod' }, 'nothing-here')).status).toBe(404);
    expect(cloudwatch.commandCalls(GetMetricDataCommand)).toHaveLength(0);
  });
});

describe('Function: metricsWindow', () => {
  it('never gives more than 1,440 points, for any window the default period accepts', () => {
    for (const hours of [1, 24, 25, 24 * 5, 24 * 15, 24 * 60, 24 * 365]) {
      const window = metricsWindow({ since: new Date(NOW.getTime() - hours * 3_600_000).toISOString() }, NOW);
      const points = (window.end.getTime() - window.start.getTime()) / (window.periodSeconds * 1000);
      expect(points).toBeLessThanOrEqual(MAX_POINTS_PER_SERIES);
    }
  });
});

describe('Function: historyQueries', () => {
  it('keeps a version within GetMetricData limits: ids unique and starting with a lower-case letter', () => {
    const query = {
      environment: 'prod',
      promptId: 'p',
      versions: Array.from({ length: 50 }, (_, i) => `1.0.${i}`),
      start: NOW,
      end: NOW,
      periodSeconds: 60,
    };
    const ids = query.versions.flatMap((_, i) => historyQueries(query, i).map((q) => q.Id ?? ''));
    expect(ids.length).toBeLessThanOrEqual(500);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.every((id) => /^[a-z][a-zA-Z0-9_]*$/.test(id))).toBe(true);
  });
});
