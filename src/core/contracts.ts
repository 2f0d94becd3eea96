/**
 * Names, key layouts and limits defined once and imported by the Lambdas, the CDK stack, the client,
 * the CLI and local mode, so that none of them can drift from the others. What the client reads is
 * defined in client-contract.ts and used here by reference.
 */
import { CLIENT_APPCONFIG, CLIENT_ENV } from './client-contract.ts';

/**
 * Environment variables read by the Lambda handlers, local mode and the client. The handlers read
 * theirs in one place, `readHandlerEnvironment` (handler-environment.ts), the inverse of
 * `settingsEnvironment` (settings.ts) plus the resource names the construct adds.
 */
export const ENV = {
  /** DynamoDB table for prompts, versions, environments and audit. */
  table: 'PROMPTOPS_TABLE_NAME',
  /** DynamoDB table for feedback items and aggregates. */
  feedbackTable: 'PROMPTOPS_FEEDBACK_TABLE_NAME',
  /** DynamoDB table of Powertools idempotency records, one per Idempotency-Key (docs/architecture.md). */
  idempotencyTable: 'PROMPTOPS_IDEMPOTENCY_TABLE_NAME',
  bodyBucket: CLIENT_ENV.bodyBucket,
  /** AppConfig application, profile and environment ids (JSON object name -> id). */
  appConfigApplicationId: 'PROMPTOPS_APPCONFIG_APPLICATION_ID',
  appConfigProfileId: 'PROMPTOPS_APPCONFIG_PROFILE_ID',
  appConfigEnvironmentIds: 'PROMPTOPS_APPCONFIG_ENVIRONMENT_IDS',
  /** JSON object strategy name -> AppConfig deployment strategy id (custom strategies). */
  strategies: 'PROMPTOPS_STRATEGIES',
  /** JSON object environment -> default strategy name. */
  defaultStrategies: 'PROMPTOPS_DEFAULT_STRATEGIES',
  /** Comma-separated configured environments. */
  environments: 'PROMPTOPS_ENVIRONMENTS',
  /** Comma-separated environments that only accept approved versions. */
  protectedEnvironments: 'PROMPTOPS_PROTECTED_ENVIRONMENTS',
  /** Bodies larger than this many bytes go into the manifest by S3 reference. */
  inlineBodyThreshold: 'PROMPTOPS_INLINE_BODY_THRESHOLD',
  /** Secret for the keyed hash of feedback user and session ids. */
  feedbackHashSecret: 'PROMPTOPS_FEEDBACK_HASH_SECRET',
  /** On AWS: the Secrets Manager secret holding it, read once per container. */
  feedbackHashSecretArn: 'PROMPTOPS_FEEDBACK_HASH_SECRET_ARN',
  /** Feedback item retention in days; unset keeps items forever. */
  feedbackRetentionDays: 'PROMPTOPS_FEEDBACK_RETENTION_DAYS',
  /** Comma-separated environments whose deploys need a PASSED evaluation run (docs/evaluations.md). */
  evalGatedEnvironments: 'PROMPTOPS_EVAL_GATED_ENVIRONMENTS',
  /** `true`: in a gated environment, a prompt without a suite is refused too. */
  requireEvalSuite: 'PROMPTOPS_REQUIRE_EVAL_SUITE',
  /** Comma-separated Bedrock model ids evaluations may call; empty refuses the bedrock provider. */
  evalModels: 'PROMPTOPS_EVAL_MODELS',
  /** The evaluation worker function the API invokes asynchronously to execute a run. */
  evaluationFunction: 'PROMPTOPS_EVALUATION_FUNCTION',
  /** The operators' SNS topic the scheduled pinned-version scan publishes its findings to (README, "Security"). */
  operatorsTopicArn: 'PROMPTOPS_OPERATORS_TOPIC_ARN',
  /** Canary analysis (docs/canary-analysis.md): the environments it judges, comma-separated. */
  canaryEnvironments: 'PROMPTOPS_CANARY_ENVIRONMENTS',
  canaryMaxPValue: 'PROMPTOPS_CANARY_MAX_P_VALUE',
  canaryMinSamples: 'PROMPTOPS_CANARY_MIN_SAMPLES',
  canaryErrorRateMargin: 'PROMPTOPS_CANARY_ERROR_RATE_MARGIN',
  canaryNegativeFeedbackMargin: 'PROMPTOPS_CANARY_NEGATIVE_FEEDBACK_MARGIN',
  canaryLatencyRatio: 'PROMPTOPS_CANARY_LATENCY_RATIO',
  /** Review reminders (docs/maintenance.md): days after which a pinned version is due for review. */
  reviewEveryDays: 'PROMPTOPS_REVIEW_EVERY_DAYS',
  /** JSON list of model retirements added to the shipped list (docs/maintenance.md). */
  modelRetirements: 'PROMPTOPS_MODEL_RETIREMENTS',
  /** Comma-separated environments whose shadow outputs are captured (docs/shadows.md); unset: none. */
  shadowOutputCapture: 'PROMPTOPS_SHADOW_OUTPUT_CAPTURE',
  /** The SNS topic the review reminder notifies (the owners' topic). */
  ownersTopicArn: 'PROMPTOPS_OWNERS_TOPIC_ARN',
  /** The rollback decision matrix (JSON environment -> alarm names) and the runbooks' base URL. */
  rollbackAlarms: 'PROMPTOPS_ROLLBACK_ALARMS',
  runbookBaseUrl: 'PROMPTOPS_RUNBOOK_BASE_URL',
  /** The application name the notifier's alarms are named after (docs/runbooks/README.md). */
  applicationName: 'PROMPTOPS_APPLICATION_NAME',
  /** Endpoint overrides for local mode and integration tests. */
  dynamodbEndpoint: 'PROMPTOPS_DYNAMODB_ENDPOINT',
  s3Endpoint: CLIENT_ENV.s3Endpoint,
  appConfigEndpoint: 'PROMPTOPS_APPCONFIG_ENDPOINT',
  appConfigDataEndpoint: CLIENT_ENV.appConfigDataEndpoint,
  emfEndpoint: CLIENT_ENV.emfEndpoint,
  apiEndpoint: CLIENT_ENV.apiEndpoint,
  /** Local mode settings, for `npm start` and `promptops dev` (docs/cli.md). */
  dataDir: 'PROMPTOPS_DATA_DIR',
  port: 'PROMPTOPS_PORT',
  timeScale: 'PROMPTOPS_TIME_SCALE',
} as const;

