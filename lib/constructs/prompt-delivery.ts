/**
 * Delivery through AWS AppConfig: the application, one environment per configured environment
 * (monitored by that environment's composite alarm), the `prompts` freeform hosted configuration
 * profile validated by the manifest JSON Schema (and the validator Lambda once added), the custom
 * deployment strategies, the EventBridge notification extension and the deployment events rule, the
 * initial empty manifest of every environment, and the canary analysis extension once its tick is added.
 */
import { Duration, Lazy, Stack } from 'aws-cdk-lib';
import * as appconfig from 'aws-cdk-lib/aws-appconfig';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { APPCONFIG, predefinedStrategyId } from '../../src/core/contracts.ts';
import { MANIFEST_JSON_SCHEMA } from '../../src/core/manifest-schema.ts';
import { predefinedStrategyIds } from '../../src/core/settings.ts';
import { InitialManifest } from '../private/initial-manifest.ts';
import { LogGroupTarget } from '../private/log-group-target.ts';
import { acknowledgeWildcardResource } from '../private/nag.ts';
import { FUNCTION_DEFAULTS } from '../private/prompt-function.ts';
import { PropsValidator, pascalCase } from '../private/validation.ts';

/** The AWS-authored extension that sends deployment start, complete and rollback events to EventBridge. */
export const EVENTBRIDGE_EXTENSION = 'AWS.AppConfig.DeploymentNotificationsToEventBridge';

/**
 * The initial manifest uses the quickest predefined strategy (one minute, one minute of bake), so the
 * environment is free for the first real deployment soon after `cdk deploy`.
 */
export const INITIAL_MANIFEST_STRATEGY = 'Linear50PercentEvery30Seconds';

/** Props of {@link PromptDelivery}. */
export interface PromptDeliveryProps {
  /**
   * AppConfig application name; clients address it by this name.
   * @default 'promptops'
   */
  readonly applicationName?: string;
  /** Environment names, in promotion order. */
  readonly environments: readonly string[];
  /** Each environment's AppConfig monitor: ALARM rolls back a deployment in progress. */
  readonly monitors: Readonly<Record<string, cloudwatch.IAlarm>>;
  /**
   * Strategies to create in AppConfig, by name; the predefined ones are referenced by id, never created.
   * @default - none
   */
  readonly customStrategies?: Readonly<Record<string, appconfig.RolloutStrategy>>;
  /** Encrypts the hosted configuration data. */
  readonly key: kms.IKey;
  /** Operators' topic: every deployment event is published there (as raw text unless `rawTopicNotifications` is false). */
  readonly topic: sns.ITopic;
  /**
   * Publish each deployment event to `topic` as a line of raw text. Turn off when a notifier tells
   * operators instead (docs/runbooks/README.md), so nothing is sent twice.
   * @default true
   */
  readonly rawTopicNotifications?: boolean;
  /** Log of every deployment event (the dashboard reads it). */
  readonly deploymentEventsLog: logs.ILogGroup;
  /** Deployment events that no target accepted after retries. */
  readonly deadLetterQueue: sqs.IQueue;
  /**
   * Retention of the initial-manifest handler's logs.
   * @default logs.RetentionDays.ONE_YEAR
   */
  readonly logRetention?: logs.RetentionDays;
}

/**
 * Delivery through AWS AppConfig: one environment per PromptOps environment, monitored by its rollback
 * alarm; the `prompts` profile validated by the manifest schema (and the validator Lambda once added);
 * the custom strategies; deployment events to the operators' topic and a log group; and an empty
 * manifest deployed to every environment on creation.
 */
