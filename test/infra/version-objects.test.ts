/** Who may read and write version objects (`versions/<ref>.json`, docs/architecture.md "Ten thousand prompts"). */
import type { Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { beforeAll, describe, expect, it } from 'vitest';
import { actionsOf, buildPromptOps, type PolicyStatementJson, roleStatements } from './support.ts';

/** The S3 actions a role's statements allow on resources under `versions/`. */
function versionObjectActions(statements: readonly PolicyStatementJson[]): Set<string> {
  return new Set(
    statements
      .filter((s) => s.Effect === 'Allow' && JSON.stringify(s.Resource).includes('/versions/*'))
      .flatMap(actionsOf),
  );
}

describe('version object permissions', () => {
  let template: Template;

  beforeAll(() => {
    ({ template } = buildPromptOps({ handlers: true }, (promptOps, stack) => {
      promptOps.grantRead(new iam.Role(stack, 'AppRole', { assumedBy: new iam.AccountRootPrincipal() }));
    }));
  });

  it('lets the AppConfig validator read version objects, and not write them', () => {
    const actions = versionObjectActions(roleStatements(template, 'PromptOpsConfigValidatorRole'));
    expect(actions.has('s3:GetObject')).toBe(true);
    expect(actions.has('s3:PutObject')).toBe(false);
  });

  it('lets the AppConfig validator read only the keys and ref of prompt items, by BatchGetItem', () => {
    const statements = roleStatements(template, 'PromptOpsConfigValidatorRole').filter((s) =>
      actionsOf(s).some((a) => a.startsWith('dynamodb:')),
    );
    expect(statements.flatMap(actionsOf)).toEqual(['dynamodb:BatchGetItem']);
    const [statement] = statements;
    // The table itself, no index.
    expect(JSON.stringify(statement?.Resource)).not.toContain('/index/');
    expect(statement?.Condition).toEqual({
      'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['PROMPT#*'] },
      'ForAllValues:StringEquals': { 'dynamodb:Attributes': ['pk', 'sk', 'ref'] },
      StringEqualsIfExists: { 'dynamodb:Select': 'SPECIFIC_ATTRIBUTES' },
    });
  });

  it.each([
    'PromptOpsApiPublishHandlerRole',
    'PromptOpsApiDeployHandlerRole',
  ])('lets %s write version objects', (role) => {
    const actions = versionObjectActions(roleStatements(template, role));
    expect(actions.has('s3:PutObject')).toBe(true);
    expect(actions.has('s3:GetObject')).toBe(true);
  });

  it('lets an app granted read access read version objects (schema 2 clients fetch them)', () => {
    const actions = versionObjectActions(roleStatements(template, 'AppRole'));
    expect(actions.has('s3:GetObject')).toBe(true);
    expect(actions.has('s3:PutObject')).toBe(false);
  });

  it('gives handlers without the access level nothing under versions/', () => {
    expect(versionObjectActions(roleStatements(template, 'PromptOpsApiReviewHandlerRole')).size).toBe(0);
  });
});