/** AppConfig names shared by the stack, local mode and the client. */
export const APPCONFIG = {
  application: 'promptops',
  profile: CLIENT_APPCONFIG.profile,
  contentType: 'application/json',
  /** AppConfig's hosted configuration size limit. */
  maxHostedConfigurationBytes: 1024 * 1024,
  defaultPollIntervalSeconds: CLIENT_APPCONFIG.defaultPollIntervalSeconds,
  agentPort: CLIENT_APPCONFIG.agentPort,
} as const;

export const DEFAULT_ENVIRONMENTS = ['dev', 'staging', 'prod'] as const;
export const DEFAULT_PROTECTED_ENVIRONMENTS = ['prod'] as const;

export type GrowthType = 'LINEAR' | 'EXPONENTIAL';

export interface DeploymentStrategySpec {
  readonly name: string;
  /** Minutes over which the rollout reaches 100 percent. */
  readonly deploymentDurationInMinutes: number;
  readonly growthFactor: number;
  readonly growthType: GrowthType;
  /** Minutes the alarms are watched after 100 percent before the deployment is COMPLETE. */
  readonly finalBakeTimeInMinutes: number;
}

/** AppConfig's predefined strategies, referenced by id (`AppConfig.<name>`), never re-created. */
export const PREDEFINED_STRATEGIES: Readonly<Record<string, DeploymentStrategySpec>> = {
  AllAtOnce: {
    name: 'AllAtOnce',
    deploymentDurationInMinutes: 0,
    growthFactor: 100,
    growthType: 'LINEAR',
    finalBakeTimeInMinutes: 10,
  },
  Linear50PercentEvery30Seconds: {
    name: 'Linear50PercentEvery30Seconds',
    deploymentDurationInMinutes: 1,
    growthFactor: 50,
    growthType: 'LINEAR',
    finalBakeTimeInMinutes: 1,
  },
  Linear20PercentEvery6Minutes: {
    name: 'Linear20PercentEvery6Minutes',
    deploymentDurationInMinutes: 30,
    growthFactor: 20,
    growthType: 'LINEAR',
    finalBakeTimeInMinutes: 30,
  },
  Canary10Percent20Minutes: {
    name: 'Canary10Percent20Minutes',
    deploymentDurationInMinutes: 20,
    growthFactor: 10,
    growthType: 'EXPONENTIAL',
    finalBakeTimeInMinutes: 10,
  },
};

