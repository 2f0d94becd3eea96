/**
 * The secure defaults of every function, log group and queue (README, "Security"), asserted on the
 * templates checkov scans in CI (.ci/run): KMS on log groups and queues, reserved concurrency within
 * the account's pool, a dead-letter queue or a reason why none is needed, and checkov skips that each
 * carry a reason naming their resource.
 */
import { Duration, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { beforeAll, describe, expect, it } from 'vitest';
import { skipCheckov } from '../../lib/private/checkov.ts';
import { PromptFunction } from '../../lib/private/prompt-function.ts';
import { MAX_TOTAL_RESERVED_CONCURRENCY, PromptOps } from '../../lib/promptops.ts';
import { buildPromptOpsApp } from '../../lib/promptops-app.ts';
import { ENV } from '../../src/core/contracts.ts';
import { buildPromptOps, FIXTURE_HANDLER, logicalId, testApp, testStack } from './support.ts';

// biome-ignore lint/suspicious/noExplicitAny: CloudFormation resources are arbitrary JSON
type Resource = { Type: string; Properties?: any; Metadata?: any };

const skipsOf = (resource: Resource): { id: string; comment: string }[] =>
  resource.Metadata?.checkov?.skip ?? [];
const ofType = (template: Template, type: string) =>
  Object.entries(template.findResources(type)) as [string, Resource][];

describe('Security defaults', () => {
  let templates: Record<string, Template>;

  beforeAll(() => {
    const app = testApp({ replicaRegion: 'us-west-2', operatorEmails: 'ops@example.com' });
    const { primary, replica } = buildPromptOpsApp(app);
    templates = { PromptOps: Template.fromStack(primary), PromptOpsReplica: Template.fromStack(replica!) };
  });

  it('encrypts every log group with a customer-managed key that CloudWatch Logs may use for this account only', () => {
    const template = templates.PromptOps!;
    const groups = ofType(template, 'AWS::Logs::LogGroup');
    expect(groups.length).toBeGreaterThanOrEqual(12);
    const keyId = logicalId(template, 'AWS::KMS::Key', 'PromptOpsStoreKey');
    for (const [id, group] of groups) {
      expect(group.Properties.KmsKeyId, id).toEqual({ 'Fn::GetAtt': [keyId, 'Arn'] });
    }
    const statements = template.findResources('AWS::KMS::Key')[keyId]!.Properties.KeyPolicy.Statement;
    const logs = statements.find((s: { Sid?: string }) => s.Sid === 'AllowCloudWatchLogsOfThisAccount');
    expect(logs.Principal.Service).toBe('logs.us-east-1.amazonaws.com');
    expect(JSON.stringify(logs.Condition.ArnLike['kms:EncryptionContext:aws:logs:arn'])).toContain(
      ':log-group:*',
    );
  });

  it('encrypts the dead-letter queue with the same key, which SNS and EventBridge of this account may use', () => {
    const template = templates.PromptOps!;
    const queues = ofType(template, 'AWS::SQS::Queue');
    // The dead-letter queue and the notifier's alarm fallback queue: both with the data key.
    expect(queues).toHaveLength(2);
    const keyId = logicalId(template, 'AWS::KMS::Key', 'PromptOpsStoreKey');
    for (const [, queue] of queues) {
      expect(queue.Properties.KmsMasterKeyId).toEqual({ 'Fn::GetAtt': [keyId, 'Arn'] });
      expect(queue.Properties.SqsManagedSseEnabled).toBeUndefined();
    }
    const statements = template.findResources('AWS::KMS::Key')[keyId]!.Properties.KeyPolicy.Statement;
    const senders = statements.find(
      (s: { Sid?: string }) => s.Sid === 'AllowSnsAndEventBridgeOfThisAccountToSendToQueues',
    );
    expect(senders.Principal.Service.sort()).toEqual(['events.amazonaws.com', 'sns.amazonaws.com']);
    expect(senders.Action).toEqual(['kms:Decrypt', 'kms:GenerateDataKey']);
    expect(senders.Condition).toEqual({ StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } });
  });

  it('reserves concurrency for every function, in total within what a default account can reserve', () => {
    const functions = ofType(templates.PromptOps!, 'AWS::Lambda::Function');
    expect(functions.length).toBeGreaterThanOrEqual(11);
    let total = 0;
    for (const [id, fn] of functions) {
      expect(fn.Properties.ReservedConcurrentExecutions, id).toBeGreaterThanOrEqual(1);
      total += fn.Properties.ReservedConcurrentExecutions;
    }
    // The defaults leave most of a default account's pool (quota 1000, 100 unreserved) to other work.
    expect(total).toBeLessThanOrEqual(250);
  });

  it('gives every function a dead-letter queue, an on-failure destination, or a skip saying why it needs none', () => {
    const template = templates.PromptOps!;
    const destinations = ofType(template, 'AWS::Lambda::EventInvokeConfig').map(
      ([, config]) => config.Properties.FunctionName.Ref as string,
    );
    for (const [id, fn] of ofType(template, 'AWS::Lambda::Function')) {
      const skip = skipsOf(fn).find((s) => s.id === 'CKV_AWS_116');
      const hasQueue = fn.Properties.DeadLetterConfig?.TargetArn !== undefined;
      expect(hasQueue || skip !== undefined, id).toBe(true);
      if (destinations.includes(id)) expect(skip?.comment, id).toMatch(/on-failure destination/);
    }
    const events = ofType(template, 'AWS::Lambda::Function').find(([id]) =>
      id.startsWith('PromptOpsDeploymentEvents'),
    );
    expect(events?.[1].Properties.DeadLetterConfig.TargetArn).toEqual({
      'Fn::GetAtt': [logicalId(template, 'AWS::SQS::Queue', 'PromptOpsObservabilityDeadLetters'), 'Arn'],
    });
  });

  it('skips no VPC and no environment key on every function, and nothing else without a reason', () => {
    for (const [id, fn] of ofType(templates.PromptOps!, 'AWS::Lambda::Function')) {
      const ids = skipsOf(fn).map((s) => s.id);
      expect(ids, id).toEqual(expect.arrayContaining(['CKV_AWS_117', 'CKV_AWS_173']));
      expect(
        ids.every((skip) => ['CKV_AWS_116', 'CKV_AWS_117', 'CKV_AWS_173'].includes(skip)),
        id,
      ).toBe(true);
    }
  });

  it('gives every checkov suppression in both templates a check id and a reason naming its resource', () => {
    let count = 0;
    for (const [stack, template] of Object.entries(templates)) {
      for (const [id, resource] of Object.entries(template.toJSON().Resources) as [string, Resource][]) {
        const path: string = resource.Metadata?.['aws:cdk:path'] ?? '';
        for (const skip of skipsOf(resource)) {
          count++;
          expect(skip.id, `${stack} ${id}`).toMatch(/^CKV2?_AWS_\d+$/);
          // The construct that set it: the bucket, or the PromptFunction around the Lambda function.
          const owner = path.replace(/\/Resource$/, '').replace(/\/Function$/, '');
          expect(skip.comment, `${skip.id} on ${stack} ${id}`).toContain(owner);
          expect(skip.comment.length, `${skip.id} on ${stack} ${id}`).toBeGreaterThan(80);
        }
      }
    }
    expect(count).toBeGreaterThan(30);
  });

  it('keeps the access log buckets versioned and skips only their own access logging', () => {
    for (const template of Object.values(templates)) {
      const [[, bucket]] = ofType(template, 'AWS::S3::Bucket').filter(([id]) =>
        id.includes('AccessLogs'),
      ) as [[string, Resource]];
      expect(bucket.Properties.VersioningConfiguration).toEqual({ Status: 'Enabled' });
      expect(bucket.Properties.LifecycleConfiguration.Rules[0].NoncurrentVersionExpiration).toEqual({
        NoncurrentDays: 30,
      });
      expect(skipsOf(bucket).map((s) => s.id)).toEqual(['CKV_AWS_18']);
    }
  });

  it('puts no secret in any environment variable: only names, ids, settings and ARNs', () => {
    const secretName = /SECRET|PASSWORD|TOKEN|PRIVATE|API_KEY|CREDENTIAL/;
    for (const [id, fn] of ofType(templates.PromptOps!, 'AWS::Lambda::Function')) {
      for (const [name, value] of Object.entries(fn.Properties.Environment?.Variables ?? {})) {
        if (secretName.test(name)) expect(name, id).toMatch(/_ARN$/);
        if (typeof value === 'string') expect(value, `${id} ${name}`).not.toMatch(/^[A-Za-z0-9/+=_-]{32,}$/);
      }
    }
    expect(ENV.feedbackHashSecretArn).toMatch(/_ARN$/);
  });
});

