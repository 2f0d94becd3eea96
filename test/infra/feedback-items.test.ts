/**
 * GET /prompts/{id}/feedback/items (docs/feedback.md): the query handler lists feedback items with
 * dynamodb:Query alone on the feedback table, and nothing else of that table.
 */
import type { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { actionsOf, buildPromptOps, logicalId, roleStatements } from './support.ts';

type Statement = ReturnType<typeof roleStatements>[number];
const resources = (statement: Statement): unknown[] => {
  const value = (statement as { Resource?: unknown }).Resource;
  return Array.isArray(value) ? value : [value];
};

describe('the query handler and feedback items', () => {
  let template: Template;
  let feedbackTable: string;
  beforeAll(() => {
    ({ template } = buildPromptOps({ handlers: true }));
    feedbackTable = logicalId(template, 'AWS::DynamoDB::GlobalTable', 'PromptOpsStoreFeedbackTable');
  });

  const onFeedbackTable = (role: string) =>
    roleStatements(template, role)
      .filter((s) => s.Effect === 'Allow')
      .filter((s) => JSON.stringify(resources(s)).includes(feedbackTable));

  it('may only Query the feedback table and its aggregate index', () => {
    const statements = onFeedbackTable('PromptOpsApiQueryHandlerRole');
    expect(statements.length).toBeGreaterThan(0);
    expect([...new Set(statements.flatMap(actionsOf))]).toEqual(['dynamodb:Query']);
    const arns = JSON.stringify(statements.flatMap(resources));
    expect(arns).toContain('/index/gsi1');
  });

  it('leaves the feedback handler its own writes', () => {
    const actions = onFeedbackTable('PromptOpsApiFeedbackHandlerRole').flatMap(actionsOf);
    expect(actions).toEqual(expect.arrayContaining(['dynamodb:PutItem', 'dynamodb:Query']));
  });
});