export function predefinedStrategyId(name: string): string {
  return `AppConfig.${name}`;
}

export const DEFAULT_ENVIRONMENT_STRATEGIES: Readonly<Record<string, string>> = {
  dev: 'AllAtOnce',
  staging: 'Linear50PercentEvery30Seconds',
  prod: 'Canary10Percent20Minutes',
};

/** Size and count limits. A request over one of them is rejected, never silently cut. */
export const LIMITS = {
  /** Largest API request body accepted before parsing. */
  maxRequestBytes: 256 * 1024,
  /** Largest prompt document (UTF-8 bytes of the canonical text). */
  maxDocumentBytes: 128 * 1024,
  /** Bodies above this size are referenced from the manifest instead of inlined. */
  inlineBodyThresholdBytes: 8 * 1024,
  maxPageSize: 100,
  defaultPageSize: 20,
  maxMetricRecords: 500,
  maxFeedbackCommentLength: 2000,
  maxFeedbackTags: 10,
  maxFeedbackTagLength: 64,
  maxMessageLength: 1000,
  maxVariables: 100,
  /** Minimum ratings per side before a feedback comparison may be called significant. */
  minSamplesForSignificance: 30,
} as const;

/**
 * DynamoDB key layout. The main table has `pk`/`sk` and three overloaded indexes (`gsiN pk`/`sk`), so
 * every read is a GetItem or a Query on a known partition: no scans, and the cost of a read does not
 * grow with the number of prompts or versions.
 */
export const TABLE = {
  partitionKey: 'pk',
  sortKey: 'sk',
  gsi1: { name: 'gsi1', partitionKey: 'gsi1pk', sortKey: 'gsi1sk' },
  gsi2: { name: 'gsi2', partitionKey: 'gsi2pk', sortKey: 'gsi2sk' },
  gsi3: { name: 'gsi3', partitionKey: 'gsi3pk', sortKey: 'gsi3sk' },
  ttlAttribute: 'expiresAt',
} as const;

/**
 * What the config validator reads of a version item, and all its role may read of the table (a
 * `dynamodb:Attributes` condition): the keys and the ref of its version object (docs/architecture.md,
 * "Ten thousand prompts": Validator).
 */
export const RECORDED_REF_ATTRIBUTES = [TABLE.partitionKey, TABLE.sortKey, 'ref'] as const;

/** The indexes of the main table, in the order above. All project every attribute. */
export const MAIN_TABLE_INDEXES = [TABLE.gsi1, TABLE.gsi2, TABLE.gsi3] as const;

/**
 * The feedback table: `pk`/`sk`, gsi1 for per-prompt aggregates, and gsi2, sparse: the items not yet
 * counted and the aggregate shards marked dirty, which the reconciler settles (core/feedback-shards.ts).
 */
export const FEEDBACK_TABLE_INDEXES = [TABLE.gsi1, TABLE.gsi2] as const;

