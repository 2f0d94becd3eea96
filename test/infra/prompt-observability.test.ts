import { Duration } from 'aws-cdk-lib';
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import type { PromptOps } from '../../lib/promptops.ts';
import { alarmExpression, LATENCY_ANOMALY_RULE, rollbackAlarmRules } from '../../src/core/alarms.ts';
import { DIMENSION, METRIC_NAMESPACE, METRICS } from '../../src/core/metrics.ts';
import { parseSettings } from '../../src/core/settings.ts';
import { buildPromptOps, FIXTURE_HANDLER, logicalId } from './support.ts';

const THRESHOLDS = {
  alarmErrorRatePercent: 2,
  alarmP99LatencyMs: 8000,
  alarmNegativeFeedbackPercent: 25,
  alarmMinimumSamples: 40,
};

/** The same thresholds as construct props, which take the latency as a Duration. */
const { alarmP99LatencyMs, ...plainThresholds } = THRESHOLDS;
const CONSTRUCT_THRESHOLDS = { ...plainThresholds, alarmP99Latency: Duration.millis(alarmP99LatencyMs) };

type Resource = { Properties: Record<string, unknown> };

describe('Construct: PromptObservability (through PromptOps)', () => {
  let template: Template;
  let promptOps: PromptOps;
  let alarms: Record<string, Resource>;
  let dashboardBody: string;

  beforeAll(() => {
    ({ template, promptOps } = buildPromptOps(
      {
        ...CONSTRUCT_THRESHOLDS,
        environments: ['dev', 'prod'],
        operatorEmails: ['ops@example.com', 'oncall@example.com'],
      },
      (p) => {
        p.addApiHandler('query', { entry: FIXTURE_HANDLER, routes: [{ method: 'GET', path: '/prompts' }] });
      },
    ));
    alarms = template.findResources('AWS::CloudWatch::Alarm') as Record<string, Resource>;
    const [dashboard] = Object.values(template.findResources('AWS::CloudWatch::Dashboard'));
    dashboardBody = JSON.stringify(dashboard?.Properties.DashboardBody);
  });

  const alarmFor = (environment: string, name: string) => {
    const prefix = `PromptOpsObservability${environment[0]!.toUpperCase()}${environment.slice(1)}${name}`;
    const id = Object.keys(alarms).find((key) => key.startsWith(prefix));
    if (!id) throw new Error(`no alarm ${prefix}`);
    return { id, alarm: alarms[id]!.Properties };
  };

  describe('rollback alarms', () => {
    const rules = rollbackAlarmRules(parseSettings(THRESHOLDS));

    it.each(
      ['dev', 'prod'].flatMap((env) => rules.map((rule) => [env, rule.name, rule] as const)),
    )('%s %s uses the shared rule: expression, threshold, minimum sample, M of N', (env, _name, rule) => {
      const { alarm } = alarmFor(env, rule.name);
      expect(alarm).toMatchObject({
        Threshold: rule.threshold,
        ComparisonOperator: 'GreaterThanThreshold',
        EvaluationPeriods: rule.evaluationPeriods,
        DatapointsToAlarm: rule.datapointsToAlarm,
        TreatMissingData: 'notBreaching',
      });
      const metrics = alarm.Metrics as {
        Id: string;
        Expression?: string;
        MetricStat?: {
          Metric: { Namespace: string; MetricName: string; Dimensions: unknown[] };
          Stat: string;
        };
      }[];
      expect(metrics.find((m) => m.Expression)?.Expression).toBe(alarmExpression(rule));
      expect(alarmExpression(rule)).toContain(`samples >= ${THRESHOLDS.alarmMinimumSamples}`);
      const value = metrics.find((m) => m.Id === 'value')!.MetricStat!;
      const samples = metrics.find((m) => m.Id === 'samples')!.MetricStat!;
      expect(value).toEqual({
        Metric: {
          Namespace: METRIC_NAMESPACE,
          MetricName: rule.metric.name,
          Dimensions: [{ Name: DIMENSION.environment, Value: env }],
        },
        Period: rule.periodSeconds,
        Stat: rule.statistic,
      });
      expect(samples.Metric.MetricName).toBe(rule.sampleMetric.name);
      expect(samples.Stat).toBe('Sum');
    });

    it("combines each environment's rules in a composite alarm that notifies operators", () => {
      const topicId = logicalId(template, 'AWS::SNS::Topic', 'PromptOpsObservabilityOperators');
      for (const env of ['dev', 'prod']) {
        const composite = Object.values(template.findResources('AWS::CloudWatch::CompositeAlarm')).find((c) =>
          JSON.stringify(c).includes(`PromptOps ${env}:`),
        )!;
        const rule = JSON.stringify(composite.Properties.AlarmRule);
        for (const r of rules) expect(rule).toContain(alarmFor(env, r.name).id);
        expect(rule).not.toContain('Anomaly');
        expect(composite.Properties.AlarmActions).toEqual([{ Ref: topicId }]);
        expect(composite.Properties.OKActions).toEqual([{ Ref: topicId }]);
      }
    });

    it('gives the composite alarm exactly to the AppConfig environment it guards', () => {
      const compositeAlarm = promptOps.observability.alarms('prod').composite;
      expect(promptOps.delivery.environments.prod!.monitors?.[0]?.alarmArn).toBe(compositeAlarm.alarmArn);
    });

    it('rejects an environment that is not watched', () => {
      expect(() => promptOps.observability.alarms('staging')).toThrow(
        /Observability: no alarms for environment "staging" \(watched: dev, prod\)/,
      );
    });
  });

  describe('latency anomaly alarm', () => {
    it('watches average latency against a learned band and notifies operators', () => {
      const { alarm } = alarmFor('prod', LATENCY_ANOMALY_RULE.name);
      expect(alarm.ComparisonOperator).toBe('GreaterThanUpperThreshold');
      expect(alarm.ThresholdMetricId).toBe('expr_1');
      expect(JSON.stringify(alarm.Metrics)).toContain(
        `ANOMALY_DETECTION_BAND(m0, ${LATENCY_ANOMALY_RULE.bandStandardDeviations})`,
      );
      expect(JSON.stringify(alarm.Metrics)).toContain(`"MetricName":"${METRICS.latency.name}"`);
      expect(alarm.AlarmActions).toEqual([
        { Ref: logicalId(template, 'AWS::SNS::Topic', 'PromptOpsObservabilityOperators') },
      ]);
    });
  });

  describe("operators' topic", () => {
    it('is encrypted with its own KMS key and requires TLS', () => {
      const keyId = logicalId(template, 'AWS::KMS::Key', 'PromptOpsObservabilityTopicKey');
      template.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: { 'Fn::GetAtt': [keyId, 'Arn'] } });
      template.hasResourceProperties('AWS::SNS::TopicPolicy', {
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          ]),
        },
      });
    });

    it('lets CloudWatch and EventBridge use the key to publish', () => {
      template.hasResourceProperties('AWS::KMS::Key', {
        KeyPolicy: {
          Statement: Match.arrayWith([
            Match.objectLike({
              Principal: { Service: ['cloudwatch.amazonaws.com', 'events.amazonaws.com'] },
              Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
            }),
          ]),
        },
      });
    });

    it('subscribes each operator email with a dead-letter queue', () => {
      template.resourceCountIs('AWS::SNS::Subscription', 2);
      const dlqId = logicalId(template, 'AWS::SQS::Queue', 'PromptOpsObservabilityDeadLetters');
      template.hasResourceProperties('AWS::SNS::Subscription', {
        Protocol: 'email',
        Endpoint: 'oncall@example.com',
        RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': [dlqId, 'Arn'] } },
      });
    });

    it('has no subscription without operator emails', () => {
      const { template: quiet } = buildPromptOps({ environments: ['dev'] });
      quiet.resourceCountIs('AWS::SNS::Subscription', 0);
    });
  });

  describe('dashboard', () => {
    it('searches per prompt version in each environment, so new versions appear without a redeploy', () => {
      for (const env of ['dev', 'prod']) {
        for (const metric of [
          METRICS.errors,
          METRICS.latency,
          METRICS.negativeFeedback,
          METRICS.inputTokens,
          METRICS.cost,
        ]) {
          expect(dashboardBody).toContain(
            `SEARCH('{${METRIC_NAMESPACE},${DIMENSION.environment},${DIMENSION.promptId},${DIMENSION.promptVersion}} ${DIMENSION.environment}=\\\\\\"${env}\\\\\\" MetricName=\\\\\\"${metric.name}\\\\\\"'`,
          );
        }
        expect(dashboardBody).toContain(`${env}: latency p50 and p99 (ms) by version`);
        expect(dashboardBody).toContain(`${env}: deployment events`);
      }
      expect(dashboardBody).toContain("'p50', 300");
      expect(dashboardBody).toContain("'p99', 300");
    });

    it('shows API errors and latency, Lambda errors, throttles and duration, DynamoDB throttles and alarms', () => {
      for (const text of [
        '4xx',
        '5xx',
        'API latency',
        'Lambda errors',
        'Lambda throttles',
        'Lambda duration p99',
        'ReadThrottleEvents',
        'WriteThrottleEvents',
        '"type\\":\\"alarm\\"',
      ]) {
        expect(dashboardBody).toContain(text);
      }
    });

    it('puts every handler on the Lambda widgets', () => {
      expect(dashboardBody).toContain('\\"label\\":\\"query\\"');
      expect(dashboardBody).toContain('\\"label\\":\\"initial-manifest\\"');
    });
  });
});