export class PromptDelivery extends Construct {
  /** The AppConfig application. */
  readonly application: appconfig.Application;
  /** Environments by name. */
  readonly environments: Readonly<Record<string, appconfig.Environment>>;
  /** The `prompts` hosted configuration profile. */
  readonly profile: appconfig.CfnConfigurationProfile;
  /** Id of the `prompts` profile. */
  readonly configurationProfileId: string;
  /** ARN of the `prompts` profile. */
  readonly configurationProfileArn: string;
  /** Strategy ids by name: `AppConfig.<name>` for the predefined ones, generated ids for custom ones. */
  readonly strategyIds: Readonly<Record<string, string>>;
  /** Ids of the custom strategies only, by name (what the handlers read from PROMPTOPS_STRATEGIES). */
  readonly customStrategyIds: Readonly<Record<string, string>>;
  /** Lets AppConfig read the environments' composite alarms. */
  readonly alarmRole: iam.Role;
  /** AppConfig deployment events of this application (start, complete, rolled back). */
  readonly deploymentEventsRule: events.Rule;
  /** The custom resource handler that deploys the empty manifest to every new environment. */
  readonly initialManifestFunction: lambda.IFunction;
  private readonly initialManifest: InitialManifest;
  private readonly key: kms.IKey;
  private readonly deadLetterQueue: sqs.IQueue;
  private readonly validators: appconfig.CfnConfigurationProfile.ValidatorsProperty[];
  private lambdaValidator?: lambda.IFunction;
  private deploymentEventsHandler?: lambda.IFunction;
  private readonly applicationName: string;
  /** Whether deployment events go to the operators' topic as raw text (see `rawTopicNotifications`). */
  readonly rawTopicNotifications: boolean;
  private canaryExtension?: appconfig.CfnExtension;
  private canaryFunction?: lambda.IFunction;