export const KEYS = {
  /** All prompt summaries live in one partition so listing them is a single Query. */
  promptIndexPk: 'PROMPTS',
  promptSk: (id: string) => `PROMPT#${id}`,
  promptPk: (id: string) => `PROMPT#${id}`,
  versionSk: (sortableVersion: string) => `VERSION#${sortableVersion}`,
  versionSkPrefix: 'VERSION#',
  environmentPk: (env: string) => `ENV#${env}`,
  environmentStateSk: 'STATE',
  environmentRevisionSk: (revision: number) => `REVISION#${String(revision).padStart(10, '0')}`,
  environmentRevisionSkPrefix: 'REVISION#',
  /** Audit events: one item each, keyed by a deterministic event id so a retry writes nothing new. */
  auditPk: (eventId: string) => `AUDIT#${eventId}`,
  auditSk: 'EVENT',
  /** gsi1: every audit event by time; gsi2: by prompt; gsi3: by environment. Sort keys are `<at>#<eventId>`. */
  /**
   * Events written before the all-events index was sharded; new ones carry one of the shard keys of
   * core/audit-shards.ts, and readers query both (docs/architecture.md, "Sharded audit index").
   */
  auditAllGsiPk: 'AUDIT',
  auditPromptGsiPk: (id: string) => `AUDIT#PROMPT#${id}`,
  auditEnvironmentGsiPk: (env: string) => `AUDIT#ENV#${env}`,
  auditGsiSk: (at: string, eventId: string) => `${at}#${eventId}`,
  /**
   * Feedback table: one item per feedback under its prompt version, and beside them one aggregate
   * per UTC day (`YYYY-MM-DD`) counted by atomic ADD updates. There is no all-time item: all-time
   * figures are the sum of the days, so one feedback is one item plus one counter update.
   */
  feedbackPk: (env: string, id: string, version: string) => `FEEDBACK#${env}#${id}#${version}`,
  feedbackItemSk: (at: string, feedbackId: string) => `ITEM#${at}#${feedbackId}`,
  feedbackItemSkPrefix: 'ITEM#',
  /**
   * Beside a version's items, the mark of a feedback posted with an Idempotency-Key: its id derives
   * from the key, and the mark keeps the time in the item's key, so a retry finds the item.
   */
  feedbackKeySk: (feedbackId: string) => `KEY#${feedbackId}`,
  feedbackAggregateSk: (day: string) => `AGGREGATE#${day}`,
  feedbackAggregateSkPrefix: 'AGGREGATE#',
  /** gsi1: every version's daily aggregates of a prompt in an environment, by day (`since` is a range). */
  feedbackAggregateGsiPk: (env: string, id: string) => `AGGREGATE#${env}#${id}`,
  feedbackAggregateGsiSk: (day: string, version: string) => `${day}#${version}`,
  /** A prompt's current evaluation suite (under the prompt's partition), and every revision of it. */
  evalSuiteSk: 'EVALSUITE',
  evalSuiteRevisionSk: (revision: number) => `EVALSUITE#${String(revision).padStart(10, '0')}`,
  evalSuiteRevisionSkPrefix: 'EVALSUITE#',
  /**
   * Evaluation runs of a version, under the prompt's partition. Run ids start with their start time
   * (`20261201T101500123Z-<random>`), so a version's runs sort newest last and a run is one GetItem.
   */
  evalRunSk: (sortableVersion: string, runId: string) => `EVAL#${sortableVersion}#${runId}`,
  evalRunSkPrefix: (sortableVersion: string) => `EVAL#${sortableVersion}#`,
  /**
   * What the notifier saw (alarm transitions, deployment events), under the environment's partition
   * by time, for the incident timeline; and one ledger item per notification sent, so a transition
   * is told once whichever path and however often it arrives (docs/runbooks/README.md).
   */
  incidentEventSk: (at: string, id: string) => `EVENT#${at}#${id}`,
  incidentEventSkPrefix: 'EVENT#',
  notificationPk: (id: string) => `NOTIFICATION#${id}`,
  notificationSk: 'LEDGER',
} as const;

/** S3 layout: documents are content-addressed by the SHA-256 of their canonical text. */
export const BODY_KEY_PREFIX = 'documents/sha256/';
/** Evaluation suite texts (`<sha256>.eval.yaml`), content-addressed beside the documents. */
export const SUITE_KEY_PREFIX = 'suites/sha256/';
/** Test results of evaluation runs too large for their item (`<sha256>.json`). */
export const EVALUATION_OUTPUT_KEY_PREFIX = 'evaluations/sha256/';
export function bodyObjectKey(sha256: string): string {
  return `${BODY_KEY_PREFIX}${sha256}.prompt.md`;
}
/** Version objects (docs/architecture.md, "Ten thousand prompts"), content-addressed by their ref. */
export const VERSION_KEY_PREFIX = 'versions/';
/** The key of the version object whose `ref` (base64url SHA-256 of its text) is given. */
export function versionObjectKey(ref: string): string {
  return `${VERSION_KEY_PREFIX}${ref}.json`;
}

/** The idempotency table's layout: Powertools' defaults (a string `id` key, `expiration` as TTL). */
export const IDEMPOTENCY_TABLE = {
  partitionKey: 'id',
  ttlAttribute: 'expiration',
  /** How long a completed key answers with its first response. */
  keepSeconds: 86_400,
} as const;
