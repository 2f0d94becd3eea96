import {
  CloudWatchClient,
  GetMetricDataCommand,
  type GetMetricDataCommandInput,
  type MetricDataQuery,
} from '@aws-sdk/client-cloudwatch';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import {
  CloudWatchTrafficSource,
  metricWindow,
  versionQueries,
} from '../../../lambda/adapters/cloudwatch-traffic.ts';
import { DynamoEnvironmentStore } from '../../../lambda/adapters/environment-store.ts';
import { baselineOf, changedPrompts } from '../../../lambda/canary/changed-pins.ts';
import { CanaryAnalysisFailedError } from '../../../lambda/canary/errors.ts';
import type { CanaryTickDeps } from '../../../lambda/canary/ports.ts';
import type { ExtensionEvent } from '../../../lambda/canary/tick-event.ts';
import type { EnvironmentState, RevisionRecord } from '../../../lambda/delivery/model.ts';
import { createCanaryTickHandler } from '../../../lambda/handlers/canary-tick.ts';
import type { CanaryAnalysisEntry } from '../../../src/core/api.ts';
import { canarySettingsOf } from '../../../src/core/canary.ts';
import type { VersionTraffic } from '../../../src/core/canary-traffic.ts';
import type { Pins } from '../../../src/core/pins.ts';
import { parseSettings } from '../../../src/core/settings.ts';
import { lambdaContext } from '../../fixtures/api.ts';
import { MemoryEnvironmentStore } from '../../fixtures/delivery-fakes.ts';
import { MemoryAuditLog } from '../../fixtures/registry-fakes.ts';

const cloudwatch = mockClient(CloudWatchClient);
afterAll(() => cloudwatch.restore());

const STARTED = '2026-12-01T10:00:30.000Z';
const NOW = new Date('2026-12-01T10:07:10.000Z');

/** An AT_DEPLOYMENT_TICK event as AppConfig sends it to an extension's Lambda. */
function tickEvent(overrides: Partial<ExtensionEvent> = {}): ExtensionEvent {
  return {
    InvocationId: 'inv-1',
    Type: 'AtDeploymentTick',
    Application: { Id: 'app1234' },
    Environment: { Id: 'envprd1' },
    ConfigurationProfile: { Id: 'prof123', Name: 'prompts' },
    DeploymentNumber: 7,
    DeploymentState: 'DEPLOYING',
    PercentageComplete: 10,
    ConfigurationVersion: '12',
    Parameters: {},
    ...overrides,
  };
}

/** CloudWatch's answer per version: the fixture's sums, p99 and mean, at one timestamp. */
let served: Record<string, Partial<VersionTraffic>>;

function answer(input: GetMetricDataCommandInput) {
  const seriesValue = (query: MetricDataQuery): number | undefined => {
    const version =
      query.MetricStat?.Metric?.Dimensions?.find((d) => d.Name === 'PromptVersion')?.Value ?? '';
    const traffic = served[version];
    if (!traffic) return undefined;
    const series = query.Id?.split('_')[1];
    return {
      invocations: traffic.invocations,
      errors: traffic.errors,
      ratings: traffic.ratings,
      negative: traffic.negativeRatings,
      p99: traffic.latencyP99,
      mean: traffic.latencyMean,
    }[series ?? ''];
  };
  return {
    MetricDataResults: (input.MetricDataQueries ?? []).map((query) => {
      const value = seriesValue(query);
      return {
        Id: query.Id,
        StatusCode: 'Complete' as const,
        Timestamps: value === undefined ? [] : [input.StartTime as Date],
        Values: value === undefined ? [] : [value],
      };
    }),
  };
}

function revision(revisionNumber: number, pins: Pins): RevisionRecord {
  return {
    environment: 'prod',
    revision: revisionNumber,
    hostedVersion: revisionNumber + 5,
    kind: 'deploy',
    pins,
    state: 'DEPLOYING',
    createdAt: STARTED,
    createdBy: 'arn:aws:iam::123456789012:user/bob',
    strategy: 'Canary10Percent20Minutes',
  } as unknown as RevisionRecord;
}

let environments: MemoryEnvironmentStore;
let audit: MemoryAuditLog;
let deps: CanaryTickDeps;

