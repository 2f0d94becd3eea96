/** GET /prompts/{id}/shadow on AWS (docs/shadows.md): the pin from the main table, the figures from CloudWatch. */
import { CloudWatchClient, GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { S3Client } from '@aws-sdk/client-s3';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { versionQueries } from '../../../lambda/adapters/cloudwatch-traffic.ts';
import { handler } from '../../../lambda/handlers/query.ts';
import { ENV, KEYS, TABLE } from '../../../src/core/contracts.ts';
import type { Pin } from '../../../src/core/pins.ts';
import { call } from '../../fixtures/api.ts';
import { BUCKET, TABLE_NAME } from '../../fixtures/registry.ts';

const dynamo = mockClient(DynamoDBDocumentClient);
const s3 = mockClient(S3Client);
const cloudwatch = mockClient(CloudWatchClient);
const NOW = new Date('2026-11-20T12:00:00.000Z');

const get = (query: Record<string, string>, id = 'support-reply') =>
  call(handler, 'GET', `/prompts/${id}/shadow`, { query });
const pinned = (pins: Record<string, Pin>) =>
  dynamo
    .on(GetCommand, {
      Key: { [TABLE.partitionKey]: KEYS.environmentPk('prod'), [TABLE.sortKey]: KEYS.environmentStateSk },
    })
    .resolves({ Item: { environment: 'prod', revision: 3, lastRevision: 3, pins } });

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
  dynamo.on(GetCommand).resolves({});
  cloudwatch.on(GetMetricDataCommand).resolves({ MetricDataResults: [] });
});

