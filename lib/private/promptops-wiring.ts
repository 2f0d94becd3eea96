/**
 * How PromptOps builds and connects a function: the common environment variables, its grants, its
 * dashboard widgets and the cdk-nag acknowledgements a synchronous or validator function needs. The
 * construct's `addApiHandler`, `addConfigValidator`, `addDeploymentEventsHandler`,
 * `addEvaluationWorker`, `addCanaryTickHandler` and `addPinnedScanHandler` delegate here.
 */
import { Duration, Validations } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import type * as logs from 'aws-cdk-lib/aws-logs';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { ENV } from '../../src/core/contracts.ts';
import type { PromptApi } from '../constructs/prompt-api.ts';
import type { PromptDelivery } from '../constructs/prompt-delivery.ts';
import type { PromptObservability } from '../constructs/prompt-observability.ts';
import type { PromptStore } from '../constructs/prompt-store.ts';
import type {
  HandlerAccess,
  PromptOpsEvaluationWorkerOptions,
  PromptOpsFunctionOptions,
  PromptOpsHandlerOptions,
  PromptOpsPinnedScanOptions,
} from '../promptops.ts';
import { grantAppendAudit } from './audit-grant.ts';
import { grantBedrockModels } from './bedrock-models.ts';
import { grantHandlerAccess } from './handler-access.ts';
import { acknowledgeWildcardResource } from './nag.ts';
import { type AsyncInvokeOptions, FUNCTION_DEFAULTS, PromptFunction } from './prompt-function.ts';
import { QueueDestination, secureQueue } from './security-defaults.ts';
import { PropsValidator } from './validation.ts';

/** AppConfig caps a Lambda validator's run at 15 seconds. */
const MAX_VALIDATOR_SECONDS = 15;

/**
 * An evaluation event is retried once: the worker leaves a run that is no longer RUNNING as it is, so
 * a retry only finishes what a failed attempt left, and one retry bounds what a failing run spends
 * on model calls. Throttled events (reserved concurrency) wait up to the event age.
 */
const EVALUATION_RETRY_ATTEMPTS = 1;
const EVALUATION_MAX_EVENT_AGE = Duration.hours(6);

/**
 * How long CloudWatch's own alarm action waits before the notifier looks at it: the EventBridge path
 * normally tells a transition within seconds, so the fallback forwards only what it missed.
 */
export const ALARM_FALLBACK_DELAY = Duration.minutes(5);

/** A tick reads a few metrics per changed prompt and writes one item; AppConfig waits for its answer. */
const CANARY_TICK_TIMEOUT = Duration.seconds(30);

/** The reminder reads every pinned version once a day: a library of thousands fits in a minute. */
const REVIEW_REMINDER_TIMEOUT = Duration.minutes(1);

/** What addReviewReminderHandler adds. */
export interface ReviewReminder {
  readonly function: NodejsFunction;
  /** The owners' topic the reminder publishes to, one message per owner (`owner` message attribute). */
  readonly topic: sns.Topic;
}
/** The scan reads every pinned version (8 at a time) and lints it: minutes for thousands of pins. */
const PINNED_SCAN_TIMEOUT = Duration.minutes(5);
/** Re-lint what is deployed once a day (README, "Security"). */
export const PINNED_SCAN_SCHEDULE = events.Schedule.rate(Duration.days(1));

/**
 * The feedback reconciler runs every 2 minutes; it settles what is pending for longer than its
 * 2-minute grace, so a killed post is counted within 4 minutes (docs/architecture.md).
 */
export const FEEDBACK_RECONCILER_SCHEDULE = events.Schedule.rate(Duration.minutes(2));
/** One run at a time: two would only race each other's conditional settles. */
const FEEDBACK_RECONCILER_CONCURRENCY = 1;
/** A missed run is worth retrying for a few hours; the next day's run comes anyway. */
const PINNED_SCAN_MAX_EVENT_AGE = Duration.hours(6);

export interface PromptOpsWiringProps {
  readonly store: PromptStore;
  readonly api: PromptApi;
  readonly delivery: PromptDelivery;
  readonly observability: PromptObservability;
  /** Environment variables every PromptOps function gets. */
  readonly handlerEnvironment: Readonly<Record<string, string>>;
  readonly logRetention: logs.RetentionDays;
  /** Bedrock model ids the evaluation worker may invoke. */
  readonly evalModels: readonly string[];
  /** Environments whose deployments the canary tick judges. */
  readonly canaryEnvironments: readonly string[];
  /** The notifier's own variables (decision matrix, runbooks, application name). */
  readonly notifierEnvironment: Readonly<Record<string, string>>;
}