function seed(before: Pins, after: Pins) {
  environments.revisions.set('prod#1', revision(1, before));
  environments.revisions.set('prod#2', revision(2, after));
  const state: EnvironmentState = {
    environment: 'prod',
    revision: 2,
    lastRevision: 2,
    pins: after,
    deployment: {
      number: 7,
      state: 'DEPLOYING',
      strategy: 'Canary10Percent20Minutes',
      revision: 2,
      previousRevision: 1,
      startedAt: STARTED,
      startedBy: 'arn:aws:iam::123456789012:user/bob',
    },
  };
  environments.states.set('prod', state);
}

beforeEach(() => {
  cloudwatch.reset();
  cloudwatch.on(GetMetricDataCommand).callsFake(answer);
  environments = new MemoryEnvironmentStore();
  audit = new MemoryAuditLog();
  deps = {
    environments,
    traffic: new CloudWatchTrafficSource(new CloudWatchClient({ region: 'us-east-1' })),
    audit,
    config: { applicationId: 'app1234', environmentIds: { dev: 'envdev1', prod: 'envprd1' } },
    canaryAnalysis: ['prod'],
    settings: canarySettingsOf(parseSettings({})),
    now: () => NOW,
  };
  served = {};
});

const tick = (event: ExtensionEvent) =>
  createCanaryTickHandler(() => deps)(event, lambdaContext('canary-tick'));
const recorded = () => environments.states.get('prod')?.deployment?.analysis;