describe('Function factory (PromptFunction)', () => {
  it('gives a new function under PromptOps the defaults without being asked: key, concurrency, dead letters, skips', () => {
    const { template } = buildPromptOps({}, (promptOps) => {
      new PromptFunction(promptOps, 'NewJob', {
        entry: FIXTURE_HANDLER,
        description: 'PromptOps: a job another feature adds',
        memorySize: 256,
        timeout: Duration.seconds(30),
        logRetention: 30,
      });
    });
    const fnId = logicalId(template, 'AWS::Lambda::Function', 'PromptOpsNewJobFunction');
    const fn = template.findResources('AWS::Lambda::Function')[fnId] as Resource;
    const queueId = logicalId(template, 'AWS::SQS::Queue', 'PromptOpsObservabilityDeadLetters');
    const keyId = logicalId(template, 'AWS::KMS::Key', 'PromptOpsStoreKey');
    expect(fn.Properties.ReservedConcurrentExecutions).toBe(5);
    expect(fn.Properties.DeadLetterConfig).toEqual({ TargetArn: { 'Fn::GetAtt': [queueId, 'Arn'] } });
    const logsId = logicalId(template, 'AWS::Logs::LogGroup', 'PromptOpsNewJobLogs');
    expect(template.findResources('AWS::Logs::LogGroup')[logsId]!.Properties.KmsKeyId).toEqual({
      'Fn::GetAtt': [keyId, 'Arn'],
    });
    expect(skipsOf(fn).map((s) => s.id)).toEqual(['CKV_AWS_117', 'CKV_AWS_173']);
    // The encrypted queue needs the key as well as sqs:SendMessage.
    const statements = Object.values(template.findResources('AWS::IAM::Policy'))
      .filter((p) => JSON.stringify(p.Properties.Roles).includes('PromptOpsNewJobRole'))
      .flatMap((p) => p.Properties.PolicyDocument.Statement);
    expect(statements).toContainEqual(
      expect.objectContaining({
        Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
        Resource: { 'Fn::GetAtt': [keyId, 'Arn'] },
      }),
    );
  });

  it('records why a synchronous function has no dead-letter queue, with the reason given', () => {
    const { template } = buildPromptOps({}, (promptOps) => {
      new PromptFunction(promptOps, 'Sync', {
        entry: FIXTURE_HANDLER,
        description: 'PromptOps: synchronous',
        memorySize: 256,
        timeout: Duration.seconds(5),
        logRetention: 30,
        reservedConcurrentExecutions: 2,
        noDeadLetterQueueBecause: 'invoked synchronously by a test, which receives the error',
      });
    });
    const fn = template.findResources('AWS::Lambda::Function')[
      logicalId(template, 'AWS::Lambda::Function', 'PromptOpsSyncFunction')
    ] as Resource;
    expect(fn.Properties.DeadLetterConfig).toBeUndefined();
    expect(fn.Properties.ReservedConcurrentExecutions).toBe(2);
    expect(skipsOf(fn).find((s) => s.id === 'CKV_AWS_116')?.comment).toBe(
      'Test/PromptOps/Sync: invoked synchronously by a test, which receives the error; there is no asynchronous event a dead-letter queue could keep',
    );
  });

  it('refuses an asynchronous function outside PromptOps that has nowhere to send failed events', () => {
    const stack = testStack();
    expect(
      () =>
        new PromptFunction(stack, 'Lonely', {
          entry: FIXTURE_HANDLER,
          description: 'lonely',
          memorySize: 256,
          timeout: Duration.seconds(5),
          logRetention: 30,
        }),
    ).toThrow(/Test\/Lonely: a function that may be invoked asynchronously needs a dead-letter queue/);
  });

  it('encrypts the logs of a function outside PromptOps with one key per stack', () => {
    const stack = testStack();
    for (const id of ['A', 'B']) {
      new PromptFunction(stack, id, {
        entry: FIXTURE_HANDLER,
        description: id,
        memorySize: 256,
        timeout: Duration.seconds(5),
        logRetention: 30,
        noDeadLetterQueueBecause: 'invoked synchronously by a test, which receives the error',
      });
    }
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::KMS::Key', 1);
    const keyId = logicalId(template, 'AWS::KMS::Key', 'PromptOpsDefaultKey');
    for (const group of Object.values(template.findResources('AWS::Logs::LogGroup'))) {
      expect(group.Properties.KmsKeyId).toEqual({ 'Fn::GetAtt': [keyId, 'Arn'] });
    }
  });
});

