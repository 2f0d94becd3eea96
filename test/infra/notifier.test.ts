import { Match, type Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { RUNBOOKS } from '../../src/core/alarms.ts';
import { actionsOf, buildPromptOps, logicalId, roleStatements } from './support.ts';

type Resource = { Properties: Record<string, unknown> };

const ALARM_RUNBOOKS: Record<string, string> = {
  ErrorRate: RUNBOOKS.errorRate,
  P99Latency: RUNBOOKS.p99Latency,
  NegativeFeedbackRate: RUNBOOKS.negativeFeedback,
  LatencyAnomaly: RUNBOOKS.latencyAnomaly,
  StaleClients: RUNBOOKS.staleClients,
};

describe('Alarm descriptions and the decision matrix', () => {
  let template: Template;
  let alarms: Record<string, Resource>;

  beforeAll(() => {
    ({ template } = buildPromptOps({
      environments: ['dev', 'prod'],
      rollbackAlarms: { dev: ['ErrorRate'] },
    }));
    alarms = template.findResources('AWS::CloudWatch::Alarm') as Record<string, Resource>;
  });

  const alarmNamed = (name: string) => {
    const found = Object.values(alarms).find((a) => a.Properties.AlarmName === name);
    if (!found) throw new Error(`no alarm ${name}`);
    return found.Properties;
  };

  it.each(
    ['dev', 'prod'].flatMap((env) =>
      Object.entries(ALARM_RUNBOOKS).map(([alarm, file]) => [env, alarm, file]),
    ),
  )('%s %s names its runbook', (env, alarm, file) => {
    expect(alarmNamed(`promptops-${env}-${alarm}`).AlarmDescription).toContain(
      `Runbook: docs/runbooks/${file}`,
    );
  });

  it('names the runbooks of the composite and the dead-letters alarms', () => {
    const composites = Object.values(template.findResources('AWS::CloudWatch::CompositeAlarm'));
    for (const composite of composites)
      expect(composite.Properties.AlarmDescription).toContain('Runbook: docs/runbooks/README.md');
    const deadLetters = Object.values(alarms).find((a) =>
      String(a.Properties.AlarmDescription).startsWith('PromptOps: notifications'),
    );
    expect(deadLetters?.Properties.AlarmDescription).toContain(
      `Runbook: docs/runbooks/${RUNBOOKS.deadLetters}`,
    );
  });

  it('links the runbooks under runbookBaseUrl when it is set', () => {
    const { template: linked } = buildPromptOps({
      environments: ['prod'],
      runbookBaseUrl: 'https://wiki.example.com/promptops/runbooks/',
    });
    linked.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 'promptops-prod-ErrorRate',
      AlarmDescription: Match.stringLikeRegexp(
        'Runbook: https://wiki.example.com/promptops/runbooks/error-rate.md$',
      ),
    });
  });

  it("puts only the matrix's rollback alarms into an environment's composite; the others notify themselves", () => {
    const composite = (env: string) =>
      String(
        JSON.stringify(
          Object.values(template.findResources('AWS::CloudWatch::CompositeAlarm')).find(
            (c) => c.Properties.AlarmName === `promptops-${env}-Rollback`,
          )?.Properties.AlarmRule,
        ),
      );
    expect(composite('dev')).toContain('DevErrorRate');
    expect(composite('dev')).not.toContain('DevP99Latency');
    for (const rule of ['ErrorRate', 'P99Latency', 'NegativeFeedbackRate'])
      expect(composite('prod')).toContain(`Prod${rule}`);
    expect(alarmNamed('promptops-dev-P99Latency').AlarmActions).toHaveLength(1);
    expect(alarmNamed('promptops-dev-P99Latency').AlarmDescription).toContain('Notifies only');
    expect(alarmNamed('promptops-dev-ErrorRate').AlarmActions).toBeUndefined();
    expect(alarmNamed('promptops-prod-P99Latency').AlarmDescription).toContain('Rolls a deployment');
  });

  it('adds a notify-only stale-clients alarm per environment on StaleServes', () => {
    const stale = alarmNamed('promptops-prod-StaleClients');
    expect(stale.AlarmActions).toHaveLength(1);
    expect(JSON.stringify(stale.Metrics)).toContain('StaleServes');
    expect(stale).toMatchObject({ Threshold: 10, EvaluationPeriods: 3, DatapointsToAlarm: 3 });
  });

  it('refuses a matrix with an unknown alarm or an environment left without one, at synth', () => {
    expect(() => buildPromptOps({ environments: ['prod'], rollbackAlarms: { prod: ['Errors'] } })).toThrow(
      /PromptOps: .*rollbackAlarms: "Errors" of "prod" is not one of ErrorRate, P99Latency, NegativeFeedbackRate/s,
    );
    expect(() => buildPromptOps({ environments: ['prod'], rollbackAlarms: { prod: [] } })).toThrow(
      /"prod" must keep at least one rollback alarm/,
    );
  });
});

