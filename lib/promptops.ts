/**
 * The PromptOps construct: everything PromptOps runs on, embeddable in any CDK app. Storage (bodies
 * bucket, tables), delivery (AppConfig with alarm-driven rollback), the HTTP API, observability
 * (alarms, operators' topic, dashboard) and backup, with secure defaults in one place.
 */
import { Duration, Stack, Token } from 'aws-cdk-lib';
import type * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import type * as appconfig from 'aws-cdk-lib/aws-appconfig';
import type * as events from 'aws-cdk-lib/aws-events';
import type * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { APPCONFIG, ENV } from '../src/core/contracts.ts';
import { METRIC_NAMESPACE } from '../src/core/metrics.ts';
import type { ModelRetirement } from '../src/core/model-retirements.ts';
import {
  notifierSettingsEnvironment,
  type PromptOpsSettings,
  settingsEnvironment,
} from '../src/core/settings.ts';
import { PromptBackup } from './constructs/backup.ts';
import { type ApiHandlerOptions, PromptApi } from './constructs/prompt-api.ts';
import { PromptDelivery } from './constructs/prompt-delivery.ts';
import { PromptObservability } from './constructs/prompt-observability.ts';
import { PromptStore } from './constructs/prompt-store.ts';
import type { FeedbackRetention } from './feedback-retention.ts';
import {
  deployerRoutes,
  FEEDBACK_SENDER_ROUTES,
  OPERATOR_ROUTES,
  PUBLISHER_ROUTES,
  REVIEWER_ROUTES,
} from './private/api-permissions.ts';
import { acknowledgeBodies, acknowledgeVersionObjects } from './private/handler-access.ts';
import { FUNCTION_DEFAULTS } from './private/prompt-function.ts';
import { addPromptOpsHandlers } from './private/promptops-handlers.ts';
import { evalModelsOf, promptOpsSettings } from './private/promptops-settings.ts';
import { PromptOpsWiring, type ReviewReminder } from './private/promptops-wiring.ts';
import { replicaNames } from './private/replica-names.ts';
import { SecurityDefaults } from './private/security-defaults.ts';
import { PropsValidator } from './private/validation.ts';

/**
 * Settings: what the app's CDK context keys set (README, "Configuration"), typed. Invalid values stop
 * synthesis with one error that lists every problem.
 */