export class PromptOpsWiring {
  private readonly scope: Construct;
  private readonly props: PromptOpsWiringProps;

  constructor(scope: Construct, props: PromptOpsWiringProps) {
    this.scope = scope;
    this.props = props;
  }

  addApiHandler(name: string, options: PromptOpsHandlerOptions): NodejsFunction {
    const { access, ...handlerOptions } = options;
    // Only handlers with a write route keep Idempotency-Key records (docs/architecture.md).
    const writes = options.routes.some((route) => route.method !== 'GET');
    const idempotency: Record<string, string> = writes
      ? { [ENV.idempotencyTable]: this.props.store.idempotencyTable.tableName }
      : {};
    // PromptApi marks its handlers synchronous (no dead-letter queue), with the reason.
    const fn = this.props.api.addHandler(name, {
      ...handlerOptions,
      environment: { ...this.props.handlerEnvironment, ...idempotency, ...handlerOptions.environment },
    });
    this.grantAccess(fn, access);
    if (writes) this.props.store.grantIdempotency(fn);
    this.props.observability.monitorFunction(name, fn);
    return fn;
  }

  addConfigValidator(options: PromptOpsFunctionOptions): NodejsFunction {
    const timeout = options.timeout ?? FUNCTION_DEFAULTS.timeout;
    const check = new PropsValidator(this.scope);
    check.check(
      timeout.toSeconds() <= MAX_VALIDATOR_SECONDS,
      `config validator timeout must be at most ${MAX_VALIDATOR_SECONDS} seconds, AppConfig's limit for a validator (got ${timeout.toSeconds()} s)`,
    );
    check.check(
      this.scope.node.tryFindChild('ConfigValidator') === undefined,
      'a config validator was already added',
    );
    check.check(
      options.access?.appConfig === undefined,
      `config validator access.appConfig must be left out (got "${options.access?.appConfig}"): the profile refers to the validator, so the validator cannot refer back to the profile; AppConfig passes it the ids it needs`,
    );
    check.throwIfAny();
    // Without the profile id, for the same reason.
    const { [ENV.appConfigProfileId]: _profileId, ...environment } = this.props.handlerEnvironment;
    const fn = this.newFunction(
      'ConfigValidator',
      'PromptOps: validates manifests before AppConfig deploys them',
      { ...options, timeout },
      {
        environment,
        noDeadLetterQueueBecause:
          'invoked synchronously by AppConfig as a validator; a failure rejects the deployment',
      },
    );
    this.props.delivery.addValidator(fn);
    this.props.observability.monitorFunction('config-validator', fn);
    return fn;
  }

  addDeploymentEventsHandler(options: PromptOpsFunctionOptions): NodejsFunction {
    const check = new PropsValidator(this.scope);
    check.check(
      this.scope.node.tryFindChild('DeploymentEvents') === undefined,
      'a deployment-events handler was already added',
    );
    check.throwIfAny();
    const fn = this.newFunction(
      'DeploymentEvents',
      'PromptOps: records AppConfig deployment events',
      options,
      {
        deadLetterQueue: this.props.observability.deadLetters,
      },
    );
    this.props.delivery.addDeploymentEventsTarget(fn);
    this.props.observability.monitorFunction('deployment-events', fn);
    return fn;
  }

  addEvaluationWorker(options: PromptOpsEvaluationWorkerOptions): NodejsFunction {
    const check = new PropsValidator(this.scope);
    check.check(
      this.scope.node.tryFindChild('EvaluationWorker') === undefined,
      'an evaluation worker was already added',
    );
    check.check(
      options.access?.appConfig === undefined,
      `evaluation worker access.appConfig must be left out (got "${options.access?.appConfig}"): running a suite never touches AppConfig`,
    );
    check.throwIfAny();
    const deadLetters = this.props.observability.deadLetters;
    const fn = this.newFunction('EvaluationWorker', 'PromptOps: runs evaluation suites', options, {
      asyncInvoke: {
        onFailure: new QueueDestination(deadLetters),
        retryAttempts: EVALUATION_RETRY_ATTEMPTS,
        maxEventAge: EVALUATION_MAX_EVENT_AGE,
      },
      ...(options.reservedConcurrentExecutions !== undefined
        ? { reservedConcurrentExecutions: options.reservedConcurrentExecutions }
        : {}),
    });
    // PromptFunction records why an on-failure destination needs no dead-letter queue besides.
    grantBedrockModels(fn, this.props.evalModels);

    this.props.observability.monitorFunction('evaluation-worker', fn);
    return fn;
  }

