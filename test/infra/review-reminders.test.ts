/** The daily review reminder (docs/maintenance.md): schedule, owners' topic, least-privilege role. */
import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { ENV } from '../../src/core/contracts.ts';
import { actionsOf, buildPromptOps, FIXTURE_HANDLER, logicalId, roleStatements } from './support.ts';

describe('PromptOps.addReviewReminderHandler', () => {
  const { promptOps, template } = buildPromptOps({ reviewEveryDays: 90 }, (p) =>
    p.addReviewReminderHandler({ entry: FIXTURE_HANDLER, access: { registry: 'read', bodies: 'read' } }),
  );

  it('runs the function once a day, with retries and the dead-letter queue', () => {
    const fn = logicalId(template, 'AWS::Lambda::Function', 'PromptOpsReviewReminders');
    template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(1 day)',
      Targets: [
        Match.objectLike({
          Arn: { 'Fn::GetAtt': [fn, 'Arn'] },
          RetryPolicy: { MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 21600 },
          DeadLetterConfig: Match.objectLike({ Arn: Match.anyValue() }),
        }),
      ],
    });
  });

  it('publishes to an encrypted owners topic named in its environment, with the review setting', () => {
    const topic = logicalId(template, 'AWS::SNS::Topic', 'PromptOpsOwnersTopic');
    template.hasResourceProperties('AWS::SNS::Topic', {
      DisplayName: 'PromptOps prompt owners',
      KmsMasterKeyId: Match.anyValue(),
    });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({ [ENV.ownersTopicArn]: { Ref: topic }, [ENV.reviewEveryDays]: '90' }),
      },
    });
    expect(promptOps.ownersTopic).toBeDefined();
  });

  it('may publish to that topic only and writes nothing to the registry', () => {
    const statements = roleStatements(template, 'PromptOpsReviewRemindersRole');
    const publish = statements.filter((s) => actionsOf(s).includes('sns:Publish'));
    expect(publish).toHaveLength(1);
    expect(publish[0]?.Resource).toEqual({
      Ref: logicalId(template, 'AWS::SNS::Topic', 'PromptOpsOwnersTopic'),
    });
    const actions = statements.flatMap(actionsOf);
    expect(actions.filter((a) => /^dynamodb:(Put|Update|Delete|BatchWrite)/.test(a))).toEqual([]);
    expect(actions).not.toContain('kms:GenerateDataKey*');
  });

  it('refuses a second reminder', () => {
    expect(() => promptOps.addReviewReminderHandler({ entry: FIXTURE_HANDLER })).toThrow(/already added/);
  });
});