describe('Reserved concurrency of the API handlers', () => {
  const fixtureHandler = (concurrency?: number) =>
    buildPromptOps(concurrency === undefined ? {} : { apiReservedConcurrency: concurrency }, (p) =>
      p.addApiHandler('probe', { entry: FIXTURE_HANDLER, routes: [{ method: 'GET', path: '/probe' }] }),
    ).template;

  it('defaults to 25 per handler and follows apiReservedConcurrency', () => {
    const reserved = (template: Template) =>
      template.findResources('AWS::Lambda::Function')[
        logicalId(template, 'AWS::Lambda::Function', 'PromptOpsApiProbeHandler')
      ]!.Properties.ReservedConcurrentExecutions;
    expect(reserved(fixtureHandler())).toBe(25);
    expect(reserved(fixtureHandler(40))).toBe(40);
  });

  it('refuses a value outside 1 to 100, naming it', () => {
    for (const bad of [0, 101, 2.5]) {
      expect(() => fixtureHandler(bad)).toThrow(
        new RegExp(`reservedConcurrency must be a whole number from 1 to 100 \\(got ${bad}\\)`),
      );
    }
  });

  it(`refuses at synth reservations beyond the ${MAX_TOTAL_RESERVED_CONCURRENCY} a default account can reserve`, () => {
    const app = testApp();
    const stack = new Stack(app, 'Big', { env: { account: '123456789012', region: 'us-east-1' } });
    const promptOps = new PromptOps(stack, 'PromptOps', { apiReservedConcurrency: 100, handlers: true });
    for (const name of ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h']) {
      new PromptFunction(promptOps, `Extra${name}`, {
        entry: FIXTURE_HANDLER,
        description: name,
        memorySize: 128,
        timeout: Duration.seconds(3),
        logRetention: 30,
        reservedConcurrentExecutions: 50,
      });
    }
    expect(() => app.synth()).toThrow(
      /the functions reserve 971 concurrent executions in total, more than the 900/,
    );
  });
});