describe('Handler: canary-tick', () => {
  it('queries CloudWatch per version: sums of the counts, p99 and mean latency, one period over the window', async () => {
    seed({ 'support-reply': '1.2.0' }, { 'support-reply': '1.3.0' });
    served = {
      '1.2.0': {
        invocations: 900,
        errors: 9,
        latencyP99: 800,
        latencyMean: 300,
        ratings: 0,
        negativeRatings: 0,
      },
      '1.3.0': {
        invocations: 100,
        errors: 2,
        latencyP99: 850,
        latencyMean: 320,
        ratings: 0,
        negativeRatings: 0,
      },
    };
    const result = await tick(tickEvent());
    expect(result).toMatchObject({ result: 'judged', environment: 'prod' });

    const calls = cloudwatch.commandCalls(GetMetricDataCommand);
    expect(calls).toHaveLength(1);
    const input = calls[0]?.args[0].input as GetMetricDataCommandInput;
    // 10:00:30 floors to 10:00, 10:07:10 ceils to 10:08: one 480-second period.
    expect(input.StartTime).toEqual(new Date('2026-12-01T10:00:00.000Z'));
    expect(input.EndTime).toEqual(new Date('2026-12-01T10:08:00.000Z'));
    const shapes = (input.MetricDataQueries ?? []).map((q) => [
      q.Id,
      q.MetricStat?.Metric?.Namespace,
      q.MetricStat?.Metric?.MetricName,
      q.MetricStat?.Stat,
      q.MetricStat?.Period,
      q.MetricStat?.Metric?.Dimensions,
    ]);
    const dims = (version: string) => [
      { Name: 'Environment', Value: 'prod' },
      { Name: 'PromptId', Value: 'support-reply' },
      { Name: 'PromptVersion', Value: version },
    ];
    expect(shapes).toEqual(
      ['1.2.0', '1.3.0'].flatMap((version, i) => [
        [`v${i}_invocations`, 'PromptOps', 'Invocations', 'Sum', 480, dims(version)],
        [`v${i}_errors`, 'PromptOps', 'Errors', 'Sum', 480, dims(version)],
        [`v${i}_ratings`, 'PromptOps', 'FeedbackCount', 'Sum', 480, dims(version)],
        [`v${i}_negative`, 'PromptOps', 'NegativeFeedback', 'Sum', 480, dims(version)],
        [`v${i}_p99`, 'PromptOps', 'Latency', 'p99', 480, dims(version)],
        [`v${i}_mean`, 'PromptOps', 'Latency', 'Average', 480, dims(version)],
      ]),
    );

    // Recorded on the deployment: three metrics, with the values CloudWatch gave.
    expect(recorded()?.map((e) => [e.metric, e.verdict])).toEqual([
      ['errorRate', 'pass'],
      ['negativeFeedbackRate', 'insufficient-data'],
      ['latencyP99', 'pass'],
    ]);
    expect(recorded()?.[2]).toMatchObject({ baselineValue: 800, candidateValue: 850 });
    expect(environments.states.get('prod')?.deployment?.analyzedAt).toBe(NOW.toISOString());
    expect(audit.events.size).toBe(0);
  });

  it('follows NextToken and merges the pages', async () => {
    seed({ 'support-reply': '1.2.0' }, { 'support-reply': '1.3.0' });
    served = { '1.2.0': { invocations: 500, errors: 5 }, '1.3.0': { invocations: 100, errors: 30 } };
    cloudwatch.on(GetMetricDataCommand).callsFake((input: GetMetricDataCommandInput) => {
      const full = answer(input);
      if (input.NextToken === undefined)
        return { MetricDataResults: full.MetricDataResults.slice(0, 6), NextToken: 'page-2' };
      return { MetricDataResults: full.MetricDataResults.slice(6) };
    });
    await expect(tick(tickEvent())).rejects.toBeInstanceOf(CanaryAnalysisFailedError);
    const calls = cloudwatch.commandCalls(GetMetricDataCommand);
    expect(calls.map((c) => c.args[0].input.NextToken)).toEqual([undefined, 'page-2']);
    expect(recorded()?.[0]).toMatchObject({ samples: { baseline: 500, candidate: 100 }, verdict: 'fail' });
  });

  it('throws the reason on a fail, after recording the analysis and auditing environment.deployment.canary-failed', async () => {
    seed(
      { 'support-reply': '1.2.0' },
      {
        'support-reply': {
          variants: [
            { version: '1.2.0', weight: 90 },
            { version: '1.3.0', weight: 10 },
          ],
        },
      },
    );
    served = { '1.2.0': { invocations: 900, errors: 9 }, '1.3.0': { invocations: 100, errors: 30 } };
    const error = await tick(tickEvent()).then(
      () => undefined,
      (thrown: unknown) => thrown,
    );
    expect(error).toBeInstanceOf(CanaryAnalysisFailedError);
    const failure = error as CanaryAnalysisFailedError;
    expect(failure.name).toBe('CanaryAnalysisFailedError');
    expect(failure.message).toMatch(
      /^Canary analysis failed: support-reply 1\.3\.0 vs 1\.2\.0: error rate 30% vs 1% \(samples 100 vs 900, p=[\d.e-]+\)$/,
    );
    expect(failure.failures.map((f) => f.metric)).toEqual(['errorRate']);

    const analysis = recorded() as CanaryAnalysisEntry[];
    expect(analysis[0]).toMatchObject({
      promptId: 'support-reply',
      baseline: '1.2.0',
      candidate: '1.3.0',
      metric: 'errorRate',
      verdict: 'fail',
    });
    const events = [...audit.events.values()];
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      action: 'environment.deployment.canary-failed',
      target: 'prod deployment 7',
      environment: 'prod',
      requestId: 'inv-1',
      details: { deploymentNumber: 7, reason: failure.message, failures: failure.failures },
    });
  });

  it('skips an environment without canary analysis, an unknown one and another application', async () => {
    seed({ 'support-reply': '1.2.0' }, { 'support-reply': '1.3.0' });
    expect(await tick(tickEvent({ Environment: { Id: 'envdev1' } }))).toEqual({
      result: 'skipped',
      why: 'canary analysis is off for this environment',
    });
    expect(await tick(tickEvent({ Environment: { Id: 'nope123' } }))).toMatchObject({ result: 'skipped' });
    expect(await tick(tickEvent({ Application: { Id: 'other12' } }))).toMatchObject({ result: 'skipped' });
    expect(await tick(tickEvent({ Type: 'OnDeploymentStart' }))).toMatchObject({ result: 'skipped' });
    expect(cloudwatch.commandCalls(GetMetricDataCommand)).toHaveLength(0);
    expect(environments.writes).toBe(0);
  });

  it('skips a deployment number the environment has not recorded', async () => {
    seed({ 'support-reply': '1.2.0' }, { 'support-reply': '1.3.0' });
    expect(await tick(tickEvent({ DeploymentNumber: 6 }))).toEqual({
      result: 'skipped',
      why: 'no recorded deployment with this number',
    });
    expect(environments.writes).toBe(0);
  });

  it('judges only the prompts whose pin changed', async () => {
    seed(
      { 'support-reply': '1.2.0', triage: '2.0.0', summary: '1.0.0' },
      { 'support-reply': '1.2.0', triage: '2.1.0', summary: '1.0.0', 'brand-new': '1.0.0' },
    );
    served = { '2.0.0': { invocations: 100 }, '2.1.0': { invocations: 100 } };
    await tick(tickEvent());
    const prompts = cloudwatch
      .commandCalls(GetMetricDataCommand)
      .flatMap((c) => c.args[0].input.MetricDataQueries ?? [])
      .map((q) => q.MetricStat?.Metric?.Dimensions?.find((d) => d.Name === 'PromptId')?.Value);
    expect(new Set(prompts)).toEqual(new Set(['triage']));
    expect(new Set(recorded()?.map((e) => e.promptId))).toEqual(new Set(['triage']));
  });
});

