/**
 * The PromptOps construct: everything PromptOps runs on, embeddable in any CDK app. Storage (bodies
 * bucket, tables), delivery (AppConfig with alarm-driven rollback), the HTTP API, observability
 * (alarms, operators' topic, dashboard) and backup, with secure defaults in one place.
 */
import { Duration, Stack, Token, Validations } from 'aws-cdk-lib';
import type * as iam from 'aws-cdk-lib/aws-iam';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import type * as logs from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { APPCONFIG, BODY_KEY_PREFIX, type DeploymentStrategySpec, ENV } from '../src/core/contracts.ts';
import { METRIC_NAMESPACE } from '../src/core/metrics.ts';
import { API_ROUTES, type HandlerName } from '../src/core/routes.ts';
import {
  type KEEP_FOREVER,
  type PromptOpsSettings,
  parseSettings,
  SETTINGS_KEYS,
  SettingsError,
  type SettingsInput,
  settingsEnvironment,
} from '../src/core/settings.ts';
import { PromptBackup } from './constructs/backup.ts';
import { type ApiHandlerOptions, type ApiThrottle, PromptApi } from './constructs/prompt-api.ts';
import { PromptDelivery } from './constructs/prompt-delivery.ts';
import { PromptObservability } from './constructs/prompt-observability.ts';
import { PromptStore } from './constructs/prompt-store.ts';
import {
  deployerRoutes,
  FEEDBACK_SENDER_ROUTES,
  OPERATOR_ROUTES,
  PUBLISHER_ROUTES,
  REVIEWER_ROUTES,
} from './private/api-permissions.ts';
import { acknowledgeWildcardResource } from './private/nag.ts';
import { FUNCTION_DEFAULTS, PromptFunction } from './private/prompt-function.ts';
import { replicaNames } from './private/replica-names.ts';
import { PropsValidator } from './private/validation.ts';

/** Settings: the same names (and meanings) as the app's CDK context keys. */
export interface PromptOpsSettingsProps {
  /**
   * Environments, in promotion order.
   * @default ['dev', 'staging', 'prod']
   */
  readonly environments?: readonly string[];
  /**
   * Environments that accept only approved versions.
   * @default ['prod']
   */
  readonly protectedEnvironments?: readonly string[];
  /**
   * Deployment strategy name per environment (predefined or custom).
   * @default - dev AllAtOnce, staging Linear50PercentEvery30Seconds, prod Canary10Percent20Minutes;
   * other environments Canary10Percent20Minutes when protected, else AllAtOnce
   */
  readonly defaultStrategies?: Readonly<Record<string, string>>;
  /**
   * Deployment strategies to create in addition to AppConfig's predefined ones.
   * @default - none
   */
  readonly customStrategies?: readonly DeploymentStrategySpec[];
  /**
   * Error rate (% of invocations) that rolls a deployment back.
   * @default 5
   */
  readonly alarmErrorRatePercent?: number;
  /**
   * p99 latency (ms) that rolls a deployment back.
   * @default 15000
   */
  readonly alarmP99LatencyMs?: number;
  /**
   * Negative feedback (% of ratings) that rolls a deployment back.
   * @default 30
   */
  readonly alarmNegativeFeedbackPercent?: number;
  /**
   * Samples (invocations or ratings) a one-minute period needs before it can breach.
   * @default 20
   */
  readonly alarmMinimumSamples?: number;
  /**
   * Email addresses subscribed to the operators' topic.
   * @default - none
   */
  readonly operatorEmails?: readonly string[];
  /**
   * Region of the replica (global table replicas, S3 replication, backup copies). Deploy a
   * PromptOpsReplicaStack there first.
   * @default - no replica
   */
  readonly replicaRegion?: string;
  /**
   * Bodies larger than this many bytes are referenced from the manifest instead of inlined.
   * @default 8192
   */
  readonly inlineBodyThreshold?: number;
  /**
   * Days feedback items are kept, or 'forever'.
   * @default 365
   */
  readonly feedbackRetentionDays?: number | typeof KEEP_FOREVER;
}

export interface PromptOpsProps extends PromptOpsSettingsProps {
  /**
   * AppConfig application name (clients address it by name); also the prefix of the replica's names.
   * @default 'promptops'
   */
  readonly applicationName?: string;
  /**
   * HTTP API stage throttling.
   * @default { rateLimit: 50, burstLimit: 100 }
   */
  readonly apiThrottle?: ApiThrottle;
  /**
   * Retention of every log group (functions, API access logs, deployment events).
   * @default logs.RetentionDays.ONE_YEAR
   */
  readonly logRetention?: logs.RetentionDays;
  /**
   * How long daily backups and their cross-region copies are kept.
   * @default Duration.days(35)
   */
  readonly backupRetention?: Duration;
  /**
   * Add the PromptOps handlers: the API routes, the AppConfig validator and the deployment-events
   * recorder. Turn off only to add your own with `addApiHandler`.
   * @default true
   */
  readonly handlers?: boolean;
}