describe('Function: skipCheckov', () => {
  it('adds skips to the resource, keeps earlier ones and refuses ids and reasons that say nothing', () => {
    const stack = testStack();
    const bucket = new s3.Bucket(stack, 'Bucket');
    skipCheckov(bucket, {
      id: 'CKV_AWS_18',
      reason: 'Test/Bucket: the log bucket of itself would log its own log deliveries',
    });
    skipCheckov(bucket, {
      id: 'CKV_AWS_21',
      reason: 'Test/Bucket: objects are immutable and content-addressed, versions add nothing',
    });
    expect(Template.fromStack(stack).findResources('AWS::S3::Bucket')).toMatchObject({
      [logicalId(Template.fromStack(stack), 'AWS::S3::Bucket', 'Bucket')]: {
        Metadata: { checkov: { skip: [{ id: 'CKV_AWS_18' }, { id: 'CKV_AWS_21' }] } },
      },
    });
    expect(() => skipCheckov(bucket, { id: 'CKV_AWS_99', reason: 'because' })).toThrow(
      /Test\/Bucket\/Resource: the reason for skipping CKV_AWS_99 must say why it does not apply \(got "because"\)/,
    );
    expect(() => skipCheckov(bucket, { id: 'AwsSolutions-S1', reason: 'x'.repeat(50) })).toThrow(
      /"AwsSolutions-S1" is not a checkov AWS check id/,
    );
    const fn = new lambda.Function(stack, 'Fn', {
      runtime: lambda.Runtime.NODEJS_24_X,
      handler: 'index.handler',
      code: lambda.Code.fromInline('exports.handler = async () => 1'),
    });
    expect(() => skipCheckov(fn.role!, { id: 'CKV_AWS_111', reason: 'x'.repeat(50) })).not.toThrow();
  });
});