describe('Handler: query, GET /prompts/{id}/shadow', () => {
  it('compares the shadow with the primary: the primary metric without Role, the shadow with Role=shadow, over one period', async () => {
    pinned({ 'support-reply': { version: '1.1.0', shadow: { version: '1.2.0', sampleRate: 0.1 } } });
    const at = new Date('2026-11-19T12:00:00.000Z');
    // Two calls: the primary's queries first, then the shadow's (ids v0_<field>, fields as the metrics history).
    cloudwatch
      .on(GetMetricDataCommand)
      .resolvesOnce({
        MetricDataResults: [
          { Id: 'v0_0', Timestamps: [at], Values: [1000] },
          { Id: 'v0_1', Timestamps: [at], Values: [20] },
          { Id: 'v0_2', Timestamps: [at], Values: [300] },
          { Id: 'v0_3', Timestamps: [at], Values: [900] },
          { Id: 'v0_4', Timestamps: [at], Values: [200_000] },
          { Id: 'v0_5', Timestamps: [at], Values: [50_000] },
          { Id: 'v0_6', Timestamps: [at], Values: [2] },
        ],
      })
      .resolvesOnce({
        MetricDataResults: [
          { Id: 'v0_0', Timestamps: [at], Values: [100] },
          { Id: 'v0_1', Timestamps: [at], Values: [10] },
          { Id: 'v0_2', Timestamps: [at], Values: [350] },
          { Id: 'v0_3', Timestamps: [at], Values: [1000] },
          { Id: 'v0_4', Timestamps: [at], Values: [20_000] },
          { Id: 'v0_5', Timestamps: [at], Values: [6_000] },
          { Id: 'v0_6', Timestamps: [at], Values: [0.4] },
        ],
      });
    const response = await get({ environment: 'prod' });
    expect(response.status, JSON.stringify(response.body)).toBe(200);
    expect(response.body).toMatchObject({
      environment: 'prod',
      since: '2026-11-19T12:00:00.000Z',
      until: '2026-11-20T12:00:00.000Z',
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
        meanCostUsd: 0.004,
      },
      comparison: { significant: true, verdict: 'shadow-worse', latencyP50Difference: 50, costRatio: 2 },
    });
    expect(response.body.comparison.errorRateDifference).toBeCloseTo(0.08, 10);

    const calls = cloudwatch.commandCalls(GetMetricDataCommand).map((c) => c.args[0].input);
    expect(calls).toHaveLength(2);
    const dimensions = calls.map((input) =>
      Object.fromEntries(
        (input.MetricDataQueries?.[0]?.MetricStat?.Metric?.Dimensions ?? []).map((d) => [d.Name, d.Value]),
      ),
    );
    expect(dimensions).toContainEqual({
      Environment: 'prod',
      PromptId: 'support-reply',
      PromptVersion: '1.1.0',
    });
    expect(dimensions).toContainEqual({
      Environment: 'prod',
      PromptId: 'support-reply',
      PromptVersion: '1.2.0',
      Role: 'shadow',
    });
    for (const input of calls) expect(input.MetricDataQueries?.[0]?.MetricStat?.Period).toBe(86_400);
  });

  it('takes the heaviest variant as the primary, and version= for a shadow no longer pinned', async () => {
    pinned({
      'support-reply': {
        variants: [
          { version: '1.0.0', weight: 30 },
          { version: '1.1.0', weight: 70 },
        ],
      },
    });
    const response = await get({ environment: 'prod', version: '1.3.0', since: '2026-11-20T00:00:00Z' });
    expect(response.status).toBe(200);
    expect(response.body.primary).toMatchObject({ version: '1.1.0', count: 0, errorRate: null });
    expect(response.body.shadow).toMatchObject({ version: '1.3.0', count: 0 });
    expect(response.body).not.toHaveProperty('sampleRate');
    expect(response.body.comparison.verdict).toBe('insufficient-data');
  });

  describe('bad input: a problem response, nothing read from CloudWatch', () => {
    it.each<[string, Record<string, string>, number, string, string]>([
      ['no environment', {}, 400, 'BAD_REQUEST', 'environment'],
      ['an empty environment', { environment: '' }, 400, 'BAD_REQUEST', 'environment'],
      ['an environment not configured', { environment: 'qa' }, 400, 'VALIDATION_FAILED', 'environment'],
      ['since not a date', { environment: 'prod', since: 'yesterday' }, 400, 'BAD_REQUEST', 'since'],
      [
        'since after until',
        { environment: 'prod', since: '2026-11-21', until: '2026-11-20' },
        400,
        'BAD_REQUEST',
        'since',
      ],
      [
        'a version that is not semver',
        { environment: 'prod', version: 'latest' },
        400,
        'BAD_REQUEST',
        'version',
      ],
    ])('%s', async (_label, query, status, code, path) => {
      pinned({ 'support-reply': { version: '1.1.0', shadow: { version: '1.2.0', sampleRate: 0.1 } } });
      const response = await get(query);
      expect(response.status).toBe(status);
      expect(response.headers['content-type']).toBe('application/problem+json');
      expect(response.body).toMatchObject({ status, code });
      expect(response.body.errors?.map((e: { path: string }) => e.path)).toContain(path);
      expect(cloudwatch.commandCalls(GetMetricDataCommand)).toHaveLength(0);
      expect(dynamo.commandCalls(GetCommand)).toHaveLength(0);
    });

    it('is 404 for a prompt not deployed in the environment, or without a shadow', async () => {
      pinned({ summarize: '1.0.0' });
      const notDeployed = await get({ environment: 'prod' });
      expect(notDeployed.status).toBe(404);
      expect(notDeployed.body.detail).toContain('not deployed in prod');
      const noShadow = await get({ environment: 'prod' }, 'summarize');
      expect(noShadow.status).toBe(404);
      expect(noShadow.body.detail).toMatch(/no shadow in prod.*version=/);
      expect(cloudwatch.commandCalls(GetMetricDataCommand)).toHaveLength(0);
    });

    it('is 400 for an invalid prompt id', async () => {
      const response = await get({ environment: 'prod' }, 'Not_An_Id');
      expect(response.status).toBe(400);
      expect(cloudwatch.commandCalls(GetMetricDataCommand)).toHaveLength(0);
    });
  });
});

describe('Canary analysis on AWS never reads shadow metrics', () => {
  it('asks CloudWatch for the per-version metric without Role, which a shadow outcome never writes', () => {
    const query = {
      environment: 'prod',
      promptId: 'support-reply',
      versions: ['1.2.0'],
      since: new Date('2026-11-20T11:00:00Z'),
      until: new Date('2026-11-20T12:00:00Z'),
    };
    for (const q of versionQueries(query, 0, 60))
      expect(q.MetricStat?.Metric?.Dimensions?.map((d) => d.Name)).toEqual([
        'Environment',
        'PromptId',
        'PromptVersion',
      ]);
  });
});
