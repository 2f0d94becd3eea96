import { Duration, Stack } from 'aws-cdk-lib';
import { Match, type Template } from 'aws-cdk-lib/assertions';
import * as appconfig from 'aws-cdk-lib/aws-appconfig';
import * as iam from 'aws-cdk-lib/aws-iam';
import { beforeAll, describe, expect, it } from 'vitest';
import { EVENTBRIDGE_EXTENSION, INITIAL_MANIFEST_STRATEGY } from '../../lib/constructs/prompt-delivery.ts';
import type { PromptOps } from '../../lib/promptops.ts';
import { APPCONFIG, ENV } from '../../src/core/contracts.ts';
import { MANIFEST_JSON_SCHEMA } from '../../src/core/manifest-schema.ts';
import { actionsOf, buildPromptOps, FIXTURE_HANDLER, logicalId, roleStatements } from './support.ts';

const ENVIRONMENTS = ['dev', 'staging', 'prod'];

describe('Construct: PromptDelivery (through PromptOps)', () => {
  let template: Template;
  let promptOps: PromptOps;
  let extended: Template;
  let custom: Template;
  let customPromptOps: PromptOps;

  beforeAll(() => {
    ({ template, promptOps } = buildPromptOps({}, (p, stack) => {
      const app = new iam.Role(stack, 'AppRole', { assumedBy: new iam.AccountRootPrincipal() });
      p.delivery.grantReadConfig(app, ['prod']);
    }));
    extended = buildPromptOps({}, (p) => {
      p.addConfigValidator({ entry: FIXTURE_HANDLER, access: { bodies: 'read' } });
      p.addDeploymentEventsHandler({
        entry: FIXTURE_HANDLER,
        access: { registry: 'readWrite', appConfig: 'read' },
      });
    }).template;
    ({ template: custom, promptOps: customPromptOps } = buildPromptOps({
      customStrategies: {
        Linear25: appconfig.RolloutStrategy.linear({
          growthFactor: 25,
          deploymentDuration: Duration.minutes(8),
          finalBakeTime: Duration.minutes(5),
        }),
      },
      defaultStrategies: { prod: 'Linear25' },
    }));
  });

  describe('the application and environments', () => {
    it('creates the application under its contract name', () => {
      template.hasResourceProperties('AWS::AppConfig::Application', { Name: APPCONFIG.application });
    });

    it('creates one environment per configured environment', () => {
      template.resourceCountIs('AWS::AppConfig::Environment', ENVIRONMENTS.length);
      for (const name of ENVIRONMENTS)
        template.hasResourceProperties('AWS::AppConfig::Environment', { Name: name });
    });

    it('monitors each environment with its own composite alarm, through the alarm role', () => {
      const roleId = logicalId(template, 'AWS::IAM::Role', 'PromptOpsDeliveryAlarmRole');
      for (const name of ENVIRONMENTS) {
        const compositeId = logicalId(
          template,
          'AWS::CloudWatch::CompositeAlarm',
          `PromptOpsObservability${name[0]!.toUpperCase()}${name.slice(1)}Rollback`,
        );
        template.hasResourceProperties('AWS::AppConfig::Environment', {
          Name: name,
          Monitors: [
            {
              AlarmArn: { 'Fn::GetAtt': [compositeId, 'Arn'] },
              AlarmRoleArn: { 'Fn::GetAtt': [roleId, 'Arn'] },
            },
          ],
        });
      }
    });

    it('lets AppConfig (and only AppConfig) describe exactly the composite alarms', () => {
      const roleId = logicalId(template, 'AWS::IAM::Role', 'PromptOpsDeliveryAlarmRole');
      template.hasResourceProperties('AWS::IAM::Role', {
        AssumeRolePolicyDocument: {
          Statement: [Match.objectLike({ Principal: { Service: 'appconfig.amazonaws.com' } })],
        },
      });
      const statements = roleStatements(template, roleId);
      expect(statements).toHaveLength(1);
      expect(statements[0]!.Action).toBe('cloudwatch:DescribeAlarms');
      expect(statements[0]!.Resource).toHaveLength(ENVIRONMENTS.length);
      expect(JSON.stringify(statements[0]!.Resource)).not.toContain('"*"');
    });
  });

  describe('the prompts profile', () => {
    it('is a freeform hosted profile encrypted with the data key, validated by the manifest JSON Schema', () => {
      const keyId = logicalId(template, 'AWS::KMS::Key', 'PromptOpsStoreKey');
      template.hasResourceProperties('AWS::AppConfig::ConfigurationProfile', {
        Name: APPCONFIG.profile,
        LocationUri: 'hosted',
        Type: 'AWS.Freeform',
        KmsKeyIdentifier: { 'Fn::GetAtt': [keyId, 'Arn'] },
        Validators: [{ Type: 'JSON_SCHEMA', Content: JSON.stringify(MANIFEST_JSON_SCHEMA) }],
      });
    });

    it('adds the validator Lambda when one is added, and lets AppConfig invoke it', () => {
      const fnId = logicalId(extended, 'AWS::Lambda::Function', 'PromptOpsConfigValidatorFunction');
      extended.hasResourceProperties('AWS::AppConfig::ConfigurationProfile', {
        Validators: [
          Match.objectLike({ Type: 'JSON_SCHEMA' }),
          { Type: 'LAMBDA', Content: { 'Fn::GetAtt': [fnId, 'Arn'] } },
        ],
      });
      extended.hasResourceProperties('AWS::Lambda::Permission', {
        FunctionName: { 'Fn::GetAtt': [fnId, 'Arn'] },
        Principal: 'appconfig.amazonaws.com',
        Action: 'lambda:InvokeFunction',
      });
    });
  });

  describe('deployment strategies', () => {
    it('creates none for the predefined strategies and maps them by id', () => {
      template.resourceCountIs('AWS::AppConfig::DeploymentStrategy', 0);
      expect(promptOps.delivery.strategyIds).toMatchObject({
        AllAtOnce: 'AppConfig.AllAtOnce',
        Canary10Percent20Minutes: 'AppConfig.Canary10Percent20Minutes',
      });
    });

    it('tells the handlers the custom strategy ids (and only those)', () => {
      const stack = Stack.of(customPromptOps);
      const strategyId = logicalId(
        custom,
        'AWS::AppConfig::DeploymentStrategy',
        'PromptOpsDeliveryStrategyLinear25',
      );
      const value = JSON.stringify(stack.resolve(customPromptOps.handlerEnvironment[ENV.strategies]));
      expect(value).toContain('Linear25');
      expect(value).toContain(strategyId);
      expect(value).not.toContain('AppConfig.');
    });

    it('creates exactly the custom strategies', () => {
      custom.resourceCountIs('AWS::AppConfig::DeploymentStrategy', 1);
      custom.hasResourceProperties('AWS::AppConfig::DeploymentStrategy', {
        Name: 'Linear25',
        DeploymentDurationInMinutes: 8,
        GrowthFactor: 25,
        GrowthType: 'LINEAR',
        FinalBakeTimeInMinutes: 5,
        ReplicateTo: 'NONE',
      });
    });
  });

  describe('deployment events', () => {
    it('associates the AWS EventBridge notification extension with the application', () => {
      const appId = logicalId(template, 'AWS::AppConfig::Application', 'PromptOpsDeliveryApplication');
      template.hasResourceProperties('AWS::AppConfig::ExtensionAssociation', {
        ExtensionIdentifier: EVENTBRIDGE_EXTENSION,
        ResourceIdentifier: Match.objectLike({
          'Fn::Join': Match.arrayWith([Match.arrayWith([{ Ref: appId }])]),
        }),
      });
    });

    it("routes this application's deployment events to the operators' topic and the events log", () => {
      const appId = logicalId(template, 'AWS::AppConfig::Application', 'PromptOpsDeliveryApplication');
      const topicId = logicalId(template, 'AWS::SNS::Topic', 'PromptOpsObservabilityOperators');
      const dlqId = logicalId(template, 'AWS::SQS::Queue', 'PromptOpsObservabilityDeadLetters');
      template.hasResourceProperties('AWS::Events::Rule', {
        EventPattern: {
          source: ['aws.appconfig'],
          'detail-type': [{ prefix: 'On Deployment' }],
          detail: { Application: { Id: [{ Ref: appId }] } },
        },
        Targets: [
          Match.objectLike({
            Arn: { Ref: topicId },
            DeadLetterConfig: { Arn: { 'Fn::GetAtt': [dlqId, 'Arn'] } },
          }),
          Match.objectLike({
            Arn: { 'Fn::Join': ['', Match.arrayWith([Match.stringLikeRegexp(':log-group:$')])] },
            DeadLetterConfig: { Arn: { 'Fn::GetAtt': [dlqId, 'Arn'] } },
          }),
        ],
      });
      const [policy] = Object.values(template.findResources('AWS::Logs::ResourcePolicy'));
      const document = JSON.stringify(policy?.Properties.PolicyDocument);
      expect(document).toContain('events.amazonaws.com');
      expect(document).toContain('logs:PutLogEvents');
    });

    it('adds the deployment-events Lambda as a third target with retries and the dead-letter queue', () => {
      const fnId = logicalId(extended, 'AWS::Lambda::Function', 'PromptOpsDeploymentEventsFunction');
      extended.hasResourceProperties('AWS::Events::Rule', {
        Targets: Match.arrayWith([
          Match.objectLike({
            Arn: { 'Fn::GetAtt': [fnId, 'Arn'] },
            DeadLetterConfig: Match.anyValue(),
            RetryPolicy: { MaximumRetryAttempts: 10, MaximumEventAgeInSeconds: 86400 },
          }),
        ]),
      });
    });
  });

  describe('the initial manifest', () => {
    it('is deployed to every environment with a predefined strategy and the data key', () => {
      const keyId = logicalId(template, 'AWS::KMS::Key', 'PromptOpsStoreKey');
      const resources = template.findResources('Custom::PromptOpsInitialManifest');
      expect(Object.keys(resources)).toHaveLength(ENVIRONMENTS.length);
      for (const name of ENVIRONMENTS) {
        template.hasResourceProperties('Custom::PromptOpsInitialManifest', {
          EnvironmentName: name,
          DeploymentStrategyId: `AppConfig.${INITIAL_MANIFEST_STRATEGY}`,
          KmsKeyIdentifier: { 'Fn::GetAtt': [keyId, 'Arn'] },
          ConfigurationProfileId: {
            Ref: logicalId(template, 'AWS::AppConfig::ConfigurationProfile', 'PromptOpsDelivery'),
          },
        });
      }
    });

    it('waits for the validator Lambda when there is one', () => {
      const fnId = logicalId(extended, 'AWS::Lambda::Function', 'PromptOpsConfigValidatorFunction');
      const resources = Object.values(extended.findResources('Custom::PromptOpsInitialManifest'));
      for (const resource of resources) expect(resource.DependsOn).toContain(fnId);
    });
  });

  describe('grants', () => {
    it('let apps start sessions and get configuration of the prompts profile in the chosen environments only', () => {
      const statements = roleStatements(template, 'AppRole');
      const read = statements.find((s) => actionsOf(s).includes('appconfig:GetLatestConfiguration'))!;
      expect(actionsOf(read)).toEqual([
        'appconfig:GetLatestConfiguration',
        'appconfig:StartConfigurationSession',
      ]);
      const resource = JSON.stringify(read.Resource);
      expect(resource).toContain(
        logicalId(template, 'AWS::AppConfig::Environment', 'PromptOpsDeliveryEnvironmentProd'),
      );
      expect(resource).not.toContain('EnvironmentDev');
      expect(resource).toContain('/configuration/');
      expect(resource).not.toContain('*');
    });

    it('reject an unknown environment', () => {
      expect(() => promptOps.delivery.grantReadConfig(new iam.AccountRootPrincipal(), ['qa'])).toThrow(
        /Delivery: unknown environment "qa" \(configured: dev, staging, prod\)/,
      );
    });

    it('let the initial-manifest handler deploy: create versions, start deployments with the strategies', () => {
      const statements = roleStatements(template, 'PromptOpsDeliveryInitialManifestHandlerRole');
      const actions = statements.flatMap(actionsOf);
      expect(actions).toEqual(
        expect.arrayContaining([
          'appconfig:CreateHostedConfigurationVersion',
          'appconfig:StartDeployment',
          'appconfig:ListDeployments',
          'kms:GenerateDataKey',
        ]),
      );
      const start = statements.find((s) => actionsOf(s).includes('appconfig:StartDeployment'))!;
      expect(JSON.stringify(start.Resource)).toContain(
        `deploymentstrategy/AppConfig.${INITIAL_MANIFEST_STRATEGY}`,
      );
    });
  });

  describe('validation', () => {
    it('allows one Lambda validator only', () => {
      expect(() =>
        buildPromptOps({}, (p) => {
          p.addConfigValidator({ entry: FIXTURE_HANDLER });
          p.delivery.addValidator(p.delivery.initialManifestFunction);
        }),
      ).toThrow(
        /Delivery: the profile already has a Lambda validator \(Test\/PromptOps\/ConfigValidator\/Function\)/,
      );
      expect(() =>
        buildPromptOps({}, (p) => {
          p.addConfigValidator({ entry: FIXTURE_HANDLER });
          p.addConfigValidator({ entry: FIXTURE_HANDLER });
        }),
      ).toThrow(/Test\/PromptOps: a config validator was already added/);
    });

    it('allows one deployment-events handler only', () => {
      expect(() =>
        buildPromptOps({}, (p) => {
          p.addDeploymentEventsHandler({ entry: FIXTURE_HANDLER });
          p.addDeploymentEventsHandler({ entry: FIXTURE_HANDLER });
        }),
      ).toThrow(/Test\/PromptOps: a deployment-events handler was already added/);
    });

    it('rejects a validator with AppConfig access, which would make a dependency cycle', () => {
      expect(() =>
        buildPromptOps({}, (p) =>
          p.addConfigValidator({ entry: FIXTURE_HANDLER, access: { appConfig: 'read' } }),
        ),
      ).toThrow(/PromptOps: config validator access.appConfig must be left out \(got "read"\)/);
    });
  });
});