export interface PromptOpsSettingsProps {
  /**
   * Environments, in promotion order: 1 to 32 lowercase letters, digits or hyphens, starting with a letter.
   * @default ['dev', 'staging', 'prod']
   */
  readonly environments?: readonly string[];
  /**
   * Environments that accept only approved versions; each must be one of `environments`.
   * @default ['prod'] (where there is a prod environment)
   */
  readonly protectedEnvironments?: readonly string[];
  /**
   * Deployment strategy per environment: a predefined AppConfig strategy
   * (`appconfig.DeploymentStrategyId.CANARY_10_PERCENT_20_MINUTES`) or the name of one of `customStrategies`.
   * @default - dev AllAtOnce, staging Linear50PercentEvery30Seconds, prod Canary10Percent20Minutes;
   * other environments Canary10Percent20Minutes when protected, else AllAtOnce
   */
  readonly defaultStrategies?: Readonly<Record<string, appconfig.DeploymentStrategyId | string>>;
  /**
   * Deployment strategies to create in AppConfig, by name, in addition to its predefined ones. Durations
   * are whole minutes, at most 24 hours.
   * @default - none
   */
  readonly customStrategies?: Readonly<Record<string, appconfig.RolloutStrategy>>;
  /**
   * Error rate (% of invocations) that rolls a deployment back.
   * @default 5
   */
  readonly alarmErrorRatePercent?: number;
  /**
   * p99 latency that rolls a deployment back; more than 0, at most 15 minutes.
   * @default Duration.seconds(15)
   */
  readonly alarmP99Latency?: Duration;
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
   * How long feedback items are kept: `FeedbackRetention.after(Duration.days(n))` or
   * `FeedbackRetention.forever()`.
   * @default FeedbackRetention.after(Duration.days(365))
   */
  readonly feedbackRetention?: FeedbackRetention;
  /**
   * Environments a version reaches only with a PASSED evaluation run against its prompt's current
   * suite; each must be one of `environments`.
   * @default - the protected environments
   */
  readonly evalGatedEnvironments?: readonly string[];
  /**
   * Gate prompts without an evaluation suite too: deploying them to a gated environment is refused
   * until they have one. When false, a prompt with no suite is not gated.
   * @default false
   */
  readonly requireEvalSuite?: boolean;
  /**
   * Bedrock model ids, or cross-region inference profile ids such as
   * `us.anthropic.claude-sonnet-4-20250514-v1:0`, that evaluation runs may call. The evaluation
   * worker's role may invoke these and no other model; with none, the bedrock provider is refused.
   * @default - none
   */
  readonly evalModels?: readonly string[];
  /**
   * Environments where canary analysis judges each deployment: AppConfig calls the canary tick at every
   * deployment tick there, and a candidate version significantly worse than the version it replaces
   * rolls the deployment back. Each must be one of `environments`; empty turns canary analysis off.
   * @default - the protected environments
   */
  readonly canaryAnalysis?: readonly string[];
  /**
   * Environments whose shadow candidates' outputs are captured for comparison (docs/shadows.md): the
   * app writes output pairs under `shadow-outputs/` in the bodies bucket, which expire with the
   * feedback retention, and grantShadowCapture lets its role write them. Outputs may hold personal
   * data. Each must be one of `environments`.
   * @default - none: no environment captures outputs
   */
  readonly shadowOutputCapture?: readonly string[];
  /**
   * A difference counts only when the test's p-value is below this; more than 0, less than 1.
   * @default 0.01
   */
  readonly canaryMaxPValue?: number;
  /**
   * Samples (invocations or ratings) both the baseline and the candidate need before they are judged;
   * fewer is `insufficient-data`, which never rolls back. A whole number, at least 1.
   * @default 50
   */
  readonly canaryMinSamples?: number;
  /**
   * How much higher the candidate's error rate must be than the baseline's to fail, as a fraction
   * (0.02 is 2 percentage points); from 0 to 1.
   * @default 0.02
   */
  readonly canaryErrorRateMargin?: number;
  /**
   * How much higher the candidate's negative-feedback rate must be than the baseline's to fail, as a
   * fraction (0.10 is 10 percentage points); from 0 to 1.
   * @default 0.1
   */
  readonly canaryNegativeFeedbackMargin?: number;
  /**
   * The candidate fails when its p99 latency (its mean where percentiles are missing) is more than this
   * many times the baseline's; more than 1.
   * @default 1.5
   */
  readonly canaryLatencyRatio?: number;
  /**
   * Days after publishing that a version an environment still pins is due for review: the daily
   * reminder tells the owners' topic (docs/maintenance.md). A whole number from 1 to 3650.
   * @default 180
   */
  readonly reviewEveryDays?: number;
  /**
   * Model retirements added to the list PromptOps ships (`src/core/model-retirements.json`); an entry
   * replaces a shipped one for the same model id. Pinned versions on these models are due for review.
   * At most 40 entries.
   * @default - the shipped list only
   */
  readonly modelRetirements?: readonly ModelRetirement[];
  /**
   * The rollback decision matrix: per environment, the alarms (`ErrorRate`, `P99Latency`,
   * `NegativeFeedbackRate`) whose ALARM rolls a deployment back by itself; the ones left out only
   * notify operators. Each environment keeps at least one. See docs/runbooks/README.md.
   * @default - all three in every environment
   */
  readonly rollbackAlarms?: Readonly<Record<string, readonly string[]>>;
  /**
   * Where docs/runbooks/ is published (an https URL): alarm descriptions and notifications link
   * `<runbookBaseUrl>/<runbook>.md` instead of naming the file.
   * @default - descriptions name the file, `docs/runbooks/<runbook>.md`
   */
  readonly runbookBaseUrl?: string;
}

