/**
 * GET /prompts/{id}/metrics (docs/reports.md): the query handler reads CloudWatch with GetMetricData
 * alone, which IAM authorizes on "*" only; every other grant of its role stays scoped.
 */
import type { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { actionsOf, buildPromptOps, roleStatements } from './support.ts';

type Statement = ReturnType<typeof roleStatements>[number];
const resources = (statement: Statement): unknown[] => {
  const value = (statement as { Resource?: unknown }).Resource;
  return Array.isArray(value) ? value : [value];
};
const QUERY_ROLE = 'PromptOpsApiQueryHandlerRole';
const TRACING_ACTIONS = ['xray:PutTelemetryRecords', 'xray:PutTraceSegments'];

describe('the query handler and the metrics history', () => {
  let template: Template;
  beforeAll(() => {
    ({ template } = buildPromptOps({ handlers: true }));
  });

  it('may call cloudwatch:GetMetricData on "*" and nothing else there but tracing', () => {
    const allowed = roleStatements(template, QUERY_ROLE).filter((s) => s.Effect === 'Allow');
    const onStar = allowed.filter((s) => resources(s).includes('*'));
    expect(onStar.flatMap(actionsOf).sort()).toEqual(['cloudwatch:GetMetricData', ...TRACING_ACTIONS].sort());
    const cloudwatch = allowed.flatMap(actionsOf).filter((a) => a.startsWith('cloudwatch:'));
    expect(cloudwatch).toEqual(['cloudwatch:GetMetricData']);
  });

  it('is the only API handler that reads metrics', () => {
    for (const role of [
      'PromptOpsApiPublishHandlerRole',
      'PromptOpsApiReviewHandlerRole',
      'PromptOpsApiDeployHandlerRole',
      'PromptOpsApiFeedbackHandlerRole',
      'PromptOpsApiMetricsHandlerRole',
    ]) {
      const actions = roleStatements(template, role).flatMap(actionsOf);
      expect(
        actions.filter((a) => a.startsWith('cloudwatch:')),
        role,
      ).toEqual([]);
    }
  });
});
