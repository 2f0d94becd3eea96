import { App, Duration, Stack, Token } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { beforeAll, describe, expect, it } from 'vitest';
import { FeedbackRetention } from '../../lib/feedback-retention.ts';
import { PromptOps } from '../../lib/promptops.ts';
import { BODY_KEY_PREFIX, ENV } from '../../src/core/contracts.ts';
import { API_ROUTES } from '../../src/core/routes.ts';
import {
  actionsOf,
  buildPromptOps,
  FIXTURE_HANDLER,
  iamStatements,
  logicalId,
  roleStatements,
  testApp,
  testStack,
} from './support.ts';

/** Actions on data (tables, buckets, keys, AppConfig configuration) that must never be wildcards. */
const DATA_SERVICES = ['dynamodb:', 's3:', 'kms:', 'appconfig:', 'execute-api:'];

describe('Construct: PromptOps', () => {
  let template: Template;
  let promptOps: PromptOps;

  beforeAll(() => {
    ({ template, promptOps } = buildPromptOps(
      { feedbackRetention: FeedbackRetention.after(Duration.days(30)) },
      (p, stack) => {
        p.addApiHandler('publish', {
          entry: FIXTURE_HANDLER,
          routes: [{ method: 'POST', path: '/prompts/{id}/versions' }],
          access: { registry: 'readWrite', bodies: 'readWrite' },
        });
        p.addApiHandler('deploy', {
          entry: FIXTURE_HANDLER,
          routes: [{ method: 'POST', path: '/environments/{env}/deployments' }],
          access: { registry: 'readWrite', bodies: 'read', appConfig: 'deploy' },
          reservedConcurrentExecutions: 5,
        });
        p.addApiHandler('feedback', {
          entry: FIXTURE_HANDLER,
          routes: [{ method: 'POST', path: '/feedback' }],
          access: { feedback: 'readWrite' },
        });
        p.addConfigValidator({ entry: FIXTURE_HANDLER, access: { bodies: 'read' } });
        p.addDeploymentEventsHandler({
          entry: FIXTURE_HANDLER,
          access: { registry: 'readWrite', appConfig: 'read' },
        });
        const principal = new iam.AccountRootPrincipal();
        const role = (id: string) => new iam.Role(stack, id, { assumedBy: principal });
        p.grantRead(role('App'));
        p.grantPublish(role('Author'));
        p.grantApprove(role('Reviewer'));
        p.grantDeploy(role('DevReleaser'), { environments: ['dev'] });
        p.grantDeploy(role('Releaser'));
        p.grantOperate(role('Operator'));
        p.grantSendFeedback(role('Reporter'));
      },
    ));
  });

  describe('settings validation', () => {
    it.each([
      [{ environments: ['dev', 'Prod'] }, /environments: "Prod" is not a valid environment name/],
      [
        { alarmErrorRatePercent: 150 },
        /alarmErrorRatePercent: must be a number greater than 0 and at most 100 \(got 150\)/,
      ],
      [{ alarmMinimumSamples: 0 }, /alarmMinimumSamples: .*\(got 0\)/],
      [{ protectedEnvironments: ['live'] }, /protectedEnvironments: "live" is not one of the environments/],
      [
        { defaultStrategies: { prod: 'Fastest' } },
        /defaultStrategies: strategy for "prod" must be one of .*\(got "Fastest"\)/,
      ],
      [{ operatorEmails: ['ops'] }, /operatorEmails: "ops" is not an email address/],
      [{ inlineBodyThreshold: -5 }, /inlineBodyThreshold: .*\(got -5\)/],
      [
        { feedbackRetention: FeedbackRetention.after(Duration.days(0)) },
        /feedbackRetention: .*\(got 0 days\)/,
      ],
      [{ replicaRegion: 'moon-base' }, /replicaRegion: must be an AWS region .*\(got "moon-base"\)/],
    ] as const)('rejects %j, naming the construct path, the key and the value', (props, message) => {
      expect(() => new PromptOps(testStack(), 'PromptOps', props as never)).toThrow(message);
      expect(() => new PromptOps(testStack(), 'PromptOps', props as never)).toThrow(/^Test\/PromptOps: /);
    });

    it('reports every problem at once', () => {
      expect(
        () =>
          new PromptOps(testStack(), 'PromptOps', {
            alarmP99Latency: Duration.millis(0),
            operatorEmails: ['x'],
          }),
      ).toThrow(/\(2 problems\)[\s\S]*operatorEmails[\s\S]*alarmP99Latency/);
    });

    it('rejects settings that are tokens', () => {
      const stack = testStack();
      expect(
        () => new PromptOps(stack, 'PromptOps', { alarmMinimumSamples: Token.asNumber({ Ref: 'Samples' }) }),
      ).toThrow(/Test\/PromptOps: alarmMinimumSamples must be known at synth \(got a token\)/);
    });

    it('rejects a replica region equal to the stack region', () => {
      expect(() => new PromptOps(testStack(), 'PromptOps', { replicaRegion: 'us-east-1' })).toThrow(
        /Test\/PromptOps: replicaRegion must differ from the stack's region \(both are "us-east-1"\)/,
      );
    });

    it('rejects a replica region in a stack whose region is unknown at synth', () => {
      const stack = new Stack(testApp(), 'Agnostic');
      expect(() => new PromptOps(stack, 'PromptOps', { replicaRegion: 'us-west-2' })).toThrow(
        /Agnostic\/PromptOps: replicaRegion "us-west-2" needs a stack with an explicit region/,
      );
    });

    it('rejects an application name that cannot prefix bucket names', () => {
      expect(() => new PromptOps(testStack(), 'PromptOps', { applicationName: 'Prompt_Ops' })).toThrow(
        /applicationName must be 2 to 20 lowercase letters.*\(got "Prompt_Ops"\)/,
      );
    });

    it("rejects a validator timeout above AppConfig's limit", () => {
      expect(() =>
        buildPromptOps({}, (p) =>
          p.addConfigValidator({ entry: FIXTURE_HANDLER, timeout: { toSeconds: () => 20 } as never }),
        ),
      ).toThrow(/config validator timeout must be at most 15 seconds.*\(got 20 s\)/);
    });
  });

  describe('handlers', () => {
    it('get the resource names, AppConfig ids and settings as environment variables', () => {
      const fnId = logicalId(template, 'AWS::Lambda::Function', 'PromptOpsApiPublishHandlerFunction');
      const variables =
        template.findResources('AWS::Lambda::Function')[fnId]!.Properties.Environment.Variables;
      expect(variables).toMatchObject({
        [ENV.table]: { Ref: logicalId(template, 'AWS::DynamoDB::GlobalTable', 'PromptOpsStoreTable') },
        [ENV.feedbackTable]: {
          Ref: logicalId(template, 'AWS::DynamoDB::GlobalTable', 'PromptOpsStoreFeedbackTable'),
        },
        [ENV.bodyBucket]: { Ref: logicalId(template, 'AWS::S3::Bucket', 'PromptOpsStoreBodies') },
        [ENV.appConfigApplicationId]: {
          Ref: logicalId(template, 'AWS::AppConfig::Application', 'PromptOpsDelivery'),
        },
        [ENV.appConfigProfileId]: {
          Ref: logicalId(template, 'AWS::AppConfig::ConfigurationProfile', 'PromptOpsDelivery'),
        },
        [ENV.environments]: 'dev,staging,prod',
        [ENV.protectedEnvironments]: 'prod',
        [ENV.inlineBodyThreshold]: '8192',
        [ENV.feedbackRetentionDays]: '30',
        [ENV.defaultStrategies]: JSON.stringify({
          dev: 'AllAtOnce',
          staging: 'Linear50PercentEvery30Seconds',
          prod: 'Canary10Percent20Minutes',
        }),
        POWERTOOLS_METRICS_NAMESPACE: 'PromptOps',
      });
      const envIds = JSON.stringify(variables[ENV.appConfigEnvironmentIds]);
      for (const env of ['Dev', 'Staging', 'Prod']) {
        expect(envIds).toContain(
          logicalId(template, 'AWS::AppConfig::Environment', `PromptOpsDeliveryEnvironment${env}`),
        );
      }
      // Custom strategies only: the handlers know the predefined ones by name.
      expect(variables[ENV.strategies]).toBe('{}');
    });

    it('give the validator everything but the profile id, which would be a dependency cycle', () => {
      const fnId = logicalId(template, 'AWS::Lambda::Function', 'PromptOpsConfigValidatorFunction');
      const variables =
        template.findResources('AWS::Lambda::Function')[fnId]!.Properties.Environment.Variables;
      expect(variables).not.toHaveProperty(ENV.appConfigProfileId);
      expect(variables).toHaveProperty(ENV.table);
    });

    it('get exactly the access they ask for', () => {
      const feedback = roleStatements(template, 'PromptOpsApiFeedbackHandlerRole').flatMap(actionsOf);
      expect(feedback).toContain('dynamodb:PutItem');
      expect(feedback.filter((a) => a.startsWith('s3:') || a.startsWith('appconfig:'))).toEqual([]);
      const deploy = roleStatements(template, 'PromptOpsApiDeployHandlerRole').flatMap(actionsOf);
      expect(deploy).toEqual(expect.arrayContaining(['appconfig:StartDeployment', 's3:GetObject']));
      expect(deploy).not.toContain('s3:PutObject');
      const events = roleStatements(template, 'PromptOpsDeploymentEventsRole').flatMap(actionsOf);
      expect(events).toContain('appconfig:GetDeployment');
      expect(events).not.toContain('appconfig:StartDeployment');
    });

    it('reserve concurrency where asked', () => {
      template.hasResourceProperties('AWS::Lambda::Function', {
        Description: 'PromptOps API: deploy',
        ReservedConcurrentExecutions: 5,
      });
    });

    it('send failed asynchronous deployment events to the dead-letter queue', () => {
      const dlqId = logicalId(template, 'AWS::SQS::Queue', 'PromptOpsObservabilityDeadLetters');
      template.hasResourceProperties('AWS::Lambda::Function', {
        Description: 'PromptOps: records AppConfig deployment events',
        DeadLetterConfig: { TargetArn: { 'Fn::GetAtt': [dlqId, 'Arn'] } },
      });
    });

    it('are all nodejs24.x on arm64 with active tracing', () => {
      const functions = Object.values(template.findResources('AWS::Lambda::Function'));
      expect(functions).toHaveLength(6);
      for (const fn of functions) {
        expect(fn.Properties).toMatchObject({
          Runtime: 'nodejs24.x',
          Architectures: ['arm64'],
          TracingConfig: { Mode: 'Active' },
        });
        expect(fn.Properties.MemorySize).toBeGreaterThanOrEqual(128);
        expect(fn.Properties.Timeout).toBeGreaterThan(3);
      }
    });
  });

  describe('roles for people and apps', () => {
    const invokeResources = (role: string) =>
      JSON.stringify(
        roleStatements(template, role)
          .filter((s) => actionsOf(s).includes('execute-api:Invoke'))
          .map((s) => s.Resource),
      );

    it('grantRead: AppConfig sessions on the prompts profile, documents and decryption, nothing else', () => {
      const statements = roleStatements(template, 'App');
      expect([...new Set(statements.flatMap(actionsOf))].sort()).toEqual([
        'appconfig:GetLatestConfiguration',
        'appconfig:StartConfigurationSession',
        'kms:Decrypt',
        'kms:DescribeKey',
        's3:GetObject',
      ]);
      const s3 = statements.find((s) => actionsOf(s).includes('s3:GetObject'))!;
      expect(JSON.stringify(s3.Resource)).toContain(`/${BODY_KEY_PREFIX}*`);
    });

    it('grantPublish: publish, put suites, start evaluations and read prompts, not approve or deploy', () => {
      const resources = invokeResources('Author');
      expect(resources).toContain('/POST/prompts/*/versions"');
      expect(resources).toContain('/GET/prompts/*/diff');
      expect(resources).not.toContain('approvals');
      expect(resources).not.toContain('environments');
      expect(resources).toContain('/PUT/prompts/*/eval-suite"');
      expect(resources).toContain('/POST/prompts/*/versions/*/evaluations"');
    });

    it('grantApprove: approve and read, not publish', () => {
      const resources = invokeResources('Reviewer');
      expect(resources).toContain('/POST/prompts/*/versions/*/approvals');
      expect(resources).not.toContain('/POST/prompts/*/versions"');
      expect(resources).not.toContain('/PUT/');
      expect(resources).not.toContain('/POST/prompts/*/versions/*/evaluations"');
    });

    it('grantDeploy: deploy and roll back, limited to the given environments', () => {
      const dev = invokeResources('DevReleaser');
      expect(dev).toContain('/POST/environments/dev/deployments');
      expect(dev).toContain('/POST/environments/dev/rollback');
      expect(dev).not.toContain('/environments/*');
      expect(dev).not.toContain('prod');
      expect(invokeResources('Releaser')).toContain('/POST/environments/*/deployments');
      expect(() => promptOps.grantDeploy(new iam.AccountRootPrincipal(), { environments: ['qa'] })).toThrow(
        /unknown environment "qa"/,
      );
    });

    it('grantOperate: read everything and roll back, but not deploy or publish', () => {
      const resources = invokeResources('Operator');
      expect(resources).toContain('/GET/audit');
      expect(resources).toContain('/POST/environments/*/rollback');
      expect(resources).not.toContain('/deployments');
      expect(resources).not.toContain('/POST/prompts');
    });

    it('grantSendFeedback: feedback and metrics only', () => {
      const resources = invokeResources('Reporter');
      expect(resources).toContain('/POST/feedback');
      expect(resources).toContain('/POST/metrics');
      expect(resources).not.toContain('/GET/');
    });

    it('cover every route of the API between them', () => {
      const all = ['Author', 'Reviewer', 'Releaser', 'Operator', 'Reporter'].map(invokeResources).join('\n');
      for (const route of API_ROUTES) {
        const arnPath = `/${route.method}${route.path.replace(/\{[^}]+\}/g, '*')}`;
        expect(all, `${route.method} ${route.path}`).toContain(`${arnPath}"`);
      }
    });
  });

  describe('least privilege', () => {
    it('grants no wildcard actions on data resources anywhere', () => {
      const wildcards = iamStatements(template)
        .filter((s) => s.Effect === 'Allow')
        .flatMap(actionsOf)
        .filter(
          (action) => action.includes('*') && DATA_SERVICES.some((service) => action.startsWith(service)),
        );
      expect(wildcards).toEqual([]);
    });

    it('uses no resource "*" except for X-Ray, which supports no resource-level permissions', () => {
      const starred = iamStatements(template)
        .filter((s) => s.Resource === '*' || (Array.isArray(s.Resource) && s.Resource.includes('*')))
        .flatMap(actionsOf);
      expect([...new Set(starred)].sort()).toEqual(['xray:PutTelemetryRecords', 'xray:PutTraceSegments']);
    });
  });

  describe('backup', () => {
    it('backs both tables up daily into a vault encrypted with the data key, kept 35 days', () => {
      const keyId = logicalId(template, 'AWS::KMS::Key', 'PromptOpsStoreKey');
      template.hasResourceProperties('AWS::Backup::BackupVault', {
        EncryptionKeyArn: { 'Fn::GetAtt': [keyId, 'Arn'] },
      });
      template.hasResourceProperties('AWS::Backup::BackupPlan', {
        BackupPlan: {
          BackupPlanRule: [
            Match.objectLike({
              ScheduleExpression: 'cron(0 3 * * ? *)',
              Lifecycle: { DeleteAfterDays: 35 },
              CopyActions: Match.absent(),
            }),
          ],
        },
      });
      const selection = Object.values(template.findResources('AWS::Backup::BackupSelection'))[0]!;
      expect(JSON.stringify(selection.Properties.BackupSelection.Resources)).toContain('PromptOpsStoreTable');
      expect(JSON.stringify(selection.Properties.BackupSelection.Resources)).toContain(
        'PromptOpsStoreFeedbackTable',
      );
    });

    it('copies each backup to the replica vault when there is a replica region', () => {
      const { template: replicated } = buildPromptOps({ replicaRegion: 'eu-west-1' });
      replicated.hasResourceProperties('AWS::Backup::BackupPlan', {
        BackupPlan: {
          BackupPlanRule: [
            Match.objectLike({
              CopyActions: [
                {
                  DestinationBackupVaultArn:
                    'arn:aws:backup:eu-west-1:123456789012:backup-vault:promptops-replica',
                  Lifecycle: { DeleteAfterDays: 35 },
                },
              ],
            }),
          ],
        },
      });
    });
  });

  describe('accessors', () => {
    it('gives the agent path of each environment', () => {
      expect(promptOps.agentPath('prod')).toBe(
        '/applications/promptops/environments/prod/configurations/prompts',
      );
      expect(() => promptOps.agentPath('qa')).toThrow(/Test\/PromptOps: unknown environment "qa"/);
    });

    it('exposes the API and dashboard URLs', () => {
      const stack = Stack.of(promptOps);
      expect(JSON.stringify(stack.resolve(promptOps.apiUrl))).toContain('execute-api');
      expect(JSON.stringify(stack.resolve(promptOps.dashboardUrl))).toContain('#dashboards:name=');
    });

    it('works in any app, without the feature flags of cdk.json', () => {
      const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
      const stack = new Stack(app, 'Plain', { env: { region: 'eu-central-1' } });
      new PromptOps(stack, 'Embedded', { environments: ['prod'] });
      Template.fromStack(stack).resourceCountIs('AWS::AppConfig::Environment', 1);
    });
  });
});
