/**
 * CloudWatch alarm states for `status`: the SDK response read into alarm states (aws-sdk-client-mock),
 * and the real SDK against a local server that checks the signature and answers page by page.
 */
import { CloudWatchClient, DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cloudWatchAlarms, describeAlarms, environmentAlarms } from '../../../src/cli/alarms.ts';
import type { Target } from '../../../src/cli/config.ts';
import { verifyRequest } from './sigv4-verifier.ts';
import { type FakeApi, fakeApi } from './support.ts';

const CREDENTIALS = {
  accessKeyId: 'AKIDEXAMPLE',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
};

const COMPOSITE = {
  AlarmName: 'promptops-prod-Rollback',
  AlarmDescription: 'PromptOps prod: AppConfig monitor; ALARM rolls back a deployment in progress or baking',
  StateValue: 'ALARM',
  StateReason: 'arn:aws:cloudwatch:eu-west-1:1:alarm:promptops-prod-ErrorRate transitioned to ALARM & more',
  AlarmActions: ['arn:aws:sns:eu-west-1:1:ops'],
};

const metricAlarm = (name: string, environment: string, state: string) => ({
  AlarmName: name,
  AlarmDescription: `PromptOps ${environment}: Errors above 5% of invocations in at least 3 of 5 one-minute periods`,
  StateValue: state,
  Dimensions: [{ Name: 'Environment', Value: environment }],
  OKActions: [],
});

/** A DescribeAlarms answer as CloudWatch's JSON protocol sends it. */
const response = (
  metricAlarms: readonly object[],
  nextToken?: string,
  composite = true,
): Record<string, unknown> => ({
  CompositeAlarms: composite ? [COMPOSITE] : [],
  MetricAlarms: metricAlarms,
  ...(nextToken ? { NextToken: nextToken } : {}),
});

let server: FakeApi | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('reading the SDK response', () => {
  let cloudWatch: ReturnType<typeof mockClient>;
  beforeEach(() => {
    cloudWatch = mockClient(CloudWatchClient);
  });
  afterEach(() => cloudWatch.restore());

  it('reads composite and metric alarms with their states, and stops at the page limit', async () => {
    cloudWatch
      .on(DescribeAlarmsCommand)
      .resolves(response([metricAlarm('promptops-prod-ErrorRate', 'prod', 'OK')], 'next-1'));
    const alarms = await describeAlarms({ region: 'eu-west-1', credentials: CREDENTIALS, maxPages: 1 });
    expect(cloudWatch.commandCalls(DescribeAlarmsCommand)).toHaveLength(1);
    expect(cloudWatch.commandCalls(DescribeAlarmsCommand)[0]?.args[0].input).toMatchObject({
      AlarmTypes: ['CompositeAlarm', 'MetricAlarm'],
      MaxRecords: 100,
    });
    expect(alarms).toEqual([
      {
        name: 'promptops-prod-Rollback',
        state: 'ALARM',
        reason: 'arn:aws:cloudwatch:eu-west-1:1:alarm:promptops-prod-ErrorRate transitioned to ALARM & more',
        description: 'PromptOps prod: AppConfig monitor; ALARM rolls back a deployment in progress or baking',
        composite: true,
      },
      {
        name: 'promptops-prod-ErrorRate',
        state: 'OK',
        description: 'PromptOps prod: Errors above 5% of invocations in at least 3 of 5 one-minute periods',
        composite: false,
      },
    ]);
  });

  it('cloudWatchAlarms reports every environment unavailable, with the reason, when CloudWatch refuses', async () => {
    cloudWatch
      .on(DescribeAlarmsCommand)
      .rejects(Object.assign(new Error('not authorized'), { name: 'AccessDenied' }));
    const target: Target = {
      endpoint: 'https://abc.execute-api.eu-west-1.amazonaws.com',
      source: '--endpoint',
      local: false,
      region: 'eu-west-1',
    };
    const reports = await cloudWatchAlarms(target, ['prod', 'staging'], 'promptops');
    const unavailable =
      'could not read CloudWatch alarms (CloudWatch DescribeAlarms failed: AccessDenied: not authorized); cloudwatch:DescribeAlarms is needed';
    expect(Object.fromEntries(reports)).toEqual({
      prod: { source: 'cloudwatch', unavailable },
      staging: { source: 'cloudwatch', unavailable },
    });
  });
});

describe('Function: describeAlarms', () => {
  it('asks CloudWatch with a signed query request, follows NextToken, and keeps each environment its own alarms', async () => {
    server = await fakeApi((request) => ({
      status: 200,
      headers: { 'content-type': 'application/x-amz-json-1.0' },
      body: request.body.includes('"NextToken":"page2"')
        ? response(
            [metricAlarm('promptops-staging-ErrorRate', 'staging', 'INSUFFICIENT_DATA')],
            undefined,
            false,
          )
        : response([metricAlarm('promptops-prod-ErrorRate', 'prod', 'OK')], 'page2'),
    }));
    const alarms = await describeAlarms({
      region: 'eu-west-1',
      endpoint: `${server.url}/`,
      namePrefix: 'promptops-',
      credentials: CREDENTIALS,
    });
    expect(server.requests).toHaveLength(2);
    for (const request of server.requests) {
      expect(
        verifyRequest(request, { region: 'eu-west-1', service: 'monitoring', ...CREDENTIALS }),
      ).toBeUndefined();
      expect(request.headers['x-amz-target']).toMatch(/\.DescribeAlarms$/);
      expect(JSON.parse(request.body).AlarmNamePrefix).toBe('promptops-');
    }
    expect(environmentAlarms(alarms, 'promptops', 'prod').map((a) => [a.name, a.state])).toEqual([
      ['promptops-prod-Rollback', 'ALARM'],
      ['promptops-prod-ErrorRate', 'OK'],
    ]);
    expect(environmentAlarms(alarms, 'promptops', 'staging').map((a) => a.state)).toEqual([
      'INSUFFICIENT_DATA',
    ]);
  });

  it('reports the error CloudWatch answers', async () => {
    server = await fakeApi(() => ({
      status: 403,
      headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-query-error': 'AccessDenied;Sender' },
      body: { __type: 'AccessDenied', message: 'not authorized to perform cloudwatch:DescribeAlarms' },
    }));
    await expect(
      describeAlarms({ region: 'eu-west-1', endpoint: server.url, credentials: CREDENTIALS }),
    ).rejects.toThrow(
      'CloudWatch DescribeAlarms failed: AccessDenied: not authorized to perform cloudwatch:DescribeAlarms',
    );
  });
});
