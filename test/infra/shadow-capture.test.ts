/**
 * Captured shadow outputs in the stack (docs/shadows.md): the pairs live under shadow-outputs/ in the
 * bodies bucket and expire with the feedback retention; grantShadowCapture lets an app write them
 * and nothing else; the query function may read them only where an environment captures outputs.
 */
import { Duration } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { beforeAll, describe, expect, it } from 'vitest';
import { FeedbackRetention } from '../../lib/feedback-retention.ts';
import type { PromptOpsProps } from '../../lib/promptops.ts';
import { buildPromptOpsApp } from '../../lib/promptops-app.ts';
import { actionsOf, buildPromptOps, type PolicyStatementJson, roleStatements, testApp } from './support.ts';

/** The bodies bucket's lifecycle rules. */
function lifecycleRules(template: Template): { Id: string; Prefix?: string; ExpirationInDays?: number }[] {
  const buckets = Object.entries(template.findResources('AWS::S3::Bucket')).filter(([id]) =>
    id.startsWith('PromptOpsStoreBodies'),
  );
  expect(buckets).toHaveLength(1);
  return buckets[0]?.[1].Properties.LifecycleConfiguration.Rules;
}

/** Every statement of the policies of the role with this id prefix, as strings for matching. */
const statementsOf = (template: Template, role: string) => roleStatements(template, role);
const resourceText = (statement: PolicyStatementJson) => JSON.stringify(statement.Resource);

function withAppRole(props: PromptOpsProps, environments?: readonly string[]) {
  return buildPromptOps(props, (promptOps, stack) => {
    const role = new iam.Role(stack, 'AppRole', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
    });
    promptOps.grantShadowCapture(role, environments ? { environments } : {});
  });
}

describe('Shadow output capture in the stack', () => {
  /** With every handler: capture off (the default), and on in prod. */
  let off: Template;
  let on: Template;

  beforeAll(() => {
    off = buildPromptOps({ handlers: true }).template;
    on = buildPromptOps({ handlers: true, shadowOutputCapture: ['prod'] }).template;
  });

  it('adds no expiry rule, and no read on the pairs to the query function, when no environment captures outputs', () => {
    const template = off;
    expect(lifecycleRules(template).map((rule) => rule.Id)).not.toContain('ShadowOutputs');
    const query = statementsOf(template, 'PromptOpsApiQueryHandlerRole');
    expect(query.flatMap(actionsOf)).not.toContain('s3:ListBucket');
    expect(query.map(resourceText).join(' ')).not.toContain('shadow-outputs/');
  });

  it('expires the pairs under shadow-outputs/ after the feedback retention, where an environment captures them', () => {
    const rule = lifecycleRules(on).find((r) => r.Id === 'ShadowOutputs');
    expect(rule).toMatchObject({
      Prefix: 'shadow-outputs/',
      ExpirationInDays: 365,
      NoncurrentVersionExpiration: { NoncurrentDays: 1 },
      Status: 'Enabled',
    });
    const ninety = buildPromptOps({
      shadowOutputCapture: ['prod'],
      feedbackRetention: FeedbackRetention.after(Duration.days(90)),
    }).template;
    expect(lifecycleRules(ninety).find((r) => r.Id === 'ShadowOutputs')?.ExpirationInDays).toBe(90);
    // Feedback kept forever: the pairs are too (no expiry rule).
    const forever = buildPromptOps({
      shadowOutputCapture: ['prod'],
      feedbackRetention: FeedbackRetention.forever(),
    });
    expect(lifecycleRules(forever.template).map((r) => r.Id)).not.toContain('ShadowOutputs');
  });

  it('lets the query function list and read shadow-outputs/ only, where an environment captures them', () => {
    const query = statementsOf(on, 'PromptOpsApiQueryHandlerRole');
    const list = query.filter((s) => actionsOf(s).includes('s3:ListBucket'));
    expect(list).toHaveLength(1);
    expect(list[0]?.Condition).toEqual({ StringLike: { 's3:prefix': ['shadow-outputs/*'] } });
    const reads = query.filter(
      (s) => actionsOf(s).includes('s3:GetObject') && resourceText(s).includes('shadow-outputs/'),
    );
    expect(reads).toHaveLength(1);
    expect(resourceText(reads[0] as PolicyStatementJson)).toContain('/shadow-outputs/*');
    expect(query.flatMap(actionsOf)).not.toContain('s3:DeleteObject');
  });

  it('grantShadowCapture: s3:PutObject under shadow-outputs/<env>/ of the named environments, kms:GenerateDataKey, nothing else', () => {
    const { template } = withAppRole({ environments: ['dev', 'prod'], shadowOutputCapture: ['prod'] }, [
      'prod',
    ]);
    const statements = statementsOf(template, 'AppRole');
    const actions = statements.flatMap(actionsOf).sort();
    expect(actions).toEqual(['kms:GenerateDataKey', 's3:PutObject']);
    const put = statements.find((s) => actionsOf(s).includes('s3:PutObject')) as PolicyStatementJson;
    expect(resourceText(put)).toContain('/shadow-outputs/prod/*');
    expect(resourceText(put)).not.toContain('/shadow-outputs/dev/');
    const kms = statements.find((s) => actionsOf(s).includes('kms:GenerateDataKey')) as PolicyStatementJson;
    expect(resourceText(kms)).toContain('PromptOpsStoreKey');
  });

  it('grantShadowCapture without environments covers shadow-outputs/; an unknown environment stops synthesis', () => {
    const { template } = withAppRole({ shadowOutputCapture: ['prod'] });
    const put = statementsOf(template, 'AppRole').find((s) => actionsOf(s).includes('s3:PutObject'));
    expect(resourceText(put as PolicyStatementJson)).toContain('/shadow-outputs/*');
    expect(() => withAppRole({}, ['live'])).toThrow('unknown environment "live"');
  });

  it('expires the replicated pairs in the replica stack too, with the same retention', () => {
    const app = testApp({
      replicaRegion: 'us-west-2',
      shadowOutputCapture: 'prod',
      feedbackRetentionDays: 30,
    });
    const { replica } = buildPromptOpsApp(app);
    const template = Template.fromStack(replica as NonNullable<typeof replica>);
    const buckets = Object.entries(template.findResources('AWS::S3::Bucket')).filter(([id]) =>
      id.startsWith('Bodies'),
    );
    const rules = buckets[0]?.[1].Properties.LifecycleConfiguration.Rules as { Id: string }[];
    expect(rules.find((r) => r.Id === 'ShadowOutputs')).toMatchObject({
      Prefix: 'shadow-outputs/',
      ExpirationInDays: 30,
    });
    const off = buildPromptOpsApp(testApp({ replicaRegion: 'us-west-2' }));
    const offRules = Object.entries(
      Template.fromStack(off.replica as NonNullable<typeof off.replica>).findResources('AWS::S3::Bucket'),
    )
      .filter(([id]) => id.startsWith('Bodies'))
      .flatMap(([, b]) => b.Properties.LifecycleConfiguration.Rules as { Id: string }[]);
    expect(offRules.map((r) => r.Id)).not.toContain('ShadowOutputs');
  });
});
