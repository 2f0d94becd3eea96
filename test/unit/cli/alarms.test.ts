import { afterEach, describe, expect, it } from 'vitest';
import { describeAlarms, environmentAlarms, parseDescribeAlarms } from '../../../src/cli/alarms.ts';
import { parseXml } from '../../../src/cli/xml.ts';
import { verifyRequest } from './sigv4-verifier.ts';
import { type FakeApi, fakeApi } from './support.ts';

const CREDENTIALS = {
  accessKeyId: 'AKIDEXAMPLE',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
};

const response = (
  members: string,
  nextToken?: string,
  composite = true,
) => `<?xml version="1.0" encoding="UTF-8"?>
<DescribeAlarmsResponse xmlns="http://monitoring.amazonaws.com/doc/2010-08-01/">
  <DescribeAlarmsResult>
    <CompositeAlarms>${composite ? COMPOSITE : ''}</CompositeAlarms>
    <MetricAlarms>
      ${members}
    </MetricAlarms>
    ${nextToken ? `<NextToken>${nextToken}</NextToken>` : ''}
  </DescribeAlarmsResult>
  <ResponseMetadata><RequestId>r1</RequestId></ResponseMetadata>
</DescribeAlarmsResponse>`;

const COMPOSITE = `
      <member>
        <AlarmName>promptops-prod-Rollback</AlarmName>
        <AlarmDescription>PromptOps prod: AppConfig monitor; ALARM rolls back a deployment in progress or baking</AlarmDescription>
        <StateValue>ALARM</StateValue>
        <StateReason>arn:aws:cloudwatch:eu-west-1:1:alarm:promptops-prod-ErrorRate transitioned to ALARM &amp; more</StateReason>
        <AlarmActions><member>arn:aws:sns:eu-west-1:1:ops</member></AlarmActions>
      </member>`;

const metricAlarm = (name: string, environment: string, state: string) => `<member>
        <AlarmName>${name}</AlarmName>
        <AlarmDescription>PromptOps ${environment}: Errors above 5% of invocations in at least 3 of 5 one-minute periods</AlarmDescription>
        <StateValue>${state}</StateValue>
        <Dimensions><member><Name>Environment</Name><Value>${environment}</Value></member></Dimensions>
        <OKActions/>
      </member>`;

let server: FakeApi | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('Function: parseXml', () => {
  it('keeps nesting, text and entities, and refuses unbalanced tags', () => {
    const root = parseXml('<a><b>x &lt; y</b><c/><b><![CDATA[<raw>]]></b></a>');
    expect(root.children[0]?.children.map((c) => [c.name, c.text])).toEqual([
      ['b', 'x < y'],
      ['c', ''],
      ['b', '<raw>'],
    ]);
    expect(() => parseXml('<a><b></a>')).toThrow(/Malformed XML/);
  });
});

describe('Function: parseDescribeAlarms', () => {
  it('reads composite and metric alarms with their states, nested members aside', () => {
    const parsed = parseDescribeAlarms(
      response(metricAlarm('promptops-prod-ErrorRate', 'prod', 'OK'), 'next-1'),
    );
    expect(parsed.nextToken).toBe('next-1');
    expect(parsed.alarms).toEqual([
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
});

describe('Function: describeAlarms', () => {
  it('asks CloudWatch with a signed query request, follows NextToken, and keeps each environment its own alarms', async () => {
    server = await fakeApi((request) => ({
      status: 200,
      text: request.body.includes('NextToken=page2')
        ? response(
            metricAlarm('promptops-staging-ErrorRate', 'staging', 'INSUFFICIENT_DATA'),
            undefined,
            false,
          )
        : response(metricAlarm('promptops-prod-ErrorRate', 'prod', 'OK'), 'page2'),
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
      const form = new URLSearchParams(request.body);
      expect(form.get('Action')).toBe('DescribeAlarms');
      expect(form.get('AlarmNamePrefix')).toBe('promptops-');
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
      text: '<ErrorResponse><Error><Code>AccessDenied</Code><Message>not authorized to perform cloudwatch:DescribeAlarms</Message></Error></ErrorResponse>',
    }));
    await expect(
      describeAlarms({ region: 'eu-west-1', endpoint: server.url, credentials: CREDENTIALS }),
    ).rejects.toThrow(
      'CloudWatch DescribeAlarms failed: AccessDenied: not authorized to perform cloudwatch:DescribeAlarms',
    );
  });
});