  constructor(scope: Construct, id: string, props: PromptDeliveryProps) {
    super(scope, id);
    const applicationName = props.applicationName ?? APPCONFIG.application;
    this.applicationName = applicationName;
    const check = new PropsValidator(this);
    for (const environment of props.environments) {
      check.check(
        props.monitors[environment] !== undefined,
        `no monitor alarm for environment "${environment}"`,
      );
    }
    check.throwIfAny();
    this.key = props.key;
    this.deadLetterQueue = props.deadLetterQueue;

    this.application = new appconfig.Application(this, 'Application', {
      applicationName,
      description: 'PromptOps: environment manifests of pinned prompt versions',
    });

    this.alarmRole = new iam.Role(this, 'AlarmRole', {
      assumedBy: new iam.ServicePrincipal('appconfig.amazonaws.com'),
      description: 'Lets AppConfig read the PromptOps composite alarms that roll deployments back',
    });
    this.alarmRole.addToPolicy(
      new iam.PolicyStatement({
        actions: ['cloudwatch:DescribeAlarms'],
        resources: props.environments.map((environment) => props.monitors[environment]!.alarmArn),
      }),
    );

    const environments: Record<string, appconfig.Environment> = {};
    for (const environment of props.environments) {
      environments[environment] = new appconfig.Environment(this, `Environment${pascalCase(environment)}`, {
        application: this.application,
        environmentName: environment,
        description: `PromptOps environment ${environment}`,
        monitors: [appconfig.Monitor.fromCloudWatchAlarm(props.monitors[environment]!, this.alarmRole)],
      });
    }
    this.environments = environments;

    this.validators = [{ type: 'JSON_SCHEMA', content: JSON.stringify(MANIFEST_JSON_SCHEMA) }];
    this.profile = new appconfig.CfnConfigurationProfile(this, 'Profile', {
      applicationId: this.application.applicationId,
      name: APPCONFIG.profile,
      description: 'PromptOps environment manifest (JSON)',
      locationUri: 'hosted',
      type: 'AWS.Freeform',
      kmsKeyIdentifier: props.key.keyArn,
      validators: Lazy.any({ produce: () => this.validators }),
    });
    this.configurationProfileId = this.profile.ref;
    this.configurationProfileArn = Stack.of(this).formatArn({
      service: 'appconfig',
      resource: 'application',
      resourceName: `${this.application.applicationId}/configurationprofile/${this.configurationProfileId}`,
    });

    // Predefined strategies are referenced by id: creating copies would use up AppConfig's quota.
    const customStrategyIds: Record<string, string> = {};
    for (const [name, rolloutStrategy] of Object.entries(props.customStrategies ?? {})) {
      const strategy = new appconfig.DeploymentStrategy(this, `Strategy${pascalCase(name)}`, {
        deploymentStrategyName: name,
        description: `PromptOps custom strategy ${name}`,
        rolloutStrategy,
      });
      customStrategyIds[name] = strategy.deploymentStrategyId;
    }
    this.customStrategyIds = customStrategyIds;
    this.strategyIds = { ...predefinedStrategyIds(), ...customStrategyIds };

    new appconfig.CfnExtensionAssociation(this, 'EventBridgeExtension', {
      extensionIdentifier: EVENTBRIDGE_EXTENSION,
      resourceIdentifier: this.application.applicationArn,
    });
    this.deploymentEventsRule = new events.Rule(this, 'DeploymentEventsRule', {
      description: `AppConfig deployment events of the PromptOps application ${applicationName}`,
      eventPattern: {
        source: ['aws.appconfig'],
        detailType: events.Match.prefix('On Deployment'),
        detail: { Application: { Id: [this.application.applicationId] } },
      },
    });
    this.rawTopicNotifications = props.rawTopicNotifications ?? true;
    if (this.rawTopicNotifications)
      this.deploymentEventsRule.addTarget(
        new targets.SnsTopic(props.topic, {
          deadLetterQueue: props.deadLetterQueue,
          retryAttempts: 10,
          message: events.RuleTargetInput.fromText(
            `PromptOps ${applicationName}: ${events.EventField.fromPath('$.detail-type')} in ${events.EventField.fromPath(
              '$.detail.Environment.Name',
            )} (deployment ${events.EventField.fromPath('$.detail.DeploymentNumber')}, configuration version ${events.EventField.fromPath(
              '$.detail.ConfigurationVersion',
            )})`,
          ),
        }),
      );
    this.deploymentEventsRule.addTarget(
      new LogGroupTarget(props.deploymentEventsLog, { deadLetterQueue: props.deadLetterQueue }),
    );

    this.initialManifest = new InitialManifest(this, 'InitialManifest', {
      applicationId: this.application.applicationId,
      configurationProfileId: this.configurationProfileId,
      environments: props.environments.map((name) => ({ name, id: environments[name]!.environmentId })),
      deploymentStrategyId: predefinedStrategyId(INITIAL_MANIFEST_STRATEGY),
      kmsKeyArn: props.key.keyArn,
      logRetention: props.logRetention ?? FUNCTION_DEFAULTS.logRetention,
      grantDeploy: (grantee) => this.grantDeploy(grantee),
    });
    this.initialManifestFunction = this.initialManifest.handler;
  }

  /** AppConfig environment ids by name. */
  get environmentIds(): Record<string, string> {
    return Object.fromEntries(
      Object.entries(this.environments).map(([name, env]) => [name, env.environmentId]),
    );
  }

  /**
   * Makes `fn` the profile's Lambda validator: AppConfig calls it with every new configuration
   * version before a deployment and rejects the deployment when it fails.
   */
  addValidator(fn: lambda.IFunction): void {
    if (this.lambdaValidator) {
      throw new Error(
        `${this.node.path}: the profile already has a Lambda validator (${this.lambdaValidator.node.path}); AppConfig allows one`,
      );
    }
    this.lambdaValidator = fn;
    this.validators.push({ type: 'LAMBDA', content: fn.functionArn });
    fn.addPermission('AppConfigValidator', {
      principal: new iam.ServicePrincipal('appconfig.amazonaws.com'),
      sourceAccount: Stack.of(this).account,
    });
    // The initial deployments run the validator, so it must be invocable by then.
    this.initialManifest.node.addDependency(fn);
  }

  /** Sends every deployment event of the application to `fn` (with retries and the dead-letter queue). */
  addDeploymentEventsTarget(fn: lambda.IFunction): void {
    if (this.deploymentEventsHandler) {
      throw new Error(
        `${this.node.path}: deployment events already go to ${this.deploymentEventsHandler.node.path}`,
      );
    }
    this.deploymentEventsHandler = fn;
    this.deploymentEventsRule.addTarget(
      new targets.LambdaFunction(fn, {
        deadLetterQueue: this.deadLetterQueue,
        retryAttempts: 10,
        maxEventAge: Duration.hours(24),
      }),
    );
  }

