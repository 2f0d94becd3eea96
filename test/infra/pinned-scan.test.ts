/**
 * The scheduled pinned-version scan on AWS: a daily EventBridge rule invoking a PromptOps function
 * (with the shared dead-letter queue), whose role reads the registry and bodies, appends audit items
 * only and publishes to the operators' topic; the props' checks.
 */

import { Duration } from 'aws-cdk-lib';
import type { Template } from 'aws-cdk-lib/assertions';
import * as events from 'aws-cdk-lib/aws-events';
import { beforeAll, describe, expect, it } from 'vitest';
import { ENV } from '../../src/core/contracts.ts';
import { actionsOf, buildPromptOps, logicalId, type PolicyStatementJson, roleStatements } from './support.ts';

const SCAN_ROLE = 'PromptOpsPinnedScanRole';
const SCAN_FUNCTION = 'PromptOpsPinnedScanFunction';

const resources = (statement: PolicyStatementJson) =>
  Array.isArray(statement.Resource) ? statement.Resource : [statement.Resource];
const TRACING_ACTIONS = ['xray:PutTelemetryRecords', 'xray:PutTraceSegments'];

describe('Pinned-version scan', () => {
  let template: Template;
  let functionId: string;

  beforeAll(() => {
    ({ template } = buildPromptOps({ handlers: true }));
    functionId = logicalId(template, 'AWS::Lambda::Function', SCAN_FUNCTION);
  });

  it('runs once a day from an EventBridge rule, with retries and the dead-letter queue', () => {
    const rules = Object.values(template.findResources('AWS::Events::Rule')).filter((rule) =>
      JSON.stringify(rule.Properties.Targets).includes(functionId),
    );
    expect(rules).toHaveLength(1);
    const rule = rules[0]!;
    expect(rule.Properties.ScheduleExpression).toBe('rate(1 day)');
    expect(rule.Properties.State).toBe('ENABLED');
    const [target] = rule.Properties.Targets;
    expect(target.RetryPolicy).toEqual({ MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 6 * 3600 });
    expect(JSON.stringify(target.DeadLetterConfig)).toContain('PromptOpsObservabilityDeadLetters');
    // EventBridge may invoke the function, from this rule only.
    const permissions = Object.values(template.findResources('AWS::Lambda::Permission')).filter((p) =>
      JSON.stringify(p.Properties.FunctionName).includes(functionId),
    );
    expect(permissions.map((p) => p.Properties.Principal)).toEqual(['events.amazonaws.com']);
  });

  it('is built by the function factory: the shared dead-letter queue, reserved concurrency, the topic', () => {
    const fn = template.findResources('AWS::Lambda::Function')[functionId]!;
    expect(JSON.stringify(fn.Properties.DeadLetterConfig)).toContain('PromptOpsObservabilityDeadLetters');
    expect(fn.Properties.ReservedConcurrentExecutions).toBe(5);
    expect(fn.Properties.Timeout).toBe(300);
    expect(fn.Properties.TracingConfig).toEqual({ Mode: 'Active' });
    const variables = fn.Properties.Environment.Variables;
    expect(variables[ENV.operatorsTopicArn]).toEqual({
      Ref: logicalId(template, 'AWS::SNS::Topic', 'PromptOpsObservabilityOperators'),
    });
    expect(variables).toHaveProperty(ENV.table);
    expect(variables).toHaveProperty(ENV.environments);
    // Not behind the API.
    const integrations = Object.values(template.findResources('AWS::ApiGatewayV2::Integration'));
    expect(JSON.stringify(integrations)).not.toContain(SCAN_FUNCTION);
  });

  describe('its role', () => {
    let statements: PolicyStatementJson[];
    beforeAll(() => {
      statements = roleStatements(template, SCAN_ROLE).filter((s) => s.Effect === 'Allow');
    });

    it('writes to DynamoDB only PutItem, on audit items only', () => {
      const writes = statements.filter((s) =>
        actionsOf(s).some((a) => /dynamodb:(Put|Update|Delete|BatchWrite)/.test(a)),
      );
      expect(writes).toHaveLength(1);
      expect(actionsOf(writes[0]!)).toEqual(['dynamodb:PutItem']);
      expect(writes[0]!.Condition).toEqual({
        'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['AUDIT#*'] },
      });
    });

    it('reads bodies and never writes them', () => {
      const s3 = statements.flatMap(actionsOf).filter((a) => a.startsWith('s3:'));
      expect(s3).toContain('s3:GetObject');
      expect(s3.filter((a) => /Put|Delete/.test(a))).toEqual([]);
    });

    it("publishes to the operators' topic and no other", () => {
      const publish = statements.filter((s) => actionsOf(s).includes('sns:Publish'));
      expect(publish).toHaveLength(1);
      expect(resources(publish[0]!)).toEqual([
        { Ref: logicalId(template, 'AWS::SNS::Topic', 'PromptOpsObservabilityOperators') },
      ]);
      // The topic is encrypted: publishing needs its key.
      const topicKey = logicalId(template, 'AWS::KMS::Key', 'PromptOpsObservabilityTopicKey');
      const keyStatements = statements.filter((s) => JSON.stringify(s.Resource).includes(topicKey));
      expect(keyStatements.flatMap(actionsOf).sort()).toEqual(['kms:Decrypt', 'kms:GenerateDataKey']);
    });

    it('holds nothing of AppConfig, feedback, evaluations, Lambda or Bedrock, and "*" only for tracing', () => {
      const actions = statements.flatMap(actionsOf);
      expect(actions.filter((a) => /^(appconfig|lambda|bedrock|secretsmanager|cloudwatch):/.test(a))).toEqual(
        [],
      );
      expect(JSON.stringify(statements)).not.toContain('FeedbackTable');
      const wildcard = statements.filter((s) => resources(s).includes('*'));
      expect(wildcard.flatMap(actionsOf).sort()).toEqual(TRACING_ACTIONS);
    });
  });

  it('takes a schedule of its own', () => {
    const { template: custom } = buildPromptOps({}, (promptOps) => {
      promptOps.addPinnedScanHandler({
        entry: 'test/fixtures/infra-handler.ts',
        access: { registry: 'read', bodies: 'read' },
        schedule: events.Schedule.rate(Duration.hours(12)),
      });
    });
    const schedules = Object.values(custom.findResources('AWS::Events::Rule')).map(
      (r) => r.Properties.ScheduleExpression,
    );
    expect(schedules).toContain('rate(12 hours)');
  });

  it('refuses access that writes anything beyond its audit entry, or a second scan', () => {
    expect(() =>
      buildPromptOps({}, (promptOps) => {
        promptOps.addPinnedScanHandler({
          entry: 'test/fixtures/infra-handler.ts',
          access: { registry: 'readWrite' },
        });
      }),
    ).toThrow(/pinned scan access may only read the registry and the bodies/);
    expect(() =>
      buildPromptOps({}, (promptOps) => {
        promptOps.addPinnedScanHandler({
          entry: 'test/fixtures/infra-handler.ts',
          access: { appConfig: 'deploy' },
        });
      }),
    ).toThrow(/pinned scan access may only read/);
    expect(() =>
      buildPromptOps({}, (promptOps) => {
        promptOps.addPinnedScanHandler({ entry: 'test/fixtures/infra-handler.ts' });
        promptOps.addPinnedScanHandler({ entry: 'test/fixtures/infra-handler.ts' });
      }),
    ).toThrow(/a pinned scan handler was already added/);
  });
});