  addCanaryTickHandler(options: PromptOpsFunctionOptions): NodejsFunction {
    const check = new PropsValidator(this.scope);
    check.check(
      this.scope.node.tryFindChild('CanaryTick') === undefined,
      'a canary tick handler was already added',
    );
    check.check(
      options.access?.appConfig === undefined || options.access.appConfig === 'read',
      `canary tick access.appConfig must be "read" or left out (got "${options.access?.appConfig}"): AppConfig rolls back on the tick's error, the tick never deploys`,
    );
    check.throwIfAny();
    const fn = this.newFunction(
      'CanaryTick',
      'PromptOps: judges canary versions against their baselines at every AppConfig deployment tick',
      { ...options, timeout: options.timeout ?? CANARY_TICK_TIMEOUT },
      {
        noDeadLetterQueueBecause:
          'invoked synchronously by AppConfig at AT_DEPLOYMENT_TICK; its error rolls the deployment back and the next tick calls it again',
      },
    );
    this.props.delivery.grantGetDeployments(fn);
    // GetMetricData takes no resource: IAM authorizes it on "*" only.
    fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['cloudwatch:GetMetricData'], resources: ['*'] }));
    acknowledgeWildcardResource(
      fn,
      '*',
      `${fn.node.path}: cloudwatch:GetMetricData supports no resource-level permissions, so IAM allows it only on "*"; the tick reads the PromptOps EMF metrics of the versions it judges`,
    );
    this.props.delivery.addCanaryExtension(fn, this.props.canaryEnvironments);
    this.props.observability.monitorFunction('canary-tick', fn);
    return fn;
  }

  /**
   * The daily review reminder (docs/maintenance.md): a function on an EventBridge schedule that reads
   * the registry and publishes to the owners' topic, encrypted with `key`.
   */
  addReviewReminderHandler(options: PromptOpsFunctionOptions, key: kms.IKey): ReviewReminder {
    const check = new PropsValidator(this.scope);
    check.check(
      this.scope.node.tryFindChild('ReviewReminders') === undefined,
      'a review reminder handler was already added',
    );
    check.check(
      options.access?.appConfig === undefined,
      `review reminder access.appConfig must be left out (got "${options.access?.appConfig}"): the reminder reads the registry only`,
    );
    check.throwIfAny();
    const topic = new sns.Topic(this.scope, 'OwnersTopic', {
      displayName: 'PromptOps prompt owners',
      masterKey: key,
      enforceSSL: true,
    });
    const fn = this.newFunction(
      'ReviewReminders',
      'PromptOps: tells prompt owners which pinned versions are due for review',
      {
        ...options,
        timeout: options.timeout ?? REVIEW_REMINDER_TIMEOUT,
        environment: { [ENV.ownersTopicArn]: topic.topicArn, ...options.environment },
      },
      { deadLetterQueue: this.props.observability.deadLetters },
    );
    // Publish on this topic and the two key actions SNS needs for its encryption; not grantPublish,
    // whose kms:GenerateDataKey* is a wildcard action.
    iam.Grant.addToPrincipal({ grantee: fn, actions: ['sns:Publish'], resourceArns: [topic.topicArn] });
    key.grant(fn, 'kms:Decrypt', 'kms:GenerateDataKey');
    new events.Rule(this.scope, 'ReviewRemindersSchedule', {
      description: 'PromptOps: the daily review reminder',
      schedule: events.Schedule.rate(Duration.days(1)),
      targets: [
        new targets.LambdaFunction(fn, {
          deadLetterQueue: this.props.observability.deadLetters,
          retryAttempts: 2,
          maxEventAge: Duration.hours(6),
        }),
      ],
    });
    this.props.observability.monitorFunction('review-reminders', fn);
    return { function: fn, topic };
  }

  addNotifier(options: PromptOpsFunctionOptions): NodejsFunction {
    const { delivery, observability } = this.props;
    const check = new PropsValidator(this.scope);
    check.check(this.scope.node.tryFindChild('Notifier') === undefined, 'a notifier was already added');
    check.check(
      !delivery.rawTopicNotifications,
      "a notifier needs the deployment events off the operators' topic (handlers: true): they would be sent twice",
    );
    check.check(
      options.access?.appConfig === undefined || options.access.appConfig === 'read',
      `notifier access.appConfig must be "read" or left out (got "${options.access?.appConfig}"): it reads deployments, it never deploys`,
    );
    check.throwIfAny();
    const deadLetters = observability.deadLetters;
    const fn = this.newFunction(
      'Notifier',
      'PromptOps: tells operators of alarm transitions and deployment events, once, with the next commands and the runbook',
      { ...options, environment: { ...this.props.notifierEnvironment, ...options.environment } },
      { deadLetterQueue: deadLetters },
    );
    fn.addEnvironment(ENV.operatorsTopicArn, observability.topic.topicArn);
    // Publish to the one topic, with its key: what an encrypted topic needs of a publisher, no wildcard.
    iam.Grant.addToPrincipal({
      grantee: fn,
      actions: ['sns:Publish'],
      resourceArns: [observability.topic.topicArn],
    });
    observability.topicKey.grant(fn, 'kms:GenerateDataKey', 'kms:Decrypt');
    delivery.grantGetDeployments(fn);

    // The enriched path: every environment alarm's state change, by ARN, and every deployment event.
    const target = new targets.LambdaFunction(fn, {
      deadLetterQueue: deadLetters,
      retryAttempts: 10,
      maxEventAge: Duration.hours(24),
    });
    new events.Rule(this.scope, 'AlarmStateChangeRule', {
      description: 'PromptOps alarm state changes, for the notifier',
      eventPattern: {
        source: ['aws.cloudwatch'],
        detailType: ['CloudWatch Alarm State Change'],
        resources: observability.everyEnvironmentAlarm.map((alarm) => alarm.alarmArn),
      },
      targets: [target],
    });
    delivery.deploymentEventsRule.addTarget(target);

    // The fallback: the alarms' own actions, delayed, forwarded only when the notifier missed them.
    const fallbackTopic = new sns.Topic(this.scope, 'AlarmActions', {
      displayName: 'PromptOps alarm actions (read by the notifier)',
      masterKey: observability.topicKey,
      enforceSSL: true,
    });
    // Encrypted with the data key like every PromptOps queue; SNS of this account may deliver to it.
    const fallbackQueue = secureQueue(this.scope, 'AlarmFallback', {
      deliveryDelay: ALARM_FALLBACK_DELAY,
      visibilityTimeout: Duration.seconds(fn.timeout ? fn.timeout.toSeconds() * 6 : 60),
      retentionPeriod: Duration.days(4),
      deadLetterQueue: { queue: deadLetters, maxReceiveCount: 5 },
    });
    fallbackTopic.addSubscription(
      new subscriptions.SqsSubscription(fallbackQueue, { deadLetterQueue: deadLetters }),
    );
    observability.routeAlarmActionsThrough(fallbackTopic);
    fn.addEventSource(new SqsEventSource(fallbackQueue, { batchSize: 10, reportBatchItemFailures: true }));
    Validations.of(fn).acknowledge({
      id: 'Serverless-LambdaEventSourceMappingDestination',
      reason: `${fn.node.path}: its SQS event source (${fallbackQueue.node.path}) redrives a message that failed 5 receives to ${deadLetters.node.path}; Lambda takes no on-failure destination for SQS sources`,
    });
    observability.monitorFunction('notifier', fn);
    return fn;
  }

  addPinnedScanHandler(options: PromptOpsPinnedScanOptions): NodejsFunction {
    const check = new PropsValidator(this.scope);
    check.check(
      this.scope.node.tryFindChild('PinnedScan') === undefined,
      'a pinned scan handler was already added',
    );
    const access = options.access ?? {};
    check.check(
      access.registry !== 'readWrite' &&
        access.bodies !== 'readWrite' &&
        access.feedback === undefined &&
        access.evaluations === undefined &&
        access.appConfig === undefined,
      `pinned scan access may only read the registry and the bodies (got ${JSON.stringify(access)}): it appends its audit entry through a grant of its own and changes nothing else`,
    );
    check.throwIfAny();
    const { schedule = PINNED_SCAN_SCHEDULE, ...functionOptions } = options;
    const topic = this.props.observability.topic;
    // Invoked asynchronously by the schedule: Lambda retries twice, then the shared dead-letter queue
    // (PromptFunction's default) keeps the event and its alarm tells the operators.
    const fn = this.newFunction(
      'PinnedScan',
      'PromptOps: re-lints every pinned version with the current rules and notifies the operators of findings',
      { ...functionOptions, timeout: functionOptions.timeout ?? PINNED_SCAN_TIMEOUT },
      { environment: { ...this.props.handlerEnvironment, [ENV.operatorsTopicArn]: topic.topicArn } },
    );
    grantAppendAudit(this.props.store, fn);
    // The exact actions publishing to an encrypted topic needs (topic.grantPublish adds GenerateDataKey*).
    iam.Grant.addToPrincipal({ grantee: fn, actions: ['sns:Publish'], resourceArns: [topic.topicArn] });
    this.props.observability.topicKey.grant(fn, 'kms:Decrypt', 'kms:GenerateDataKey');
    const rule = new events.Rule(this.scope, 'PinnedScanSchedule', {
      description: 'PromptOps: runs the pinned-version scan (README, "Security")',
      schedule,
    });
    rule.addTarget(
      new targets.LambdaFunction(fn, {
        deadLetterQueue: this.props.observability.deadLetters,
        retryAttempts: 2,
        maxEventAge: PINNED_SCAN_MAX_EVENT_AGE,
      }),
    );
    this.props.observability.monitorFunction('pinned-scan', fn);
    return fn;
  }

  /**
   * The feedback reconciler (docs/architecture.md, "Exact feedback counts"): a function on an
   * EventBridge schedule that recounts the aggregate shards failed or killed posts left pending or
   * dirty, with the reconcile grant only (Query on the pending index, GetItem and UpdateItem).
   */
  addFeedbackReconciler(options: PromptOpsFunctionOptions): NodejsFunction {
    const check = new PropsValidator(this.scope);
    check.check(
      this.scope.node.tryFindChild('FeedbackReconciler') === undefined,
      'a feedback reconciler was already added',
    );
    check.check(
      options.access === undefined,
      `feedback reconciler access must be left out (got ${JSON.stringify(options.access)}): it has a grant of its own on the feedback table`,
    );
    check.throwIfAny();
    const fn = this.newFunction(
      'FeedbackReconciler',
      'PromptOps: recounts the feedback aggregate shards that failed or killed posts left pending',
      options,
      {
        deadLetterQueue: this.props.observability.deadLetters,
        reservedConcurrentExecutions: FEEDBACK_RECONCILER_CONCURRENCY,
      },
    );
    this.props.store.grantReconcileFeedback(fn);
    new events.Rule(this.scope, 'FeedbackReconcilerSchedule', {
      description: 'PromptOps: settles pending feedback counts (docs/architecture.md)',
      schedule: FEEDBACK_RECONCILER_SCHEDULE,
      targets: [
        new targets.LambdaFunction(fn, {
          deadLetterQueue: this.props.observability.deadLetters,
          retryAttempts: 0,
          // The next run finds the same entries: an old event is worth nothing.
          maxEventAge: Duration.minutes(2),
        }),
      ],
    });
    this.props.observability.monitorFunction('feedback-reconciler', fn);
    return fn;
  }

  private newFunction(
    id: string,
    description: string,
    options: PromptOpsFunctionOptions,
    extra: {
      readonly deadLetterQueue?: sqs.IQueue;
      readonly asyncInvoke?: AsyncInvokeOptions;
      readonly reservedConcurrentExecutions?: number;
      /** A function never invoked asynchronously: why it needs no dead-letter queue (PromptFunction). */
      readonly noDeadLetterQueueBecause?: string;
      /** Replaces the common environment variables. */
      readonly environment?: Readonly<Record<string, string>>;
    } = {},
  ): NodejsFunction {
    const fn = new PromptFunction(this.scope, id, {
      entry: options.entry,
      description,
      memorySize: options.memorySize ?? FUNCTION_DEFAULTS.memorySize,
      timeout: options.timeout ?? FUNCTION_DEFAULTS.timeout,
      environment: { ...(extra.environment ?? this.props.handlerEnvironment), ...options.environment },
      logRetention: this.props.logRetention,
      ...(extra.deadLetterQueue ? { deadLetterQueue: extra.deadLetterQueue } : {}),
      ...(extra.asyncInvoke ? { asyncInvoke: extra.asyncInvoke } : {}),
      ...(extra.reservedConcurrentExecutions !== undefined
        ? { reservedConcurrentExecutions: extra.reservedConcurrentExecutions }
        : {}),
      ...(extra.noDeadLetterQueueBecause !== undefined
        ? { noDeadLetterQueueBecause: extra.noDeadLetterQueueBecause }
        : {}),
    }).function;
    this.grantAccess(fn, options.access);
    return fn;
  }

  private grantAccess(grantee: iam.IGrantable, access: HandlerAccess = {}): iam.Grant {
    return grantHandlerAccess(grantee, access, this.props);
  }
}