/** What a handler may touch. Every grant is scoped to this construct's resources. */
export interface HandlerAccess {
  /**
   * Prompts, versions, environments and audit (main table).
   * @default - none
   */
  readonly registry?: 'read' | 'readWrite';
  /**
   * Feedback items and aggregates (feedback table).
   * @default - none
   */
  readonly feedback?: 'read' | 'readWrite';
  /**
   * Prompt documents in the bodies bucket.
   * @default - none
   */
  readonly bodies?: 'read' | 'readWrite';
  /**
   * AppConfig: 'read' reads deployments and configuration versions; 'deploy' also creates versions
   * and starts and stops deployments.
   * @default - none
   */
  readonly appConfig?: 'read' | 'deploy';
}

export interface PromptOpsHandlerOptions extends ApiHandlerOptions {
  /** @default - no access to PromptOps resources */
  readonly access?: HandlerAccess;
}

/** A function PromptOps invokes itself (not through the API). */
export interface PromptOpsFunctionOptions {
  /** Handler source file exporting `handler`, absolute or relative to the package root. */
  readonly entry: string;
  /**
   * Memory in MB.
   * @default 512
   */
  readonly memorySize?: number;
  /**
   * @default Duration.seconds(10)
   */
  readonly timeout?: Duration;
  /**
   * Environment variables in addition to the common ones.
   * @default - none
   */
  readonly environment?: Readonly<Record<string, string>>;
  /** @default - no access to PromptOps resources */
  readonly access?: HandlerAccess;
}

export interface EnvironmentScope {
  /**
   * Environments the grant covers.
   * @default - all configured environments
   */
  readonly environments?: readonly string[];
}

/** AppConfig caps a Lambda validator's run at 15 seconds. */
const MAX_VALIDATOR_SECONDS = 15;
const APPLICATION_NAME = /^[a-z][a-z0-9-]{1,19}$/;

export class PromptOps extends Construct {
  readonly settings: PromptOpsSettings;
  readonly applicationName: string;
  readonly store: PromptStore;
  readonly api: PromptApi;
  readonly observability: PromptObservability;
  readonly delivery: PromptDelivery;
  readonly backup: PromptBackup;
  /** Environment variables every PromptOps function gets: resource names and ids, and settings. */
  readonly handlerEnvironment: Readonly<Record<string, string>>;
  /** Key of the HMAC that hashes feedback identities (when the PromptOps handlers are added). */
  feedbackHashSecret?: secretsmanager.Secret;
  private readonly logRetention: logs.RetentionDays;

