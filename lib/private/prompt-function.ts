/**
 * Every PromptOps Lambda is built the same way: Node.js 24 on arm64, bundled by esbuild (minified, ESM,
 * with source maps), X-Ray active tracing, JSON logs into its own KMS-encrypted log group with a set
 * retention, a role of its own that holds nothing but what its grants add, reserved concurrency, and a
 * dead-letter queue unless it says why failed events cannot be lost (README, "Security"). The checkov
 * checks that do not apply are skipped on the function itself, with their reasons.
 */
import { Duration, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { PACKAGE_ROOT, packageLockFile, packagePath } from '../../src/package-root.ts';
import { skipCheckov } from './checkov.ts';
import { SecurityDefaults, secureLogGroup } from './security-defaults.ts';
import { PropsValidator } from './validation.ts';

export const FUNCTION_DEFAULTS = {
  memorySize: 512,
  timeout: Duration.seconds(10),
  logRetention: logs.RetentionDays.ONE_YEAR,
  /**
   * Reserved (and capped) concurrency of a function that sets none: enough for the AWS services that
   * invoke the internal functions (a deployment at a time per environment, a daily schedule), small
   * enough that many functions stay far from the account's pool (README, "Reserved concurrency").
   */
  reservedConcurrentExecutions: 5,
} as const;

/** Why no PromptOps function runs in a VPC (checkov CKV_AWS_117). */
const NO_VPC_REASON =
  'PromptOps functions reach only AWS service endpoints (DynamoDB, S3, AppConfig, CloudWatch, SNS, Secrets Manager, Bedrock, Lambda) over TLS with SigV4 and IAM least privilege; there is no private resource to reach, and a VPC would add NAT or endpoint cost and cold-start latency without narrowing what the function can reach';
/** Why environment variables need no customer-managed key (checkov CKV_AWS_173). */
const ENVIRONMENT_KEY_REASON =
  'the environment holds only resource names, ids and settings, never secrets (the feedback HMAC key is read from Secrets Manager; test/infra/security.test.ts checks the names); Lambda encrypts it at rest with its AWS managed key, and a customer-managed key would give every role kms:Decrypt on the data key';

export interface PromptFunctionProps {
  /** Handler source file (exporting `handler`), absolute or relative to the package root. */
  readonly entry: string;
  /** What the function does, shown in the Lambda console. */
  readonly description: string;
  /** Memory in MB. */
  readonly memorySize: number;
  readonly timeout: Duration;
  /** @default - none beyond those PromptOps sets for every function */
  readonly environment?: Readonly<Record<string, string>>;
  /**
   * Concurrency reserved (and capped) for this function, to protect what it calls and to keep it
   * invocable when other functions use up the account's pool.
   * @default FUNCTION_DEFAULTS.reservedConcurrentExecutions (5)
   */
  readonly reservedConcurrentExecutions?: number;
  readonly logRetention: logs.RetentionDays;
  /**
   * Queue for events that still fail after Lambda's retries of an asynchronous invocation.
   * @default - the dead-letter queue of the PromptOps construct (SecurityDefaults), unless
   * `asyncInvoke` or `noDeadLetterQueueBecause` is given
   */
  readonly deadLetterQueue?: sqs.IQueue;
  /**
   * Why events cannot be lost without a dead-letter queue, for a function that is never invoked
   * asynchronously, e.g. "invoked synchronously by API Gateway, which returns any error to the caller".
   * It becomes the reason of the checkov and cdk-nag suppressions.
   * @default - the function gets a dead-letter queue
   */
  readonly noDeadLetterQueueBecause?: string;
  /**
   * How Lambda handles asynchronous invocations of this function: retries, event age and where the
   * events that still fail go.
   * @default - Lambda's defaults (2 retries, 6 hours), no failure destination
   */
  readonly asyncInvoke?: AsyncInvokeOptions;
}

/** Lambda's handling of asynchronous invocations. */
export interface AsyncInvokeOptions {
  /** Where an event goes once its retries are spent or it is too old. */
  readonly onFailure: lambda.IDestination;
  /** Retries after a failed invocation, 0 to 2. */
  readonly retryAttempts: number;
  /** How long an event may wait (throttled or between retries), 1 minute to 6 hours. */
  readonly maxEventAge: Duration;
}

export class PromptFunction extends Construct {
  readonly function: NodejsFunction;
  readonly role: iam.Role;
  readonly logGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: PromptFunctionProps) {
    super(scope, id);
    const check = new PropsValidator(this);
    check.check(
      Number.isInteger(props.memorySize) && props.memorySize >= 128 && props.memorySize <= 10_240,
      `memorySize must be a whole number of MB from 128 to 10240 (got ${props.memorySize})`,
    );
    check.check(
      props.timeout.toSeconds() >= 1 && props.timeout.toSeconds() <= 900,
      `timeout must be from 1 to 900 seconds (got ${props.timeout.toSeconds()} s)`,
    );
    const reserved = props.reservedConcurrentExecutions ?? FUNCTION_DEFAULTS.reservedConcurrentExecutions;
    check.check(
      reserved === undefined || (Number.isInteger(reserved) && reserved >= 1),
      `reservedConcurrentExecutions must be a whole number of at least 1 (got ${reserved})`,
    );
    const defaults = SecurityDefaults.of(this);
    const deadLetterQueue =
      props.asyncInvoke || props.noDeadLetterQueueBecause !== undefined
        ? props.deadLetterQueue
        : (props.deadLetterQueue ?? defaults.deadLetterQueue);
    check.check(
      deadLetterQueue !== undefined ||
        props.asyncInvoke !== undefined ||
        props.noDeadLetterQueueBecause !== undefined,
      'a function that may be invoked asynchronously needs a dead-letter queue: pass deadLetterQueue, create it inside a PromptOps construct (whose queue is the default), or say why events cannot be lost with noDeadLetterQueueBecause',
    );
    check.throwIfAny();

    this.logGroup = secureLogGroup(this, 'Logs', { retention: props.logRetention });
    // A role of its own instead of the default one with the AWSLambdaBasicExecutionRole managed policy:
    // it may write to its own log group and nothing else until a grant adds to it.
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `${props.description} (execution role)`,
    });
    this.logGroup.grantWrite(this.role);

    const lockFile = packageLockFile();
    this.function = new NodejsFunction(this, 'Function', {
      entry: packagePath(props.entry),
      handler: 'handler',
      description: props.description,
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: props.memorySize,
      timeout: props.timeout,
      tracing: lambda.Tracing.ACTIVE,
      role: this.role,
      logGroup: this.logGroup,
      loggingFormat: lambda.LoggingFormat.JSON,
      // Stack traces point into the TypeScript sources through the bundled source maps.
      environment: { NODE_OPTIONS: '--enable-source-maps', ...props.environment },
      reservedConcurrentExecutions: reserved,
      ...(deadLetterQueue ? { deadLetterQueue } : {}),
      ...(props.asyncInvoke ?? {}),
      projectRoot: PACKAGE_ROOT,
      ...(lockFile ? { depsLockFilePath: lockFile } : {}),
      bundling: {
        minify: true,
        sourceMap: true,
        sourcesContent: false,
        format: OutputFormat.ESM,
        target: 'node24',
        mainFields: ['module', 'main'],
        // Some dependencies are CommonJS and call require(); ESM output needs it defined.
        banner:
          "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);",
        // The AWS SDK v3 comes with the nodejs24.x runtime: bundling it would put every handler over
        // its size budget (600-700 KB, `npm run bench`) and slow cold starts. bench/lambda-bundles.ts
        // bundles the same way.
        bundleAwsSDK: false,
      },
    });

    // Lambda's dead-letter config grants sqs:SendMessage only; an encrypted queue also needs the key.
    const queueKey = deadLetterQueue?.encryptionMasterKey;
    if (queueKey) queueKey.grant(this.role, 'kms:GenerateDataKey', 'kms:Decrypt');
    this.acknowledgeDeadLetters(props);
    skipCheckov(
      this.function,
      { id: 'CKV_AWS_117', reason: `${this.node.path}: ${NO_VPC_REASON}` },
      { id: 'CKV_AWS_173', reason: `${this.node.path}: ${ENVIRONMENT_KEY_REASON}` },
    );

    // Active tracing adds xray:PutTraceSegments and xray:PutTelemetryRecords, which take no resource.
    const tracingReason = `${this.node.path}: X-Ray PutTraceSegments and PutTelemetryRecords support no resource-level permissions, so Lambda active tracing grants them on "*"`;
    Validations.of(this).acknowledge(
      { id: 'AwsSolutions-IAM5[Resource::*]', reason: tracingReason },
      { id: 'Serverless-StarPermissions', reason: tracingReason },
    );
  }

  /** The suppressions of a function that has no dead-letter queue, with the reason it needs none. */
  private acknowledgeDeadLetters(props: PromptFunctionProps): void {
    if (props.asyncInvoke) {
      const reason = `${this.node.path}: invoked asynchronously with an on-failure destination, which receives the event together with the error; a dead-letter queue as well would deliver each failure twice`;
      skipCheckov(this.function, { id: 'CKV_AWS_116', reason });
      Validations.of(this).acknowledge({ id: 'Serverless-LambdaDLQ', reason });
    } else if (props.noDeadLetterQueueBecause !== undefined) {
      const reason = `${this.node.path}: ${props.noDeadLetterQueueBecause}; there is no asynchronous event a dead-letter queue could keep`;
      skipCheckov(this.function, { id: 'CKV_AWS_116', reason });
      Validations.of(this).acknowledge(
        { id: 'Serverless-LambdaDLQ', reason },
        { id: 'Serverless-LambdaAsyncFailureDestination', reason },
      );
    }
  }
}
