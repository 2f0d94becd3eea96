/**
 * Watching rollouts: per environment, alarms on the EMF metrics (error rate, p99 latency, negative
 * feedback, each with a minimum sample), a latency anomaly alarm, and the composite alarm that is the
 * environment's AppConfig monitor; the operators' SNS topic; and the dashboard.
 */
import { Duration, Lazy, Names, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import type { IHttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import {
  type AlarmThresholds,
  alarmExpression,
  alarmName,
  EXPRESSION_IDS,
  environmentDimensions,
  LATENCY_ANOMALY_RULE,
  RUNBOOKS,
  type RunbookFile,
  rollbackAlarmRules,
  runbookLink,
  splitByDecision,
  staleClientRule,
  type ThresholdAlarmRule,
} from '../../src/core/alarms.ts';
import { DIMENSION, METRIC_NAMESPACE, METRICS, type MetricDefinition } from '../../src/core/metrics.ts';
import { ROLE_DIMENSION } from '../../src/core/shadow-metrics.ts';
import { secureLogGroup, secureQueue } from '../private/security-defaults.ts';
import { pascalCase } from '../private/validation.ts';

/** Props of {@link PromptObservability}. */
export interface PromptObservabilityProps {
  /** The application (AppConfig name): alarms are named `<application>-<environment>-<alarm>`. */
  readonly applicationName: string;
  /** Environments to watch, in promotion order. */
  readonly environments: readonly string[];
  /** Thresholds and minimum samples of the rollback alarms. */
  readonly thresholds: AlarmThresholds;
  /**
   * The rollback decision matrix: per environment, the rules whose alarms make up its composite
   * (the AppConfig monitor); the others only notify.
   * @default - every rule rolls back in every environment
   */
  readonly rollbackAlarms?: Readonly<Record<string, readonly string[]>>;
  /**
   * Where docs/runbooks/ is published; alarm descriptions link `<runbookBaseUrl>/<file>`.
   * @default - descriptions name the file (`docs/runbooks/<file>`)
   */
  readonly runbookBaseUrl?: string;
  /**
   * Email addresses subscribed to the operators' topic.
   * @default - no subscriptions
   */
  readonly operatorEmails?: readonly string[];
  /** The HTTP API, for its request, error and latency widgets. */
  readonly httpApi: IHttpApi;
  /** Tables whose throttling the dashboard shows. */
  readonly tables: Readonly<Record<string, dynamodb.ITableV2>>;
  /**
   * Retention of the deployment events log.
   * @default logs.RetentionDays.ONE_YEAR
   */
  readonly logRetention?: logs.RetentionDays;
}

/** The alarms of one environment. */
export interface EnvironmentAlarms {
  /** ALARM when any rollback rule is: the environment's AppConfig monitor. */
  readonly composite: cloudwatch.CompositeAlarm;
  /** One alarm per rollback rule, by rule name (those the decision matrix makes notify only included). */
  readonly rules: Readonly<Record<string, cloudwatch.Alarm>>;
  /** Latency outside its learned band: tells operators, does not roll back. */
  readonly latencyAnomaly: cloudwatch.Alarm;
  /** Clients serving stale or fallback manifests: tells operators, does not roll back. */
  readonly staleClients: cloudwatch.Alarm;
}

const DASHBOARD_WIDTH = 24;

/** CloudWatch dynamic label: each SEARCH result line names its prompt and version. */
const VERSION_LABEL = `\${PROP('Dim.${DIMENSION.promptId}')} v\${PROP('Dim.${DIMENSION.promptVersion}')}`;

/**
 * Watching rollouts: per environment, the rollback alarms on the EMF metrics and the composite alarm
 * that is the environment's AppConfig monitor, plus a latency anomaly alarm; the operators' encrypted
 * topic, the dead-letter queue and the deployment events log; and the dashboard.
 */
export class PromptObservability extends Construct {
  /** Key of the operators' topic; CloudWatch and EventBridge may use it to publish. */
  readonly topicKey: kms.Key;
  /** Operators' topic: alarm transitions and AppConfig deployment events. */
  readonly topic: sns.Topic;
  /** Notifications and events that could not be delivered (email bounces, EventBridge target failures). */
  readonly deadLetters: sqs.Queue;
  /** Every AppConfig deployment event of the application, as EventBridge delivered it. */
  readonly deploymentEvents: logs.LogGroup;
  /** Notifications, events or evaluation runs could not be delivered (see docs/runbooks/dead-letters.md). */
  readonly deadLettersAlarm: cloudwatch.Alarm;
  /** Per-environment rows (deployments, error rate, latency, feedback, cost) and the service rows. */
  readonly dashboard: cloudwatch.Dashboard;
  private readonly alarmsByEnvironment = new Map<string, EnvironmentAlarms>();
  private readonly applicationName: string;
  private readonly runbookBaseUrl: string | undefined;
  /** Where the environment alarms' own actions publish: the operators' topic unless routed through a notifier. */
  private alarmActionTopic: sns.ITopic | undefined;
  private readonly alarmAction: cloudwatch.IAlarmAction = {
    bind: () => ({
      alarmActionArn: Lazy.string({ produce: () => (this.alarmActionTopic ?? this.topic).topicArn }),
    }),
  };
  private readonly lambdaWidgets: {
    readonly errors: cloudwatch.GraphWidget;
    readonly throttles: cloudwatch.GraphWidget;
    readonly duration: cloudwatch.GraphWidget;
  };

  constructor(scope: Construct, id: string, props: PromptObservabilityProps) {
    super(scope, id);
    this.applicationName = props.applicationName;
    this.runbookBaseUrl = props.runbookBaseUrl;

    this.topicKey = new kms.Key(this, 'TopicKey', {
      description: `PromptOps operators' topic key (${this.node.path})`,
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    // Alarm actions and EventBridge deliver to an encrypted topic only if they may use its key. Who may
    // publish at all is the topic policy's business, so the key statement carries no further condition.
    this.topicKey.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowCloudWatchAndEventBridgeToPublish',
        principals: [
          new iam.ServicePrincipal('cloudwatch.amazonaws.com'),
          new iam.ServicePrincipal('events.amazonaws.com'),
        ],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
        resources: ['*'],
      }),
    );
    this.topic = new sns.Topic(this, 'Operators', {
      displayName: 'PromptOps operators',
      masterKey: this.topicKey,
      enforceSSL: true,
    });

    this.deadLetters = secureQueue(this, 'DeadLetters', { retentionPeriod: Duration.days(14) });
    const dlqReason = `${this.deadLetters.node.path} is itself the dead-letter queue of the operators' email subscriptions, of the deployment-events rule targets and of the evaluation worker's failed runs`;
    Validations.of(this.deadLetters).acknowledge(
      { id: 'AwsSolutions-SQS3', reason: dlqReason },
      { id: 'Serverless-SQSRedrivePolicy', reason: dlqReason },
    );
    for (const email of props.operatorEmails ?? []) {
      this.topic.addSubscription(
        new subscriptions.EmailSubscription(email, { deadLetterQueue: this.deadLetters }),
      );
    }

    this.deploymentEvents = secureLogGroup(this, 'DeploymentEvents', {
      // EventBridge writes only to log groups whose names start with /aws/events/.
      logGroupName: `/aws/events/${Names.uniqueResourceName(this, { maxLength: 400, separator: '-' })}-deployments`,
      retention: props.logRetention ?? logs.RetentionDays.ONE_YEAR,
      removalPolicy: RemovalPolicy.RETAIN,
    });

    for (const environment of props.environments) {
      this.alarmsByEnvironment.set(
        environment,
        this.environmentAlarms(
          environment,
          props.thresholds,
          props.rollbackAlarms?.[environment] ?? rollbackAlarmRules(props.thresholds).map((r) => r.name),
        ),
      );
    }
    const deadLettersAlarm = new cloudwatch.Alarm(this, 'DeadLettersAlarm', {
      alarmDescription: `PromptOps: notifications, deployment events or evaluation runs could not be delivered; see ${this.deadLetters.node.path}. ${this.runbook(RUNBOOKS.deadLetters)}`,
      metric: this.deadLetters.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(5) }),
      threshold: 0,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    deadLettersAlarm.addAlarmAction(new actions.SnsAction(this.topic));
    this.deadLettersAlarm = deadLettersAlarm;

    this.lambdaWidgets = {
      errors: new cloudwatch.GraphWidget({ title: 'Lambda errors', width: 8, height: 6 }),
      throttles: new cloudwatch.GraphWidget({ title: 'Lambda throttles', width: 8, height: 6 }),
      duration: new cloudwatch.GraphWidget({ title: 'Lambda duration p99 (ms)', width: 8, height: 6 }),
    };
    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      defaultInterval: Duration.hours(3),
      periodOverride: cloudwatch.PeriodOverride.AUTO,
    });
    for (const environment of props.environments) this.addEnvironmentRows(environment);
    this.addServiceRows(props.httpApi, props.tables, deadLettersAlarm);
  }

  /** The alarms of `environment`; throws for an environment that is not watched. */
  alarms(environment: string): EnvironmentAlarms {
    const alarms = this.alarmsByEnvironment.get(environment);
    if (!alarms) {
      throw new Error(
        `${this.node.path}: no alarms for environment "${environment}" (watched: ${[...this.alarmsByEnvironment.keys()].join(', ')})`,
      );
    }
    return alarms;
  }

  /** Console URL of the dashboard. */
  get dashboardUrl(): string {
    const region = Stack.of(this).region;
    return `https://${region}.console.aws.amazon.com/cloudwatch/home?region=${region}#dashboards:name=${this.dashboard.dashboardName}`;
  }

  /** Puts a function's errors, throttles and p99 duration on the dashboard. */
  monitorFunction(label: string, fn: lambda.IFunction): void {
    const period = Duration.minutes(5);
    this.lambdaWidgets.errors.addLeftMetric(fn.metricErrors({ label, period }));
    this.lambdaWidgets.throttles.addLeftMetric(fn.metricThrottles({ label, period }));
    this.lambdaWidgets.duration.addLeftMetric(fn.metricDuration({ label, period, statistic: 'p99' }));
  }

  /**
   * Every environment alarm: the notifier's rule matches their state changes. The dead-letters alarm
   * is not one of them: it tells operators that the notification path itself is failing, so it keeps
   * publishing to the operators' topic directly.
   */
  get everyEnvironmentAlarm(): cloudwatch.IAlarm[] {
    return [...this.alarmsByEnvironment.values()].flatMap((a) => [
      a.composite,
      ...Object.values(a.rules),
      a.latencyAnomaly,
      a.staleClients,
    ]);
  }

  /**
   * Sends the environment alarms' own actions to `topic` instead of the operators' topic: a notifier
   * then forwards only the transitions it has not told (docs/runbooks/README.md). Once only.
   */
  routeAlarmActionsThrough(topic: sns.ITopic): void {
    if (this.alarmActionTopic) {
      throw new Error(
        `${this.node.path}: alarm actions are already routed through ${this.alarmActionTopic.node.path}`,
      );
    }
    this.alarmActionTopic = topic;
  }

  /** The sentence that closes every alarm description: where its runbook is. */
  private runbook(file: RunbookFile): string {
    return `Runbook: ${runbookLink(file, this.runbookBaseUrl)}`;
  }

  private environmentAlarms(
    environment: string,
    thresholds: AlarmThresholds,
    rollbackAlarms: readonly string[],
  ): EnvironmentAlarms {
    const id = pascalCase(environment);
    const action = this.alarmAction;
    const rules: Record<string, cloudwatch.Alarm> = {};
    const ruleAlarm = (rule: ThresholdAlarmRule, decision: string) =>
      new cloudwatch.Alarm(this, `${id}${rule.name}`, {
        alarmName: alarmName(this.applicationName, environment, rule.name),
        alarmDescription: `PromptOps ${environment}: ${rule.description} in at least ${rule.datapointsToAlarm} of ${rule.evaluationPeriods} ${rule.periodSeconds === 60 ? 'one-minute' : `${rule.periodSeconds / 60}-minute`} periods (periods with fewer than ${rule.minimumSamples} samples never breach). ${decision}. ${this.runbook(rule.runbook)}`,
        metric: ruleExpression(rule, environment),
        threshold: rule.threshold,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: rule.evaluationPeriods,
        datapointsToAlarm: rule.datapointsToAlarm,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
    const decided = splitByDecision(rollbackAlarmRules(thresholds), rollbackAlarms);
    for (const rule of decided.rollback) {
      rules[rule.name] = ruleAlarm(
        rule,
        'Rolls a deployment in progress or baking back (through the Rollback composite)',
      );
    }
    // Left out of the composite by the decision matrix: CloudWatch tells operators itself.
    for (const rule of decided.notifyOnly) {
      const alarm = ruleAlarm(
        rule,
        'Notifies only (the rollbackAlarms setting keeps it out of automatic rollback)',
      );
      alarm.addAlarmAction(action);
      alarm.addOkAction(action);
      rules[rule.name] = alarm;
    }
    const composite = new cloudwatch.CompositeAlarm(this, `${id}Rollback`, {
      compositeAlarmName: alarmName(this.applicationName, environment, 'Rollback'),
      alarmDescription: `PromptOps ${environment}: AppConfig monitor, ALARM when ${decided.rollback.map((r) => r.name).join(' or ')} is; ALARM rolls back a deployment in progress or baking. Follow the runbook of the alarm in ALARM. ${this.runbook(RUNBOOKS.index)}`,
      alarmRule: cloudwatch.AlarmRule.anyOf(
        ...decided.rollback.map((rule) =>
          cloudwatch.AlarmRule.fromAlarm(rules[rule.name] as cloudwatch.Alarm, cloudwatch.AlarmState.ALARM),
        ),
      ),
    });
    composite.addAlarmAction(action);
    composite.addOkAction(action);

    const anomaly = LATENCY_ANOMALY_RULE;
    const latencyAnomaly = new cloudwatch.AnomalyDetectionAlarm(this, `${id}${anomaly.name}`, {
      alarmName: alarmName(this.applicationName, environment, anomaly.name),
      alarmDescription: `PromptOps ${environment}: ${anomaly.description} (${anomaly.bandStandardDeviations} standard deviations); notifies operators, does not roll back. ${this.runbook(anomaly.runbook)}`,
      metric: emfMetric(
        anomaly.metric,
        environmentDimensions(environment),
        anomaly.statistic,
        anomaly.periodSeconds,
      ),
      stdDevs: anomaly.bandStandardDeviations,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_UPPER_THRESHOLD,
      evaluationPeriods: anomaly.evaluationPeriods,
      datapointsToAlarm: anomaly.datapointsToAlarm,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    latencyAnomaly.addAlarmAction(action);

    const stale = staleClientRule(thresholds);
    const staleClients = ruleAlarm(stale, 'Notifies only: a rollback cannot help clients that cannot fetch');
    staleClients.addAlarmAction(action);
    return { composite, rules, latencyAnomaly, staleClients };
  }

  private addEnvironmentRows(environment: string): void {
    const search = (metric: MetricDefinition, statistic: string, label: string, scale = '') =>
      new cloudwatch.MathExpression({
        expression: `${scale}SEARCH('{${METRIC_NAMESPACE},${DIMENSION.environment},${DIMENSION.promptId},${DIMENSION.promptVersion}} ${DIMENSION.environment}="${environment}" MetricName="${metric.name}"', '${statistic}', 300)`,
        usingMetrics: {},
        label,
        period: Duration.minutes(5),
      });
    this.dashboard.addWidgets(
      new cloudwatch.TextWidget({
        markdown: `## ${environment}\nPer prompt version (metric math SEARCH: a new version appears without a redeploy). Rates assume one datapoint per record (Errors and NegativeFeedback are 0 or 1).`,
        width: DASHBOARD_WIDTH,
        height: 2,
      }),
    );
    this.dashboard.addWidgets(
      new cloudwatch.LogQueryWidget({
        title: `${environment}: deployment events`,
        logGroupNames: [this.deploymentEvents.logGroupName],
        queryLines: [
          'fields @timestamp, `detail-type` as event, detail.DeploymentNumber as deployment, detail.ConfigurationVersion as configurationVersion',
          `filter detail.Environment.Name = "${environment}"`,
          'sort @timestamp desc',
          'limit 20',
        ],
        width: 12,
        height: 6,
      }),
      new cloudwatch.GraphWidget({
        title: `${environment}: error rate % by version`,
        left: [search(METRICS.errors, 'Average', 'errors %', '100 * ')],
        width: 12,
        height: 6,
      }),
    );
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: `${environment}: latency p50 and p99 (ms) by version`,
        left: [search(METRICS.latency, 'p50', 'p50'), search(METRICS.latency, 'p99', 'p99')],
        width: 8,
        height: 6,
      }),
      new cloudwatch.GraphWidget({
        title: `${environment}: negative feedback % by version`,
        left: [search(METRICS.negativeFeedback, 'Average', 'negative %', '100 * ')],
        width: 8,
        height: 6,
      }),
      new cloudwatch.GraphWidget({
        title: `${environment}: tokens and cost (USD) by version`,
        left: [
          search(METRICS.inputTokens, 'Sum', 'input tokens'),
          search(METRICS.outputTokens, 'Sum', 'output tokens'),
        ],
        right: [search(METRICS.cost, 'Sum', 'cost')],
        width: 8,
        height: 6,
      }),
    );
    // Canary analysis compares each candidate with the version it replaces: one line per version, so
    // the candidate's error rate and p99 sit next to its baseline's in the same periods.
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: `${environment}: canary vs baseline, error rate % (left) and p99 latency ms (right) per prompt version`,
        left: [search(METRICS.errors, 'Average', VERSION_LABEL, '100 * ')],
        right: [search(METRICS.latency, 'p99', VERSION_LABEL)],
        leftYAxis: { label: 'errors %', min: 0, showUnits: false },
        rightYAxis: { label: 'p99 ms', min: 0, showUnits: false },
        width: DASHBOARD_WIDTH,
        height: 6,
      }),
    );
    this.addShadowRow(environment);
  }

  /**
   * Shadow deployments (docs/shadows.md): per prompt, the primary's lines next to the shadow's. The
   * shadow's metrics carry the Role dimension, so they match only the second schema; the first, what
   * the canary row and the alarms' roll-up read, never holds them.
   */
  private addShadowRow(environment: string): void {
    const schema = (shadow: boolean) =>
      `{${METRIC_NAMESPACE},${DIMENSION.environment},${DIMENSION.promptId},${DIMENSION.promptVersion}${shadow ? `,${ROLE_DIMENSION}` : ''}}`;
    const search = (shadow: boolean, metric: MetricDefinition, statistic: string, scale = '') =>
      new cloudwatch.MathExpression({
        expression: `${scale}SEARCH('${schema(shadow)} ${DIMENSION.environment}="${environment}"${shadow ? ` ${ROLE_DIMENSION}="shadow"` : ''} MetricName="${metric.name}"', '${statistic}', 300)`,
        usingMetrics: {},
        label: `${shadow ? 'shadow' : 'primary'} ${VERSION_LABEL}`,
        period: Duration.minutes(5),
      });
    const pair = (metric: MetricDefinition, statistic: string, scale = '') => [
      search(false, metric, statistic, scale),
      search(true, metric, statistic, scale),
    ];
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: `${environment}: primary vs shadow, error rate % per prompt version`,
        left: pair(METRICS.errors, 'Average', '100 * '),
        leftYAxis: { label: 'errors %', min: 0, showUnits: false },
        width: 8,
        height: 6,
      }),
      new cloudwatch.GraphWidget({
        title: `${environment}: primary vs shadow, p99 latency ms per prompt version`,
        left: pair(METRICS.latency, 'p99'),
        leftYAxis: { label: 'p99 ms', min: 0, showUnits: false },
        width: 8,
        height: 6,
      }),
      new cloudwatch.GraphWidget({
        title: `${environment}: primary vs shadow, cost USD per prompt version`,
        left: pair(METRICS.cost, 'Sum'),
        width: 8,
        height: 6,
      }),
    );
  }

  private addServiceRows(
    httpApi: IHttpApi,
    tables: Readonly<Record<string, dynamodb.ITableV2>>,
    deadLettersAlarm: cloudwatch.Alarm,
  ): void {
    const period = Duration.minutes(5);
    this.dashboard.addWidgets(
      new cloudwatch.TextWidget({ markdown: '## Service', width: DASHBOARD_WIDTH, height: 1 }),
    );
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'API requests, 4xx and 5xx',
        left: [
          httpApi.metricCount({ period, label: 'requests' }),
          httpApi.metricClientError({ period, label: '4xx' }),
          httpApi.metricServerError({ period, label: '5xx' }),
        ],
        width: 12,
        height: 6,
      }),
      new cloudwatch.GraphWidget({
        title: 'API latency (ms)',
        left: [
          httpApi.metricLatency({ period, statistic: 'p50', label: 'p50' }),
          httpApi.metricLatency({ period, statistic: 'p99', label: 'p99' }),
        ],
        width: 12,
        height: 6,
      }),
    );
    this.dashboard.addWidgets(
      this.lambdaWidgets.errors,
      this.lambdaWidgets.throttles,
      this.lambdaWidgets.duration,
    );
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'DynamoDB throttled requests',
        left: Object.entries(tables).flatMap(([label, table]) =>
          ['ReadThrottleEvents', 'WriteThrottleEvents'].map((metricName) =>
            table.metric(metricName, { period, statistic: 'Sum', label: `${label} ${metricName}` }),
          ),
        ),
        width: 12,
        height: 6,
      }),
      new cloudwatch.AlarmStatusWidget({
        title: 'Alarms',
        alarms: [
          ...[...this.alarmsByEnvironment.values()].flatMap((a) => [
            a.composite,
            ...Object.values(a.rules),
            a.latencyAnomaly,
            a.staleClients,
          ]),
          deadLettersAlarm,
        ],
        width: 12,
        height: 6,
      }),
    );
  }
}

/** An EMF metric of the PromptOps namespace. */
function emfMetric(
  metric: MetricDefinition,
  dimensions: Record<string, string>,
  statistic: string,
  periodSeconds: number,
): cloudwatch.Metric {
  return new cloudwatch.Metric({
    namespace: METRIC_NAMESPACE,
    metricName: metric.name,
    dimensionsMap: dimensions,
    statistic,
    period: Duration.seconds(periodSeconds),
  });
}

/** The metric math of a rollback rule (see alarms.ts) for one environment. */
function ruleExpression(rule: ThresholdAlarmRule, environment: string): cloudwatch.MathExpression {
  const dimensions = environmentDimensions(environment);
  return new cloudwatch.MathExpression({
    expression: alarmExpression(rule),
    usingMetrics: {
      [EXPRESSION_IDS.value]: emfMetric(rule.metric, dimensions, rule.statistic, rule.periodSeconds),
      [EXPRESSION_IDS.samples]: emfMetric(rule.sampleMetric, dimensions, 'Sum', rule.periodSeconds),
    },
    label: `${rule.name} (${rule.unit})`,
    period: Duration.seconds(rule.periodSeconds),
  });
}