  constructor(scope: Construct, id: string, props: PromptOpsProps = {}) {
    super(scope, id);
    this.settings = this.parseSettings(props);
    this.applicationName = props.applicationName ?? APPCONFIG.application;
    this.logRetention = props.logRetention ?? FUNCTION_DEFAULTS.logRetention;
    const stack = Stack.of(this);
    const replicaRegion = this.settings.replicaRegion;
    const check = new PropsValidator(this);
    check.check(
      APPLICATION_NAME.test(this.applicationName),
      `applicationName must be 2 to 20 lowercase letters, digits or hyphens, starting with a letter (got "${this.applicationName}")`,
    );
    if (replicaRegion !== undefined) {
      check.check(
        !Token.isUnresolved(stack.region),
        `replicaRegion "${replicaRegion}" needs a stack with an explicit region (env.region); this stack's region is not known at synth`,
      );
      check.check(
        stack.region !== replicaRegion,
        `replicaRegion must differ from the stack's region (both are "${replicaRegion}")`,
      );
    }
    check.throwIfAny();
    const replica = replicaRegion
      ? { region: replicaRegion, names: replicaNames(this, this.applicationName, replicaRegion) }
      : undefined;

    this.store = new PromptStore(this, 'Store', replica ? { replica } : {});
    this.api = new PromptApi(this, 'Api', {
      logRetention: this.logRetention,
      ...(props.apiThrottle ? { throttle: props.apiThrottle } : {}),
    });
    this.observability = new PromptObservability(this, 'Observability', {
      applicationName: this.applicationName,
      environments: this.settings.environments,
      thresholds: this.settings,
      operatorEmails: this.settings.operatorEmails,
      httpApi: this.api.httpApi,
      tables: { registry: this.store.table, feedback: this.store.feedbackTable },
      logRetention: this.logRetention,
    });
    this.delivery = new PromptDelivery(this, 'Delivery', {
      applicationName: this.applicationName,
      environments: this.settings.environments,
      monitors: Object.fromEntries(
        this.settings.environments.map((env) => [env, this.observability.alarms(env).composite]),
      ),
      customStrategies: this.settings.customStrategies,
      key: this.store.key,
      topic: this.observability.topic,
      deploymentEventsLog: this.observability.deploymentEvents,
      deadLetterQueue: this.observability.deadLetters,
      logRetention: this.logRetention,
    });
    this.observability.monitorFunction('initial-manifest', this.delivery.initialManifest.handler);
    this.backup = new PromptBackup(this, 'Backup', {
      tables: [this.store.table, this.store.feedbackTable],
      key: this.store.key,
      ...(replica ? { copyToVaultArn: replica.names.backupVaultArn } : {}),
      ...(props.backupRetention ? { retention: props.backupRetention } : {}),
    });

    this.handlerEnvironment = {
      ...settingsEnvironment(this.settings),
      [ENV.table]: this.store.table.tableName,
      [ENV.feedbackTable]: this.store.feedbackTable.tableName,
      [ENV.bodyBucket]: this.store.bodies.bucketName,
      [ENV.appConfigApplicationId]: this.delivery.application.applicationId,
      [ENV.appConfigProfileId]: this.delivery.configurationProfileId,
      [ENV.appConfigEnvironmentIds]: stack.toJsonString(this.delivery.environmentIds),
      [ENV.strategies]: stack.toJsonString(this.delivery.customStrategyIds),
      POWERTOOLS_SERVICE_NAME: this.applicationName,
      POWERTOOLS_METRICS_NAMESPACE: METRIC_NAMESPACE,
    };
    if (props.handlers !== false) this.addPromptOpsHandlers();
  }