describe('Function: addNotifier (with the PromptOps handlers)', () => {
  let template: Template;

  beforeAll(() => {
    ({ template } = buildPromptOps({ environments: ['dev', 'prod'], handlers: true }));
  });

  const notifierId = () => logicalId(template, 'AWS::Lambda::Function', 'PromptOpsNotifierFunction');

  it('is a PromptOps function with its own role, its settings and the topic', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Description: Match.stringLikeRegexp('^PromptOps: tells operators'),
      Runtime: 'nodejs24.x',
      Environment: {
        Variables: Match.objectLike({
          PROMPTOPS_ROLLBACK_ALARMS: JSON.stringify({
            dev: ['ErrorRate', 'P99Latency', 'NegativeFeedbackRate'],
            prod: ['ErrorRate', 'P99Latency', 'NegativeFeedbackRate'],
          }),
          PROMPTOPS_APPLICATION_NAME: 'promptops',
          PROMPTOPS_OPERATORS_TOPIC_ARN: { Ref: Match.stringLikeRegexp('^PromptOpsObservabilityOperators') },
        }),
      },
    });
  });

  it("receives every environment alarm's state change by ARN, and not the dead-letters alarm's", () => {
    const rules = Object.values(template.findResources('AWS::Events::Rule')).filter(
      (r) =>
        (r.Properties.EventPattern as { source?: string[] } | undefined)?.source?.[0] === 'aws.cloudwatch',
    );
    expect(rules).toHaveLength(1);
    const pattern = rules[0]?.Properties.EventPattern as { 'detail-type': string[]; resources: unknown[] };
    expect(pattern['detail-type']).toEqual(['CloudWatch Alarm State Change']);
    // Per environment: the composite, three rules, the anomaly and the stale-clients alarm.
    expect(pattern.resources).toHaveLength(12);
    expect(JSON.stringify(pattern.resources)).not.toContain('DeadLettersAlarm');
    expect(JSON.stringify(rules[0]?.Properties.Targets)).toContain(notifierId());
  });

  it('gets the deployment events, which no longer go to the topic as raw text', () => {
    const [rule] = Object.values(template.findResources('AWS::Events::Rule')).filter(
      (r) =>
        (r.Properties.EventPattern as { source?: string[] } | undefined)?.source?.[0] === 'aws.appconfig',
    );
    const targets = JSON.stringify(rule?.Properties.Targets);
    expect(targets).toContain(notifierId());
    expect(targets).not.toContain('PromptOpsObservabilityOperators');
  });

  it("routes the alarms' own actions through a delayed queue it reads; the dead-letters alarm publishes directly", () => {
    const fallbackTopic = logicalId(template, 'AWS::SNS::Topic', 'PromptOpsAlarmActions');
    template.hasResourceProperties('AWS::CloudWatch::CompositeAlarm', {
      AlarmName: 'promptops-prod-Rollback',
      AlarmActions: [{ Ref: fallbackTopic }],
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmDescription: Match.stringLikeRegexp('^PromptOps: notifications'),
      AlarmActions: [{ Ref: Match.stringLikeRegexp('^PromptOpsObservabilityOperators') }],
    });
    template.hasResourceProperties('AWS::SQS::Queue', { DelaySeconds: 300 });
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionName: { Ref: notifierId() },
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
  });

  it('may publish to the operators topic, read deployments and the table, and nothing else', () => {
    const statements = roleStatements(template, 'PromptOpsNotifierRole');
    const actions = statements.flatMap(actionsOf);
    expect(actions.some((a) => a.includes('*') && !a.startsWith('dynamodb:') && !a.startsWith('kms:'))).toBe(
      false,
    );
    const publish = statements.find((s) => actionsOf(s).includes('sns:Publish'));
    expect(JSON.stringify(publish?.Resource)).toMatch(/PromptOpsObservabilityOperators/);
    expect(actions).toContain('appconfig:GetDeployment');
    expect(actions).not.toContain('appconfig:StartDeployment');
    expect(actions).not.toContain('s3:GetObject');
    expect(actions).not.toContain('cloudwatch:GetMetricData');
    const kms = statements.filter((s) => actionsOf(s).some((a) => a.startsWith('kms:')));
    expect(kms.flatMap(actionsOf).sort()).toEqual(
      expect.arrayContaining(['kms:Decrypt', 'kms:GenerateDataKey']),
    );
  });
});