/** Props of {@link PromptOps}: the settings and the construct's own options. */
export interface PromptOpsProps extends PromptOpsSettingsProps {
  /**
   * AppConfig application name (clients address it by name); also the prefix of the replica's names.
   * @default 'promptops'
   */
  readonly applicationName?: string;
  /**
   * HTTP API stage throttling; a limit left out takes its default.
   * @default { rateLimit: 50, burstLimit: 100 }
   */
  readonly apiThrottle?: apigwv2.ThrottleSettings;
  /**
   * Concurrency reserved (and capped) for each API handler that sets none of its own (the deploy
   * handler reserves 5 and the feedback handler 20): at most this many requests per handler run at
   * once, and a flood on one route cannot use up the account's pool. A whole number from 1 to 100.
   * Every PromptOps function reserves concurrency; their total must leave the account's 100 unreserved
   * (README, "Reserved concurrency").
   * @default 25
   */
  readonly apiReservedConcurrency?: number;
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
   * Add the PromptOps handlers: the API routes, the AppConfig validator, the deployment-events
   * recorder, the evaluation worker and the canary tick. Turn off only to add your own with `addApiHandler`.
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
   * Version objects in the bodies bucket (docs/architecture.md, "Ten thousand prompts").
   * @default - none
   */
  readonly versionObjects?: 'read' | 'readWrite';
  /**
   * The refs version items record, and nothing else of the table: keys and `ref` of prompt items by
   * BatchGetItem (the config validator's registry check, docs/architecture.md "Ten thousand prompts").
   * @default - none
   */
  readonly versionRefs?: 'read';
  /**
   * Evaluation suite texts and the test results of runs, in the bodies bucket.
   * @default - none
   */
  readonly evaluations?: 'read' | 'readWrite';
  /**
   * AppConfig: 'read' reads deployments and configuration versions; 'deploy' also creates versions
   * and starts and stops deployments.
   * @default - none
   */
  readonly appConfig?: 'read' | 'deploy';
}

/** Options of {@link PromptOps.addApiHandler}. */
export interface PromptOpsHandlerOptions extends ApiHandlerOptions {
  /**
   * What the handler may touch.
   * @default - no access to PromptOps resources
   */
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
   * How long an invocation may run.
   * @default Duration.seconds(10)
   */
  readonly timeout?: Duration;
  /**
   * Environment variables in addition to the common ones.
   * @default - none
   */
  readonly environment?: Readonly<Record<string, string>>;
  /**
   * What the function may touch.
   * @default - no access to PromptOps resources
   */
  readonly access?: HandlerAccess;
}

/** Options of {@link PromptOps.addEvaluationWorker}. */
export interface PromptOpsEvaluationWorkerOptions extends PromptOpsFunctionOptions {
  /**
   * Concurrency reserved (and capped) for the worker: how many runs execute at once. Runs started
   * beyond it wait in Lambda's asynchronous queue.
   * @default - unreserved
   */
  readonly reservedConcurrentExecutions?: number;
}

/** Options of {@link PromptOps.addPinnedScanHandler}. */
export interface PromptOpsPinnedScanOptions extends PromptOpsFunctionOptions {
  /**
   * When the scan runs.
   * @default events.Schedule.rate(Duration.days(1))
   */
  readonly schedule?: events.Schedule;
}

/** Which environments a grant covers. */
export interface EnvironmentScope {
  /**
   * Environments the grant covers.
   * @default - all configured environments
   */
  readonly environments?: readonly string[];
}

const APPLICATION_NAME = /^[a-z][a-z0-9-]{1,19}$/;

/**
 * Lambda keeps 100 of an account's concurrency unreserved; a default account has 1000. Reservations
 * beyond the difference fail the deployment, so synthesis refuses them first.
 */
export const MAX_TOTAL_RESERVED_CONCURRENCY = 900;

/**
 * PromptOps in one construct: versioned prompts in S3 and DynamoDB, delivered through AppConfig with
 * gradual rollouts that alarms roll back, an IAM-authorized HTTP API, alarms, a dashboard and backups.
 * Grant people and apps what they need with the `grant*` methods.
 *
 * @example
 * const promptOps = new PromptOps(stack, 'PromptOps', {
 *   environments: ['dev', 'prod'],
 *   defaultStrategies: { prod: appconfig.DeploymentStrategyId.CANARY_10_PERCENT_20_MINUTES },
 *   alarmP99Latency: Duration.seconds(10),
 *   feedbackRetention: FeedbackRetention.after(Duration.days(90)),
 *   operatorEmails: ['oncall@example.com'],
 * });
 * promptOps.grantRead(appFunction, { environments: ['prod'] });
 * promptOps.grantPublish(authorsRole);
 */