  /**
   * What apps need to read prompts: StartConfigurationSession and GetLatestConfiguration on the
   * `prompts` profile of the given environments (all by default), and decryption with the data key.
   */
  grantReadConfig(grantee: iam.IGrantable, environments?: readonly string[]): iam.Grant {
    return this.key.grant(grantee, 'kms:Decrypt').combine(
      iam.Grant.addToPrincipal({
        grantee,
        actions: ['appconfig:StartConfigurationSession', 'appconfig:GetLatestConfiguration'],
        resourceArns: this.selectEnvironments(environments).map(
          (env) => `${env.environmentArn}/configuration/${this.configurationProfileId}`,
        ),
      }),
    );
  }

  /**
   * Read deployments, environments, the profile and its configuration versions (for the handler that
   * records deployment events, and for status).
   */
  grantReadDeployments(grantee: iam.IGrantable): iam.Grant {
    const envs = Object.values(this.environments);
    const grants = [
      this.key.grant(grantee, 'kms:Decrypt'),
      iam.Grant.addToPrincipal({
        grantee,
        actions: ['appconfig:GetEnvironment', 'appconfig:ListDeployments'],
        resourceArns: envs.map((env) => env.environmentArn),
      }),
      iam.Grant.addToPrincipal({
        grantee,
        actions: ['appconfig:GetConfigurationProfile', 'appconfig:ListHostedConfigurationVersions'],
        resourceArns: [this.configurationProfileArn],
      }),
      iam.Grant.addToPrincipal({
        grantee,
        actions: ['appconfig:GetHostedConfigurationVersion'],
        resourceArns: [this.hostedVersionsArn()],
      }),
    ];
    this.acknowledgeHostedVersions(grantee);
    grants.push(this.grantGetDeployments(grantee));
    return combineGrants(grants);
  }

  /** appconfig:GetDeployment on the deployments of every environment (their state and percentage). */
  grantGetDeployments(grantee: iam.IGrantable): iam.Grant {
    this.acknowledgeDeployments(grantee);
    return iam.Grant.addToPrincipal({
      grantee,
      actions: ['appconfig:GetDeployment'],
      resourceArns: Object.values(this.environments).map((env) => this.deploymentsArn(env)),
    });
  }