  /** The handlers of every API route (src/core/routes.ts), the validator and the events recorder. */
  private addPromptOpsHandlers(): void {
    const routesOf = (handler: HandlerName) => API_ROUTES.filter((route) => route.handler === handler);
    const entry = (name: string) => `lambda/handlers/${name}.ts`;
    this.addApiHandler('publish', {
      entry: entry('publish'),
      routes: routesOf('publish'),
      access: { registry: 'readWrite', bodies: 'readWrite' },
      memorySize: 1024,
    });
    this.addApiHandler('review', {
      entry: entry('review'),
      routes: routesOf('review'),
      access: { registry: 'readWrite' },
    });
    this.addApiHandler('query', {
      entry: entry('query'),
      routes: routesOf('query'),
      access: { registry: 'read', bodies: 'read' },
    });
    // Deploys talk to AppConfig: a little concurrency protects it (one deployment per environment anyway).
    this.addApiHandler('deploy', {
      entry: entry('deploy'),
      routes: routesOf('deploy'),
      access: { registry: 'readWrite', bodies: 'read', appConfig: 'deploy' },
      timeout: Duration.seconds(29),
      reservedConcurrentExecutions: 5,
    });
    // The identity hash key lives in Secrets Manager; the function reads it once per container.
    this.feedbackHashSecret = new secretsmanager.Secret(this, 'FeedbackHashSecret', {
      description: 'PromptOps: key of the HMAC that hashes feedback user and session ids',
      encryptionKey: this.store.key,
      generateSecretString: { passwordLength: 48, excludePunctuation: true },
    });
    Validations.of(this.feedbackHashSecret).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason: `${this.feedbackHashSecret.node.path}: an HMAC key for pseudonymous ids; rotating it would split every user's feedback history in two, so it is rotated by hand when needed`,
    });
    const feedback = this.addApiHandler('feedback', {
      entry: entry('feedback'),
      routes: routesOf('feedback'),
      access: { registry: 'read', feedback: 'readWrite' },
      environment: { [ENV.feedbackHashSecretArn]: this.feedbackHashSecret.secretArn },
      // Bounds the write rate on the per-day aggregate items (one partition per prompt version).
      reservedConcurrentExecutions: 20,
    });
    this.feedbackHashSecret.grantRead(feedback);
    this.addApiHandler('metrics', { entry: entry('metrics'), routes: routesOf('metrics') });
    this.addConfigValidator({ entry: entry('config-validator'), access: { bodies: 'read' } });
    this.addDeploymentEventsHandler({
      entry: entry('deployment-events'),
      access: { registry: 'readWrite', appConfig: 'read' },
    });
  }

  /** The HTTP API's invoke URL. */
  get apiUrl(): string {
    return this.api.url;
  }

  get dashboardUrl(): string {
    return this.observability.dashboardUrl;
  }

  /** Path of an environment's manifest on the AppConfig Agent (localhost:2772). */
  agentPath(environment: string): string {
    if (!this.settings.environments.includes(environment)) {
      throw new Error(
        `${this.node.path}: unknown environment "${environment}" (configured: ${this.settings.environments.join(', ')})`,
      );
    }
    return `/applications/${this.applicationName}/environments/${environment}/configurations/${APPCONFIG.profile}`;
  }

  /**
   * Adds an API handler: a function built the PromptOps way with the common environment variables,
   * routed with IAM authorization, granted `access`, and shown on the dashboard.
   */
  addApiHandler(name: string, options: PromptOpsHandlerOptions): NodejsFunction {
    const { access, ...handlerOptions } = options;
    const fn = this.api.addHandler(name, {
      ...handlerOptions,
      environment: { ...this.handlerEnvironment, ...handlerOptions.environment },
    });
    const reason = `${fn.node.path}: invoked synchronously by API Gateway, which returns any error to the caller; there is no asynchronous invocation to redrive`;
    this.acknowledgeSynchronous(fn, reason);
    this.grantAccess(fn, access);
    this.observability.monitorFunction(name, fn);
    return fn;
  }

  /** Adds the AppConfig validator Lambda: AppConfig runs it on every configuration version it deploys. */
  addConfigValidator(options: PromptOpsFunctionOptions): NodejsFunction {
    const timeout = options.timeout ?? FUNCTION_DEFAULTS.timeout;
    const check = new PropsValidator(this);
    check.check(
      timeout.toSeconds() <= MAX_VALIDATOR_SECONDS,
      `config validator timeout must be at most ${MAX_VALIDATOR_SECONDS} seconds, AppConfig's limit for a validator (got ${timeout.toSeconds()} s)`,
    );
    check.check(
      this.node.tryFindChild('ConfigValidator') === undefined,
      'a config validator was already added',
    );
    check.check(
      options.access?.appConfig === undefined,
      `config validator access.appConfig must be left out (got "${options.access?.appConfig}"): the profile refers to the validator, so the validator cannot refer back to the profile; AppConfig passes it the ids it needs`,
    );
    check.throwIfAny();
    // Without the profile id, for the same reason.
    const { [ENV.appConfigProfileId]: _profileId, ...environment } = this.handlerEnvironment;
    const fn = this.newFunction(
      'ConfigValidator',
      'PromptOps: validates manifests before AppConfig deploys them',
      { ...options, timeout },
      { environment },
    );
    this.acknowledgeSynchronous(
      fn,
      `${fn.node.path}: invoked synchronously by AppConfig as a validator; a failure rejects the deployment, there is no asynchronous invocation to redrive`,
    );
    this.delivery.addValidator(fn);
    this.observability.monitorFunction('config-validator', fn);
    return fn;
  }

  /** Adds the Lambda that records AppConfig deployment events (EventBridge target with retries and DLQ). */
  addDeploymentEventsHandler(options: PromptOpsFunctionOptions): NodejsFunction {
    const check = new PropsValidator(this);
    check.check(
      this.node.tryFindChild('DeploymentEvents') === undefined,
      'a deployment-events handler was already added',
    );
    check.throwIfAny();
    const fn = this.newFunction(
      'DeploymentEvents',
      'PromptOps: records AppConfig deployment events',
      options,
      {
        deadLetterQueue: this.observability.deadLetters,
      },
    );
    this.delivery.addDeploymentEventsTarget(fn);
    this.observability.monitorFunction('deployment-events', fn);
    return fn;
  }

  /**
   * For apps: read prompt manifests from AppConfig (StartConfigurationSession, GetLatestConfiguration
   * on the `prompts` profile), read bodies referenced from them (s3:GetObject) and decrypt (kms:Decrypt).
   */
  grantRead(grantee: iam.IGrantable, scope: EnvironmentScope = {}): iam.Grant {
    this.store.grantReadBodies(grantee);
    this.acknowledgeBodies(grantee);
    return this.delivery.grantReadConfig(grantee, scope.environments);
  }

  /** For authors: publish versions and read prompts through the API. */
  grantPublish(grantee: iam.IGrantable): iam.Grant {
    return this.api.grantInvoke(grantee, PUBLISHER_ROUTES);
  }

  /** For reviewers: approve versions and read prompts through the API. */
  grantApprove(grantee: iam.IGrantable): iam.Grant {
    return this.api.grantInvoke(grantee, REVIEWER_ROUTES);
  }

  /** For releasers: deploy to and roll back the given environments (all by default) through the API. */
  grantDeploy(grantee: iam.IGrantable, scope: EnvironmentScope = {}): iam.Grant {
    for (const env of scope.environments ?? []) this.agentPath(env);
    return this.api.grantInvoke(grantee, deployerRoutes(scope.environments));
  }

  /** For on-call operators: read everything (status, audit, feedback) and roll back any environment. */
  grantOperate(grantee: iam.IGrantable): iam.Grant {
    return this.api.grantInvoke(grantee, OPERATOR_ROUTES);
  }

  /** For apps: send user feedback and metric records through the API. */
  grantSendFeedback(grantee: iam.IGrantable): iam.Grant {
    return this.api.grantInvoke(grantee, FEEDBACK_SENDER_ROUTES);
  }

  private parseSettings(props: PromptOpsSettingsProps): PromptOpsSettings {
    const input: Record<string, unknown> = {};
    const tokens: string[] = [];
    for (const key of SETTINGS_KEYS) {
      const value = (props as Record<string, unknown>)[key];
      if (value === undefined) continue;
      if (Token.isUnresolved(value) || (Array.isArray(value) && value.some((v) => Token.isUnresolved(v)))) {
        tokens.push(key);
      }
      input[key] = value;
    }
    if (tokens.length > 0) {
      throw new Error(
        `${this.node.path}: ${tokens.join(', ')} must be known at synth (got a token): PromptOps creates resources from them`,
      );
    }
    try {
      return parseSettings(input as SettingsInput);
    } catch (error) {
      if (error instanceof SettingsError)
        throw new Error(`${this.node.path}: ${error.message}`, { cause: error });
      throw error;
    }
  }

  private newFunction(
    id: string,
    description: string,
    options: PromptOpsFunctionOptions,
    extra: {
      readonly deadLetterQueue?: sqs.IQueue;
      /** Replaces the common environment variables. */
      readonly environment?: Readonly<Record<string, string>>;
    } = {},
  ): NodejsFunction {
    const fn = new PromptFunction(this, id, {
      entry: options.entry,
      description,
      memorySize: options.memorySize ?? FUNCTION_DEFAULTS.memorySize,
      timeout: options.timeout ?? FUNCTION_DEFAULTS.timeout,
      environment: { ...(extra.environment ?? this.handlerEnvironment), ...options.environment },
      logRetention: this.logRetention,
      ...(extra.deadLetterQueue ? { deadLetterQueue: extra.deadLetterQueue } : {}),
    }).function;
    this.grantAccess(fn, options.access);
    return fn;
  }

  private grantAccess(fn: NodejsFunction, access: HandlerAccess = {}): void {
    if (access.registry === 'read') this.store.grantReadRegistry(fn);
    if (access.registry === 'readWrite') this.store.grantWriteRegistry(fn);
    if (access.feedback === 'read') this.store.grantReadFeedback(fn);
    if (access.feedback === 'readWrite') this.store.grantWriteFeedback(fn);
    if (access.bodies === 'read') this.store.grantReadBodies(fn);
    if (access.bodies === 'readWrite') this.store.grantWriteBodies(fn);
    if (access.bodies) this.acknowledgeBodies(fn);
    if (access.appConfig === 'read') this.delivery.grantReadDeployments(fn);
    if (access.appConfig === 'deploy') this.delivery.grantDeploy(fn);
  }

  /** Bodies are content-addressed: their keys are SHA-256 hashes, known only at run time. */
  private acknowledgeBodies(grantee: iam.IGrantable): void {
    const principal = grantee.grantPrincipal;
    if (!(principal instanceof Construct)) return;
    acknowledgeWildcardResource(
      principal,
      this.store.bodies.arnForObjects(`${BODY_KEY_PREFIX}*`),
      `${principal.node.path}: prompt documents are content-addressed under ${BODY_KEY_PREFIX}, so object keys are SHA-256 hashes known only at run time`,
    );
  }

  /** Functions invoked synchronously need no dead-letter queue or failure destination. */
  private acknowledgeSynchronous(fn: NodejsFunction, reason: string): void {
    Validations.of(fn).acknowledge(
      { id: 'Serverless-LambdaDLQ', reason },
      { id: 'Serverless-LambdaAsyncFailureDestination', reason },
    );
  }
}