describe('Function: changedPrompts', () => {
  it('takes the heaviest variant of the previous pin as the baseline, the new versions as candidates', () => {
    expect(
      changedPrompts(
        {
          a: {
            variants: [
              { version: '1.0.0', weight: 20 },
              { version: '1.1.0', weight: 80 },
            ],
          },
        },
        {
          a: {
            variants: [
              { version: '1.1.0', weight: 50 },
              { version: '1.2.0', weight: 50 },
            ],
          },
        },
      ),
    ).toEqual([{ promptId: 'a', baseline: '1.1.0', candidates: ['1.2.0'] }]);
    expect(
      baselineOf({
        variants: [
          { version: '1.0.0', weight: 50 },
          { version: '1.1.0', weight: 50 },
        ],
      }),
    ).toBe('1.0.0');
  });

  it('leaves out unchanged pins, new prompts, and a change back to the baseline alone', () => {
    expect(
      changedPrompts(
        {
          a: '1.0.0',
          b: {
            variants: [
              { version: '1.0.0', weight: 90 },
              { version: '2.0.0', weight: 10 },
            ],
          },
        },
        { a: '1.0.0', b: '1.0.0', c: '1.0.0' },
      ),
    ).toEqual([]);
  });
});

describe('Function: metricWindow', () => {
  it('spans whole minutes with one period of at least 60 seconds', () => {
    expect(metricWindow(new Date('2026-12-01T10:00:00Z'), new Date('2026-12-01T10:00:00Z'))).toEqual({
      start: new Date('2026-12-01T10:00:00Z'),
      end: new Date('2026-12-01T10:01:00Z'),
      period: 60,
    });
  });

  it('names each query after its version index, a valid GetMetricData id', () => {
    const ids = versionQueries(
      { environment: 'prod', promptId: 'p', versions: ['1.0.0'], since: NOW, until: NOW },
      0,
      60,
    ).map((q) => q.Id);
    for (const id of ids) expect(id).toMatch(/^[a-z][a-zA-Z0-9_]*$/);
  });
});

describe('Class: DynamoEnvironmentStore, recordAnalysis', () => {
  const dynamo = mockClient(DynamoDBDocumentClient);
  afterAll(() => dynamo.restore());
  const store = () =>
    new DynamoEnvironmentStore(
      DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1' })),
      'main',
    );

  it("sets only the deployment's analysis, on the condition that it is still that deployment", async () => {
    dynamo.reset();
    dynamo.on(UpdateCommand).resolves({});
    expect(await store().recordAnalysis('prod', 7, [], NOW.toISOString())).toBe('updated');
    const input = dynamo.commandCalls(UpdateCommand)[0]?.args[0].input;
    expect(input).toMatchObject({
      TableName: 'main',
      UpdateExpression: 'SET #deployment.#analysis = :analysis, #deployment.#analyzedAt = :at',
      ConditionExpression: '#deployment.#number = :number',
      ExpressionAttributeValues: { ':analysis': [], ':at': NOW.toISOString(), ':number': 7 },
    });
  });

  it('answers unchanged when the environment has moved on', async () => {
    dynamo.reset();
    dynamo.on(UpdateCommand).rejects(
      Object.assign(new Error('The conditional request failed'), {
        name: 'ConditionalCheckFailedException',
      }),
    );
    expect(await store().recordAnalysis('prod', 7, [], NOW.toISOString())).toBe('unchanged');
  });
});