export class PromptOps extends Construct {
  /** The settings, resolved and checked, with every default filled in. */
  readonly settings: PromptOpsSettings;
  /** The AppConfig application name. */
  readonly applicationName: string;
  /** Bodies bucket, registry and feedback tables, and their key. */
  readonly store: PromptStore;
  /** The HTTP API and its handlers. */
  readonly api: PromptApi;
  /** Rollback alarms, operators' topic, dead letters and dashboard. */
  readonly observability: PromptObservability;
  /** The AppConfig application, environments, profile and strategies. */
  readonly delivery: PromptDelivery;
  /** Daily backups of the tables. */
  readonly backup: PromptBackup;
  /** Environment variables every PromptOps function gets: resource names and ids, and settings. */
  readonly handlerEnvironment: Readonly<Record<string, string>>;
  /**
   * Key of the HMAC that hashes feedback identities.
   * @default - none when the PromptOps handlers are not added (`handlers: false`)
   */
  readonly feedbackHashSecret?: secretsmanager.ISecret;
  private readonly wiring: PromptOpsWiring;
  private reviewReminder?: ReviewReminder;

  constructor(scope: Construct, id: string, props: PromptOpsProps = {}) {
    super(scope, id);
    this.settings = promptOpsSettings(this, props);
    this.applicationName = props.applicationName ?? APPCONFIG.application;
    const logRetention = props.logRetention ?? FUNCTION_DEFAULTS.logRetention;
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

    this.store = new PromptStore(
      this,
      'Store',
      replicaRegion ? { replica: { region: replicaRegion, applicationName: this.applicationName } } : {},
    );
    // Captured shadow outputs (docs/shadows.md) expire with the feedback retention.
    if (this.settings.shadowOutputCapture.length > 0 && this.settings.feedbackRetentionDays !== undefined)
      this.store.expireShadowOutputs(Duration.days(this.settings.feedbackRetentionDays));
    // Every log group and queue below is encrypted with the data key (README, "Security").
    const securityDefaults = SecurityDefaults.register(this, this.store.key);
    this.api = new PromptApi(this, 'Api', {
      logRetention,
      ...(props.apiThrottle ? { throttle: props.apiThrottle } : {}),
      ...(props.apiReservedConcurrency !== undefined
        ? { reservedConcurrency: props.apiReservedConcurrency }
        : {}),
    });
    this.observability = new PromptObservability(this, 'Observability', {
      applicationName: this.applicationName,
      environments: this.settings.environments,
      thresholds: this.settings,
      rollbackAlarms: this.settings.rollbackAlarms,
      ...(this.settings.runbookBaseUrl !== undefined ? { runbookBaseUrl: this.settings.runbookBaseUrl } : {}),
      operatorEmails: this.settings.operatorEmails,
      httpApi: this.api.httpApi,
      tables: { registry: this.store.table, feedback: this.store.feedbackTable },
      logRetention,
    });
    // Functions invoked asynchronously send what still fails to the operators' dead-letter queue.
    securityDefaults.useDeadLetterQueue(this.observability.deadLetters);
    this.delivery = new PromptDelivery(this, 'Delivery', {
      applicationName: this.applicationName,
      environments: this.settings.environments,
      monitors: Object.fromEntries(
        this.settings.environments.map((env) => [env, this.observability.alarms(env).composite]),
      ),
      ...(props.customStrategies ? { customStrategies: props.customStrategies } : {}),
      key: this.store.key,
      topic: this.observability.topic,
      // The notifier among the handlers tells operators of deployment events; raw text would repeat it.
      rawTopicNotifications: props.handlers === false,
      deploymentEventsLog: this.observability.deploymentEvents,
      deadLetterQueue: this.observability.deadLetters,
      logRetention,
    });
    this.observability.monitorFunction('initial-manifest', this.delivery.initialManifestFunction);
    this.backup = new PromptBackup(this, 'Backup', {
      tables: [this.store.table, this.store.feedbackTable],
      key: this.store.key,
      ...(replicaRegion
        ? { copyToVaultArn: replicaNames(this, this.applicationName, replicaRegion).backupVaultArn }
        : {}),
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
    this.wiring = new PromptOpsWiring(this, {
      notifierEnvironment: {
        ...notifierSettingsEnvironment(this.settings),
        [ENV.applicationName]: this.applicationName,
      },
      store: this.store,
      api: this.api,
      delivery: this.delivery,
      observability: this.observability,
      handlerEnvironment: this.handlerEnvironment,
      logRetention,
      evalModels: evalModelsOf(props),
      canaryEnvironments: this.settings.canaryAnalysis,
    });
    if (props.handlers !== false) this.feedbackHashSecret = addPromptOpsHandlers(this, this.store.key);
    this.node.addValidation({ validate: () => this.checkReservedConcurrency() });
  }

  /** The reserved concurrency of every function in this construct, by construct path. */
  get reservedConcurrency(): Readonly<Record<string, number>> {
    const reserved: Record<string, number> = {};
    for (const child of this.node.findAll()) {
      if (!(child instanceof lambda.CfnFunction)) continue;
      const value = Stack.of(this).resolve(child.reservedConcurrentExecutions);
      if (typeof value === 'number') reserved[child.node.path] = value;
    }
    return reserved;
  }

  private checkReservedConcurrency(): string[] {
    const reserved = this.reservedConcurrency;
    const total = Object.values(reserved).reduce((sum, n) => sum + n, 0);
    if (total <= MAX_TOTAL_RESERVED_CONCURRENCY) return [];
    const largest = Object.entries(reserved)
      .sort((a, b) => b[1] - a[1])
      .slice(0, 5)
      .map(([path, n]) => `${path} ${n}`)
      .join(', ');
    return [
      `the functions reserve ${total} concurrent executions in total, more than the ${MAX_TOTAL_RESERVED_CONCURRENCY} a default account can reserve (quota 1000, of which Lambda keeps 100 unreserved); lower apiReservedConcurrency or the functions' reservedConcurrentExecutions (largest: ${largest})`,
    ];
  }

  /** The HTTP API's invoke URL (ends with a slash). */
  get apiUrl(): string {
    return this.api.url;
  }

  /** Console URL of the CloudWatch dashboard. */
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
    return this.wiring.addApiHandler(name, options);
  }

  /**
   * Adds the AppConfig validator Lambda: AppConfig runs it on every configuration version it deploys.
   * Its timeout is at most 15 seconds, and it may not ask for `access.appConfig`.
   */
  addConfigValidator(options: PromptOpsFunctionOptions): NodejsFunction {
    return this.wiring.addConfigValidator(options);
  }

  /** Adds the Lambda that records AppConfig deployment events (EventBridge target with retries and DLQ). */
  addDeploymentEventsHandler(options: PromptOpsFunctionOptions): NodejsFunction {
    return this.wiring.addDeploymentEventsHandler(options);
  }

  /**
   * Adds the Lambda that runs evaluation suites. The evaluate API handler invokes it asynchronously;
   * an event that still fails after one retry, or waits longer than 6 hours, goes to the dead-letter
   * queue. Its role may invoke the Bedrock models `evalModels` lists and no other (none when empty).
   * It may not ask for `access.appConfig`.
   */
  addEvaluationWorker(options: PromptOpsEvaluationWorkerOptions): NodejsFunction {
    return this.wiring.addEvaluationWorker(options);
  }

  /**
   * Adds the canary tick: an AppConfig extension calls it at every deployment tick (about once a
   * minute while a deployment is in progress or baking) in the `canaryAnalysis` environments, and its
   * error rolls the deployment back. Its role may read CloudWatch metrics (GetMetricData, which IAM
   * allows only on "*") and the environments' deployments. `access.appConfig` may be 'read' at most.
   */
  addCanaryTickHandler(options: PromptOpsFunctionOptions): NodejsFunction {
    return this.wiring.addCanaryTickHandler(options);
  }

  /**
   * Adds the daily review reminder (docs/maintenance.md): once a day it lists the versions the
   * environments pin that were published more than `reviewEveryDays` ago or run on a model on the
   * retirement list, and publishes one message per owner to the owners' topic (`ownersTopic`),
   * encrypted with the data key. It may not ask for `access.appConfig`.
   */
  addReviewReminderHandler(options: PromptOpsFunctionOptions): NodejsFunction {
    this.reviewReminder = this.wiring.addReviewReminderHandler(options, this.store.key);
    return this.reviewReminder.function;
  }

  /**
   * The owners' topic the review reminder publishes to: subscribe a team with a filter policy on the
   * `owner` message attribute (`{"owner": ["support-team"]}`).
   * @default - none until `addReviewReminderHandler` (the PromptOps handlers add it)
   */
  get ownersTopic(): sns.ITopic | undefined {
    return this.reviewReminder?.topic;
  }

  /**
   * Adds the notifier (docs/runbooks/README.md): EventBridge sends it every environment alarm's state
   * change and every deployment event; it tells operators each transition once, on the operators'
   * topic, with what was deployed, what AppConfig did, the next commands and the runbook. The alarms'
   * own actions then go to a delayed queue it reads, and are forwarded only for a transition it has
   * not told. Needs the deployment events off the topic (`handlers` true). `access.appConfig` may be
   * 'read' at most.
   */
  addNotifier(options: PromptOpsFunctionOptions): NodejsFunction {
    return this.wiring.addNotifier(options);
  }

  /**
   * Adds the scheduled scan: an EventBridge schedule (daily by default) invokes it to lint every
   * version pinned in any environment with the current rules; findings go to the operators' topic
   * and one audit entry per run. Its role reads what `access` allows (the registry and bodies at
   * most), appends audit items only and publishes to the operators' topic.
   */
  addPinnedScanHandler(options: PromptOpsPinnedScanOptions): NodejsFunction {
    return this.wiring.addPinnedScanHandler(options);
  }

  /**
   * The feedback reconciler (docs/architecture.md, "Exact feedback counts"): every 2 minutes it
   * recounts the aggregate shards that failed or killed posts left pending or dirty. Its role may
   * Query the feedback table and its pending index and get and update its items, nothing else.
   */
  addFeedbackReconciler(options: PromptOpsFunctionOptions): NodejsFunction {
    return this.wiring.addFeedbackReconciler(options);
  }

  /**
   * For apps: read prompt manifests from AppConfig (StartConfigurationSession, GetLatestConfiguration
   * on the `prompts` profile), read bodies referenced from them (s3:GetObject) and decrypt (kms:Decrypt).
   */
  grantRead(grantee: iam.IGrantable, scope: EnvironmentScope = {}): iam.Grant {
    const bodies = this.store.grantReadBodies(grantee);
    acknowledgeBodies(this.store, grantee);
    // Schema 2 manifests name version objects the client reads on first use.
    const versionObjects = this.store.grantReadVersionObjects(grantee);
    acknowledgeVersionObjects(this.store, grantee);
    return bodies.combine(versionObjects).combine(this.delivery.grantReadConfig(grantee, scope.environments));
  }

  /**
   * For authors: publish versions, archive and unarchive prompts, upload evaluation suites, start
   * evaluation runs, read prompts and the review-due list through the API.
   */
  grantPublish(grantee: iam.IGrantable): iam.Grant {
    return this.api.grantInvoke(grantee, PUBLISHER_ROUTES);
  }

  /** For reviewers: approve versions, deprecate them or lift a deprecation, and read prompts through the API. */
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

  /**
   * For apps whose environments capture shadow outputs (`shadowOutputCapture`, docs/shadows.md):
   * s3:PutObject under `shadow-outputs/<env>/` of the bodies bucket for the given environments (all
   * by default) and kms:GenerateDataKey on the data key. Nothing to read, list or delete.
   */
  grantShadowCapture(grantee: iam.IGrantable, scope: EnvironmentScope = {}): iam.Grant {
    for (const env of scope.environments ?? []) this.agentPath(env);
    return this.store.grantWriteShadowOutputs(grantee, scope.environments);
  }
}
