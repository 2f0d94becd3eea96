import { Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { beforeAll, describe, expect, it } from 'vitest';
import { PromptOps } from '../../lib/promptops.ts';
import { buildPromptOpsApp } from '../../lib/promptops-app.ts';
import { testApp } from './support.ts';

function withChecks<T extends ReturnType<typeof testApp>>(app: T): T {
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app), new ServerlessChecks(app));
  return app;
}

interface Acknowledgement {
  readonly path: string;
  readonly id: string;
  readonly reason: string;
}

function acknowledgements(root: IConstruct): Acknowledgement[] {
  return root.node.findAll().flatMap((construct) =>
    construct.node.metadata
      .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .flatMap((entry) =>
        Object.entries(entry.data as Record<string, string>).map(([id, reason]) => ({
          path: construct.node.path,
          id,
          reason,
        })),
      ),
  );
}

describe('cdk-nag AwsSolutions and Serverless packs', () => {
  let app: ReturnType<typeof testApp>;
  let synthError: unknown;

  beforeAll(() => {
    app = withChecks(
      testApp({ replicaRegion: 'us-west-2', operatorEmails: 'ops@example.com', shadowOutputCapture: 'prod' }),
    );
    const { primary } = buildPromptOpsApp(app);
    const promptOps = primary.promptOps;
    // The app carries every PromptOps handler; add every kind of grant the construct offers.
    const role = (id: string) => new iam.Role(primary, id, { assumedBy: new iam.AccountRootPrincipal() });
    promptOps.grantRead(role('AppRole'));
    promptOps.grantPublish(role('AuthorRole'));
    promptOps.grantApprove(role('ReviewerRole'));
    promptOps.grantDeploy(role('ReleaserRole'), { environments: ['dev', 'staging'] });
    promptOps.grantOperate(role('OperatorRole'));
    promptOps.grantSendFeedback(role('ReporterRole'));
    promptOps.grantShadowCapture(role('CaptureRole'), { environments: ['prod'] });
    try {
      app.synth();
    } catch (error) {
      synthError = error;
    }
  });

  it('find nothing unacknowledged in the full app (primary and replica stacks, every kind of handler)', () => {
    expect(synthError === undefined ? '' : String(synthError)).toBe('');
    expect(
      app.node
        .findAll()
        .filter((c) => Stack.isStack(c))
        .map((s) => s.node.id)
        .sort(),
    ).toEqual(['PromptOps', 'PromptOpsReplica']);
  });

  it('give every acknowledgement a rule id and a reason naming the resource it is about', () => {
    const ours = acknowledgements(app).filter((a) => /AwsSolutions-|Serverless-/.test(a.id));
    expect(ours.length).toBeGreaterThan(10);
    for (const ack of ours) {
      expect(ack.id, ack.path).toMatch(/(AwsSolutions|Serverless)-[A-Za-z]+\d*/);
      expect(ack.reason, `${ack.id} at ${ack.path}`).toContain(ack.path);
      expect(ack.reason.length, `${ack.id} at ${ack.path}`).toBeGreaterThan(ack.path.length + 40);
    }
  });

  it('acknowledge wildcard resources one by one, never a whole rule', () => {
    const iam5 = acknowledgements(app).filter((a) => a.id.includes('AwsSolutions-IAM5'));
    expect(iam5.length).toBeGreaterThan(0);
    for (const ack of iam5) expect(ack.id).toMatch(/AwsSolutions-IAM5\[Resource::.+\]$/);
  });

  it('find nothing unacknowledged when the evaluation worker may call Bedrock models and profiles', () => {
    const checked = withChecks(testApp());
    const stack = new Stack(checked, 'Models', { env: { account: '123456789012', region: 'us-east-1' } });
    new PromptOps(stack, 'PromptOps', {
      evalModels: ['anthropic.claude-3-haiku-20240307-v1:0', 'us.anthropic.claude-sonnet-4-20250514-v1:0'],
    });
    expect(() => checked.synth()).not.toThrow();
    const bedrock = acknowledgements(checked)
      .filter((a) => a.id.includes('AwsSolutions-IAM5') && a.id.includes(':bedrock:'))
      .map((a) => a.id.replace(/^Annotation::/, ''));
    // Only the inference profile's model in any region; the listed model and the profile are exact ARNs.
    expect(bedrock).toEqual([
      'AwsSolutions-IAM5[Resource::arn:aws:bedrock:*::foundation-model/anthropic.claude-sonnet-4-20250514-v1:0]',
    ]);
  });

  it('are active: an unacknowledged finding fails synthesis', () => {
    const bare = withChecks(testApp());
    new s3.Bucket(new Stack(bare, 'Bare', { env: { region: 'us-east-1' } }), 'Bucket');
    expect(() => bare.synth()).toThrow(/AwsSolutions-S1/);
  });
});
