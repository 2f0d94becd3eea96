/**
 * The secure defaults every PromptOps log group and queue is created with (README, "Security"): KMS
 * encryption with the construct's key, and for functions invoked asynchronously, the shared dead-letter
 * queue. The PromptOps construct registers its key and queue here; a construct used on its own (a
 * PromptApi in someone's stack) gets one key per stack, created on first use.
 */
import { ArnFormat, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct, IConstruct } from 'constructs';

const REGISTERED = new WeakMap<IConstruct, SecurityDefaults>();
/** Keys whose policy already lets CloudWatch Logs, or SNS and EventBridge, use them. */
const LOGS_ALLOWED = new WeakSet<kms.IKey>();
const QUEUE_SENDERS_ALLOWED = new WeakSet<kms.IKey>();

/** The key and dead-letter queue of the functions, log groups and queues under a scope. */
export class SecurityDefaults {
  /** The defaults `scope` is under: those its nearest registered ancestor set, else its stack's own. */
  static of(scope: IConstruct): SecurityDefaults {
    for (const ancestor of [...scope.node.scopes].reverse()) {
      const found = REGISTERED.get(ancestor);
      if (found) return found;
    }
    const stack = Stack.of(scope);
    const key = new kms.Key(stack, 'PromptOpsDefaultKey', {
      description: `PromptOps key of the log groups and queues in ${stack.stackName} created outside a PromptOps construct`,
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    return SecurityDefaults.register(stack, key);
  }

  /** Makes `key` the key of every log group and queue created under `scope`. */
  static register(scope: IConstruct, key: kms.IKey): SecurityDefaults {
    const defaults = new SecurityDefaults(key);
    REGISTERED.set(scope, defaults);
    return defaults;
  }

  /** Encrypts log groups and queues. */
  readonly key: kms.IKey;
  private queue?: sqs.IQueue;

  private constructor(key: kms.IKey) {
    this.key = key;
  }

  /**
   * Where events of asynchronously invoked functions go after Lambda's retries, unless the function
   * names its own.
   */
  get deadLetterQueue(): sqs.IQueue | undefined {
    return this.queue;
  }

  /** Sets the dead-letter queue of asynchronously invoked functions created from now on. */
  useDeadLetterQueue(queue: sqs.IQueue): void {
    this.queue = queue;
  }
}

/** Props of {@link secureLogGroup}. */
export interface SecureLogGroupProps {
  readonly retention: logs.RetentionDays;
  /** @default - generated */
  readonly logGroupName?: string;
  /** @default RemovalPolicy.RETAIN */
  readonly removalPolicy?: RemovalPolicy;
}

/** A log group encrypted with the defaults' key, whose policy lets CloudWatch Logs use it for this account's log groups. */
export function secureLogGroup(scope: Construct, id: string, props: SecureLogGroupProps): logs.LogGroup {
  const { key } = SecurityDefaults.of(scope);
  allowLogs(key);
  return new logs.LogGroup(scope, id, {
    retention: props.retention,
    encryptionKey: key,
    removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
    ...(props.logGroupName ? { logGroupName: props.logGroupName } : {}),
  });
}

/** Props of {@link secureQueue}. */
export interface SecureQueueProps
  extends Pick<sqs.QueueProps, 'deliveryDelay' | 'visibilityTimeout' | 'deadLetterQueue'> {
  /** @default Duration.days(14) */
  readonly retentionPeriod?: Duration;
}

/**
 * A queue encrypted with the defaults' key and reachable over TLS only. SNS and EventBridge of this
 * account may use the key to deliver to it (subscription and rule dead-letter queues); roles need their
 * own grant (`queue.grantSendMessages`).
 */
export function secureQueue(scope: Construct, id: string, props: SecureQueueProps = {}): sqs.Queue {
  const { key } = SecurityDefaults.of(scope);
  allowQueueSenders(key);
  const { retentionPeriod, ...queueProps } = props;
  return new sqs.Queue(scope, id, {
    ...queueProps,
    encryption: sqs.QueueEncryption.KMS,
    encryptionMasterKey: key,
    // One data key per 5 minutes instead of a KMS call per message.
    dataKeyReuse: Duration.minutes(5),
    enforceSSL: true,
    retentionPeriod: retentionPeriod ?? Duration.days(14),
  });
}

/**
 * An on-failure destination on an encrypted queue that grants the function exactly what sending needs:
 * sqs:SendMessage and the queue key's GenerateDataKey and Decrypt (aws-lambda-destinations'
 * SqsDestination grants every encrypt action of the key, wildcards included).
 */
export class QueueDestination implements lambda.IDestination {
  private readonly queue: sqs.IQueue;

  constructor(queue: sqs.IQueue) {
    this.queue = queue;
  }

  bind(_scope: Construct, fn: lambda.IFunction): lambda.DestinationConfig {
    iam.Grant.addToPrincipal({
      grantee: fn,
      actions: ['sqs:SendMessage'],
      resourceArns: [this.queue.queueArn],
    });
    this.queue.encryptionMasterKey?.grant(fn, 'kms:GenerateDataKey', 'kms:Decrypt');
    return { destination: this.queue.queueArn };
  }
}

/** CloudWatch Logs encrypts and decrypts with the key only for log groups of this account and region. */
function allowLogs(key: kms.IKey): void {
  if (LOGS_ALLOWED.has(key)) return;
  LOGS_ALLOWED.add(key);
  const stack = Stack.of(key);
  key.addToResourcePolicy(
    new iam.PolicyStatement({
      sid: 'AllowCloudWatchLogsOfThisAccount',
      principals: [new iam.ServicePrincipal(`logs.${stack.region}.amazonaws.com`)],
      actions: ['kms:Encrypt*', 'kms:Decrypt*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Describe*'],
      resources: ['*'],
      conditions: {
        ArnLike: {
          'kms:EncryptionContext:aws:logs:arn': stack.formatArn({
            service: 'logs',
            resource: 'log-group',
            resourceName: '*',
            arnFormat: ArnFormat.COLON_RESOURCE_NAME,
          }),
        },
      },
    }),
  );
}

/** SNS subscriptions and EventBridge targets of this account deliver failed messages to encrypted queues. */
function allowQueueSenders(key: kms.IKey): void {
  if (QUEUE_SENDERS_ALLOWED.has(key)) return;
  QUEUE_SENDERS_ALLOWED.add(key);
  const stack = Stack.of(key);
  key.addToResourcePolicy(
    new iam.PolicyStatement({
      sid: 'AllowSnsAndEventBridgeOfThisAccountToSendToQueues',
      principals: [
        new iam.ServicePrincipal('sns.amazonaws.com'),
        new iam.ServicePrincipal('events.amazonaws.com'),
      ],
      actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
      resources: ['*'],
      conditions: { StringEquals: { 'aws:SourceAccount': stack.account } },
    }),
  );
}
