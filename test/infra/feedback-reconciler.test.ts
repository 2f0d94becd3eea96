/** The feedback reconciler (docs/architecture.md, "Exact feedback counts"): schedule, concurrency, least privilege. */
import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { actionsOf, buildPromptOps, FIXTURE_HANDLER, logicalId, roleStatements } from './support.ts';

describe('PromptOps.addFeedbackReconciler', () => {
  const { promptOps, template } = buildPromptOps({}, (p) =>
    p.addFeedbackReconciler({ entry: FIXTURE_HANDLER }),
  );
  const fn = logicalId(template, 'AWS::Lambda::Function', 'PromptOpsFeedbackReconciler');
  const feedbackTable = logicalId(template, 'AWS::DynamoDB::GlobalTable', 'PromptOpsStoreFeedbackTable');
  const tableArn = { 'Fn::GetAtt': [feedbackTable, 'Arn'] };

  it('runs every 2 minutes, one run at a time, dead-lettering an event it could not take', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(2 minutes)',
      Targets: [
        Match.objectLike({
          Arn: { 'Fn::GetAtt': [fn, 'Arn'] },
          RetryPolicy: { MaximumRetryAttempts: 0, MaximumEventAgeInSeconds: 120 },
          DeadLetterConfig: Match.objectLike({ Arn: Match.anyValue() }),
        }),
      ],
    });
    expect(template.toJSON().Resources[fn].Properties.ReservedConcurrentExecutions).toBe(1);
  });

  it('may Query the feedback table and its pending index and get and update its items, nothing else', () => {
    const statements = roleStatements(template, 'PromptOpsFeedbackReconcilerRole');
    const dynamo = statements.filter((s) => actionsOf(s).some((a) => a.startsWith('dynamodb:')));
    const query = dynamo.find((s) => actionsOf(s).includes('dynamodb:Query'));
    expect(query && actionsOf(query)).toEqual(['dynamodb:Query']);
    expect(query?.Resource).toEqual([tableArn, { 'Fn::Join': ['', [tableArn, '/index/gsi2']] }]);
    const write = dynamo.find((s) => actionsOf(s).includes('dynamodb:UpdateItem'));
    expect(write && actionsOf(write).sort()).toEqual(['dynamodb:GetItem', 'dynamodb:UpdateItem']);
    expect(write?.Resource).toEqual(tableArn);
    const actions = dynamo.flatMap(actionsOf);
    expect(actions.filter((a) => /^dynamodb:(Put|Delete|BatchWrite|Scan)/.test(a))).toEqual([]);
    // The registry table is out of reach.
    const registry = logicalId(template, 'AWS::DynamoDB::GlobalTable', 'PromptOpsStoreTable');
    expect(JSON.stringify(dynamo)).not.toContain(`"${registry}"`);
  });

  it('refuses a second reconciler, and any access of its own', () => {
    expect(() => promptOps.addFeedbackReconciler({ entry: FIXTURE_HANDLER })).toThrow(/already added/);
  });
});