  /**
   * Makes `fn` the canary analysis of `environments`: an extension whose AT_DEPLOYMENT_TICK action
   * AppConfig runs synchronously about once a minute while a deployment is in progress or baking (an
   * error rolls the deployment back), associated with each of those environments. AppConfig invokes
   * `fn` with a role of its own that may invoke `fn` and nothing else.
   */
  addCanaryExtension(fn: lambda.IFunction, environments: readonly string[]): appconfig.CfnExtension {
    if (this.canaryExtension) {
      throw new Error(
        `${this.node.path}: canary analysis already runs ${this.canaryFunction?.node.path}; one tick function judges every environment`,
      );
    }
    this.selectEnvironments(environments);
    this.canaryFunction = fn;
    // lambda:InvokeFunction only: AT_* action points invoke synchronously (InvokeAsync is for ON_*).
    const role = new iam.Role(this, 'CanaryExtensionRole', {
      assumedBy: new iam.ServicePrincipal('appconfig.amazonaws.com'),
      description: 'Lets AppConfig invoke the PromptOps canary tick at every deployment tick',
    });
    role.addToPolicy(
      new iam.PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: [fn.functionArn] }),
    );
    this.canaryExtension = new appconfig.CfnExtension(this, 'CanaryExtension', {
      name: `${this.applicationName}-canary-analysis`,
      description:
        'PromptOps canary analysis: judges each changed prompt against the version it replaces; an error rolls the deployment back',
      actions: {
        [appconfig.ActionPoint.AT_DEPLOYMENT_TICK]: [
          {
            Name: 'canary-analysis',
            Description: 'Judges the candidate versions of the deployment against their baselines',
            Uri: fn.functionArn,
            RoleArn: role.roleArn,
          },
        ],
      },
    });
    // The role must hold its policy before AppConfig first assumes it.
    this.canaryExtension.node.addDependency(role);
    for (const name of environments) {
      const association = new appconfig.CfnExtensionAssociation(this, `CanaryExtension${pascalCase(name)}`, {
        extensionIdentifier: this.canaryExtension.attrArn,
        resourceIdentifier: this.environments[name]!.environmentArn,
      });
      // The empty initial manifest has nothing to judge: its deployment starts before the tick is attached.
      association.node.addDependency(this.initialManifest);
    }
    return this.canaryExtension;
  }

  /**
   * Deploy manifests: create hosted configuration versions of the profile, start and stop deployments
   * in every environment with any configured strategy, and read them back.
   */
  grantDeploy(grantee: iam.IGrantable): iam.Grant {
    const envs = Object.values(this.environments);
    const stack = Stack.of(this);
    return combineGrants([
      this.grantReadDeployments(grantee),
      this.key.grant(grantee, 'kms:Encrypt', 'kms:GenerateDataKey'),
      iam.Grant.addToPrincipal({
        grantee,
        actions: ['appconfig:CreateHostedConfigurationVersion'],
        resourceArns: [this.configurationProfileArn],
      }),
      iam.Grant.addToPrincipal({
        grantee,
        actions: ['appconfig:StopDeployment'],
        resourceArns: envs.map((env) => this.deploymentsArn(env)),
      }),
      iam.Grant.addToPrincipal({
        grantee,
        actions: ['appconfig:StartDeployment'],
        resourceArns: [
          this.application.applicationArn,
          this.configurationProfileArn,
          ...envs.map((env) => env.environmentArn),
          ...Object.values(this.strategyIds).map((strategyId) =>
            stack.formatArn({
              service: 'appconfig',
              resource: 'deploymentstrategy',
              resourceName: strategyId,
            }),
          ),
        ],
      }),
    ]);
  }

  private selectEnvironments(names?: readonly string[]): appconfig.Environment[] {
    if (names === undefined) return Object.values(this.environments);
    return names.map((name) => {
      const env = this.environments[name];
      if (!env) {
        throw new Error(
          `${this.node.path}: unknown environment "${name}" (configured: ${Object.keys(this.environments).join(', ')})`,
        );
      }
      return env;
    });
  }

  private deploymentsArn(env: appconfig.Environment): string {
    return `${env.environmentArn}/deployment/*`;
  }

  private hostedVersionsArn(): string {
    return `${this.configurationProfileArn}/hostedconfigurationversion/*`;
  }

  /**
   * Deployments and configuration versions are numbered by AppConfig as they are created, so their
   * ARNs end in a wildcard; the statements are scoped to this application's profile and environments.
   */
  private acknowledgeHostedVersions(grantee: iam.IGrantable): void {
    const principal = grantee.grantPrincipal;
    if (!(principal instanceof Construct)) return;
    acknowledgeWildcardResource(
      principal,
      this.hostedVersionsArn(),
      `${principal.node.path}: AppConfig numbers the hosted configuration versions of ${this.profile.node.path} as they are created`,
    );
  }

  private acknowledgeDeployments(grantee: iam.IGrantable): void {
    const principal = grantee.grantPrincipal;
    if (!(principal instanceof Construct)) return;
    for (const env of Object.values(this.environments)) {
      acknowledgeWildcardResource(
        principal,
        this.deploymentsArn(env),
        `${principal.node.path}: AppConfig numbers the deployments of environment ${env.name} as they start`,
      );
    }
  }
}

/** The grants as one (each call above adds at least one). */
function combineGrants(grants: readonly iam.Grant[]): iam.Grant {
  return grants.reduce((all, grant) => all.combine(grant));
}
