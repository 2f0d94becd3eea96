/**
 * Where prompts live: the bodies bucket (documents by SHA-256), the registry table (prompts, versions,
 * environments, audit) and the feedback table, all encrypted with one customer-managed key. With a
 * replica, the tables become global tables with a replica there and the bucket replicates to it.
 */
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import {
  APPCONFIG,
  BODY_KEY_PREFIX,
  EVALUATION_OUTPUT_KEY_PREFIX,
  FEEDBACK_TABLE_INDEXES,
  IDEMPOTENCY_TABLE,
  KEYS,
  MAIN_TABLE_INDEXES,
  RECORDED_REF_ATTRIBUTES,
  SUITE_KEY_PREFIX,
  TABLE,
  VERSION_KEY_PREFIX,
} from '../../src/core/contracts.ts';
import { SHADOW_OUTPUT_KEY_PREFIX } from '../../src/core/shadow-outputs.ts';
import { accessLogBucket, bodyBucketProps, shadowOutputExpiry } from '../private/body-buckets.ts';
import { acknowledgeWildcardResource } from '../private/nag.ts';
import { type ReplicaNames, replicaNames } from '../private/replica-names.ts';

/** Where {@link PromptStore} replicates to: a region with a deployed PromptOpsReplicaStack. */
export interface PromptStoreReplica {
  /** Region holding the replicas. */
  readonly region: string;
  /**
   * The replica stack's `applicationName`: the replica key, bucket and vault names derive from it.
   * @default 'promptops'
   */
  readonly applicationName?: string;
}

/** Props of {@link PromptStore}. */
export interface PromptStoreProps {
  /**
   * Replicate tables (global table replica) and bodies (S3 replication) to another region.
   * @default - no replica
   */
  readonly replica?: PromptStoreReplica;
  /**
   * How long a replaced or deleted body version stays recoverable.
   * @default Duration.days(90)
   */
  readonly noncurrentVersionRetention?: Duration;
  /**
   * How long S3 server access logs of the bodies bucket are kept.
   * @default Duration.days(365)
   */
  readonly accessLogRetention?: Duration;
}

/**
 * Key prefixes of the evaluation objects in the bodies bucket, content-addressed like the documents:
 * suite texts (`<sha256>.eval.yaml`) and the test results of runs too large for their item
 * (`<sha256>.json`).
 */
export const EVALUATION_KEY_PREFIXES = [SUITE_KEY_PREFIX, EVALUATION_OUTPUT_KEY_PREFIX] as const;

/** A replica with the names of its region's resources. */
interface ResolvedReplica {
  readonly region: string;
  readonly names: ReplicaNames;
}

const DYNAMODB_READ = [
  'dynamodb:GetItem',
  'dynamodb:BatchGetItem',
  'dynamodb:Query',
  'dynamodb:ConditionCheckItem',
  'dynamodb:DescribeTable',
];
// Writes are single items (docs/architecture.md): conditional puts and updates, and the deletes that undo
// a request's own uncommitted write (a deploy whose StartDeployment failed, a feedback item that
// could not be counted). No batch writes, no transactions.
const DYNAMODB_WRITE = ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'];
const KMS_DECRYPT = ['kms:Decrypt', 'kms:DescribeKey'];
const KMS_ENCRYPT = ['kms:Encrypt', 'kms:GenerateDataKey'];

/**
 * Where prompts live: the bodies bucket (documents by SHA-256), the registry table and the feedback
 * table, encrypted with one customer-managed key; with a replica, global tables and S3 replication.
 * The `grant*` methods scope every permission to these resources.
 */
export class PromptStore extends Construct {
  /** Customer-managed key (rotation on) for bodies, tables, AppConfig data and backups. */
  readonly key: kms.Key;
  /** Prompt documents, content-addressed under `documents/sha256/`. */
  readonly bodies: s3.Bucket;
  /** Server access logs of the bodies bucket. */
  readonly accessLogs: s3.Bucket;
  /** Prompts, versions, environments and audit events. */
  readonly table: dynamodb.TableV2;
  /** Feedback items (expiring through the TTL attribute) and aggregates. */
  readonly feedbackTable: dynamodb.TableV2;
  /** Idempotency-Key records of the write routes, expiring through the TTL attribute (docs/architecture.md). */
  readonly idempotencyTable: dynamodb.TableV2;

  constructor(scope: Construct, id: string, props: PromptStoreProps = {}) {
    super(scope, id);
    const replica = props.replica
      ? {
          region: props.replica.region,
          names: replicaNames(
            this,
            props.replica.applicationName ?? APPCONFIG.application,
            props.replica.region,
          ),
        }
      : undefined;

    this.key = new kms.Key(this, 'Key', {
      description: `PromptOps data key (${this.node.path}): prompt bodies, tables, AppConfig data, backups`,
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });

    this.accessLogs = accessLogBucket(
      this,
      props.accessLogRetention ?? Duration.days(365),
      'the bodies bucket',
    );

    const replicationRole = replica
      ? new iam.Role(this, 'ReplicationRole', {
          assumedBy: new iam.ServicePrincipal('s3.amazonaws.com'),
          description: `Replicates prompt bodies to ${replica.names.bucketName} in ${replica.region}`,
        })
      : undefined;
    this.bodies = new s3.Bucket(
      this,
      'Bodies',
      bodyBucketProps(
        this.key,
        this.accessLogs,
        props.noncurrentVersionRetention,
        replica && replicationRole ? this.replicationProps(replica, replicationRole) : {},
      ),
    );
    if (replica && replicationRole) this.grantReplication(replicationRole, replica);

    const replicas = replica ? [{ region: replica.region, deletionProtection: true }] : undefined;
    const encryption = dynamodb.TableEncryptionV2.customerManagedKey(
      this.key,
      replica ? { [replica.region]: replica.names.keyAliasArn } : undefined,
    );
    const key = (name: string): dynamodb.Attribute => ({ name, type: dynamodb.AttributeType.STRING });
    const common = {
      partitionKey: key(TABLE.partitionKey),
      sortKey: key(TABLE.sortKey),
      billing: dynamodb.Billing.onDemand(),
      encryption,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtection: true,
      removalPolicy: RemovalPolicy.RETAIN,
      ...(replicas ? { replicas } : {}),
    };
    this.table = new dynamodb.TableV2(this, 'Table', {
      ...common,
      globalSecondaryIndexes: MAIN_TABLE_INDEXES.map((index) => ({
        indexName: index.name,
        partitionKey: key(index.partitionKey),
        sortKey: key(index.sortKey),
      })),
    });
    this.feedbackTable = new dynamodb.TableV2(this, 'FeedbackTable', {
      ...common,
      timeToLiveAttribute: TABLE.ttlAttribute,
      globalSecondaryIndexes: FEEDBACK_TABLE_INDEXES.map((index) => ({
        indexName: index.name,
        partitionKey: key(index.partitionKey),
        sortKey: key(index.sortKey),
      })),
    });
    const { sortKey: _sortKey, ...oneKey } = common;
    this.idempotencyTable = new dynamodb.TableV2(this, 'IdempotencyTable', {
      ...oneKey,
      partitionKey: key(IDEMPOTENCY_TABLE.partitionKey),
      timeToLiveAttribute: IDEMPOTENCY_TABLE.ttlAttribute,
    });
  }

  /**
   * The item actions Powertools' idempotency utility uses on the idempotency table (claim, read the
   * first response, complete, release), and the data key to encrypt and decrypt them.
   */
  grantIdempotency(grantee: iam.IGrantable): iam.Grant {
    return this.key.grant(grantee, ...KMS_DECRYPT, ...KMS_ENCRYPT).combine(
      iam.Grant.addToPrincipal({
        grantee,
        actions: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'],
        resourceArns: [this.idempotencyTable.tableArn],
      }),
    );
  }

  /** Read prompts, versions, environments and audit events. */
  grantReadRegistry(grantee: iam.IGrantable): iam.Grant {
    return this.grantTable(grantee, this.table, MAIN_TABLE_INDEXES, false);
  }

  /** Read and write prompts, versions, environments and audit events (conditional puts and updates). */
  grantWriteRegistry(grantee: iam.IGrantable): iam.Grant {
    return this.grantTable(grantee, this.table, MAIN_TABLE_INDEXES, true);
  }

  /**
   * dynamodb:BatchGetItem on the main table (no index) for the partition key, sort key and `ref` of
   * prompt items only, and decryption with the data key: the config validator's registry check
   * (docs/architecture.md, "Ten thousand prompts": Validator). Conditions hold it to those keys and
   * attributes, so it reads no approval, audit event or environment.
   */
  grantReadVersionRefs(grantee: iam.IGrantable): iam.Grant {
    return this.key.grant(grantee, ...KMS_DECRYPT).combine(
      iam.Grant.addToPrincipal({
        grantee,
        actions: ['dynamodb:BatchGetItem'],
        resourceArns: [this.table.tableArn],
        conditions: {
          'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [KEYS.promptPk('*')] },
          'ForAllValues:StringEquals': { 'dynamodb:Attributes': [...RECORDED_REF_ATTRIBUTES] },
          StringEqualsIfExists: { 'dynamodb:Select': 'SPECIFIC_ATTRIBUTES' },
        },
      }),
    );
  }

  /** Read feedback items and aggregates. */
  grantReadFeedback(grantee: iam.IGrantable): iam.Grant {
    return this.grantTable(grantee, this.feedbackTable, FEEDBACK_TABLE_INDEXES, false);
  }

  /**
   * dynamodb:Query alone on the feedback table and its aggregate index, and decryption with the data
   * key: listing feedback items and their comments, with no item read by key and no write.
   */
  grantQueryFeedback(grantee: iam.IGrantable): iam.Grant {
    const table = this.feedbackTable;
    return this.key.grant(grantee, ...KMS_DECRYPT).combine(
      iam.Grant.addToPrincipal({
        grantee,
        actions: ['dynamodb:Query'],
        resourceArns: [
          table.tableArn,
          ...FEEDBACK_TABLE_INDEXES.map((index) => `${table.tableArn}/index/${index.name}`),
        ],
      }),
    );
  }

  /**
   * What the feedback reconciler needs and no more: dynamodb:Query on the feedback table and its
   * pending index (gsi2), GetItem and UpdateItem on the table (a shard's consistent read, its
   * conditional settle, an item's pending mark), and the data key to decrypt and encrypt them.
   */
  grantReconcileFeedback(grantee: iam.IGrantable): iam.Grant {
    const table = this.feedbackTable;
    return this.key.grant(grantee, ...KMS_DECRYPT, ...KMS_ENCRYPT).combine(
      iam.Grant.addToPrincipal({
        grantee,
        actions: ['dynamodb:Query'],
        resourceArns: [table.tableArn, `${table.tableArn}/index/${TABLE.gsi2.name}`],
      }).combine(
        iam.Grant.addToPrincipal({
          grantee,
          actions: ['dynamodb:GetItem', 'dynamodb:UpdateItem'],
          resourceArns: [table.tableArn],
        }),
      ),
    );
  }

  /** Read and write feedback items and aggregates. */
  grantWriteFeedback(grantee: iam.IGrantable): iam.Grant {
    return this.grantTable(grantee, this.feedbackTable, FEEDBACK_TABLE_INDEXES, true);
  }

  /** s3:GetObject on prompt documents, and decryption with the data key. */
  grantReadBodies(grantee: iam.IGrantable): iam.Grant {
    return this.grantObjects(grantee, [BODY_KEY_PREFIX], false);
  }

  /** Read and write prompt documents (bodies are content-addressed, so writes are idempotent). */
  grantWriteBodies(grantee: iam.IGrantable): iam.Grant {
    return this.grantObjects(grantee, [BODY_KEY_PREFIX], true);
  }

  /**
   * s3:GetObject on version objects (`versions/<ref>.json`, docs/architecture.md "Ten thousand
   * prompts"), and decryption with the data key: the validator and apps read them.
   */
  grantReadVersionObjects(grantee: iam.IGrantable): iam.Grant {
    return this.grantObjects(grantee, [VERSION_KEY_PREFIX], false);
  }

  /** Read and write version objects (content-addressed, so writes are idempotent): publish and deploy. */
  grantWriteVersionObjects(grantee: iam.IGrantable): iam.Grant {
    return this.grantObjects(grantee, [VERSION_KEY_PREFIX], true);
  }

  /** s3:GetObject on evaluation suites and results, and decryption with the data key. */
  grantReadEvaluations(grantee: iam.IGrantable): iam.Grant {
    return this.grantObjects(grantee, EVALUATION_KEY_PREFIXES, false);
  }

  /** Read and write evaluation suites and results (content-addressed, so writes are idempotent). */
  grantWriteEvaluations(grantee: iam.IGrantable): iam.Grant {
    return this.grantObjects(grantee, EVALUATION_KEY_PREFIXES, true);
  }

  /**
   * For apps capturing shadow outputs (docs/shadows.md): s3:PutObject under `shadow-outputs/<env>/`
   * of `environments` (all of `shadow-outputs/` when none are named), and kms:GenerateDataKey, which
   * a put encrypted with the data key needs. No read, no list, no delete.
   */
  grantWriteShadowOutputs(grantee: iam.IGrantable, environments?: readonly string[]): iam.Grant {
    const prefixes =
      environments && environments.length > 0
        ? environments.map((env) => `${SHADOW_OUTPUT_KEY_PREFIX}${env}/`)
        : [SHADOW_OUTPUT_KEY_PREFIX];
    const principal = grantee.grantPrincipal;
    if (principal instanceof Construct) {
      for (const prefix of prefixes) {
        acknowledgeWildcardResource(
          principal,
          this.bodies.arnForObjects(`${prefix}*`),
          `${principal.node.path}: captured shadow outputs are written under ${prefix}<prompt id>/<day>/<random id>.json, keys known only at run time`,
        );
      }
    }
    return this.key.grant(grantee, 'kms:GenerateDataKey').combine(
      iam.Grant.addToPrincipal({
        grantee,
        actions: ['s3:PutObject'],
        resourceArns: prefixes.map((prefix) => this.bodies.arnForObjects(`${prefix}*`)),
      }),
    );
  }

  /** For the shadow report: list and read the captured shadow outputs, and decrypt them. */
  grantReadShadowOutputs(grantee: iam.IGrantable): iam.Grant {
    const principal = grantee.grantPrincipal;
    if (principal instanceof Construct) {
      acknowledgeWildcardResource(
        principal,
        this.bodies.arnForObjects(`${SHADOW_OUTPUT_KEY_PREFIX}*`),
        `${principal.node.path}: the shadow report reads the captured output pairs under ${SHADOW_OUTPUT_KEY_PREFIX}, keys known only at run time`,
      );
    }
    return this.key
      .grant(grantee, ...KMS_DECRYPT)
      .combine(
        iam.Grant.addToPrincipal({
          grantee,
          actions: ['s3:GetObject'],
          resourceArns: [this.bodies.arnForObjects(`${SHADOW_OUTPUT_KEY_PREFIX}*`)],
        }),
      )
      .combine(
        iam.Grant.addToPrincipal({
          grantee,
          actions: ['s3:ListBucket'],
          resourceArns: [this.bodies.bucketArn],
          conditions: { StringLike: { 's3:prefix': [`${SHADOW_OUTPUT_KEY_PREFIX}*`] } },
        }),
      );
  }

  /** Expires captured shadow outputs after `retention` (the feedback retention, docs/shadows.md). */
  expireShadowOutputs(retention: Duration): void {
    this.bodies.addLifecycleRule(shadowOutputExpiry(SHADOW_OUTPUT_KEY_PREFIX, retention));
  }

  private grantObjects(grantee: iam.IGrantable, prefixes: readonly string[], write: boolean): iam.Grant {
    return this.key.grant(grantee, ...KMS_DECRYPT, ...(write ? KMS_ENCRYPT : [])).combine(
      iam.Grant.addToPrincipal({
        grantee,
        actions: ['s3:GetObject', ...(write ? ['s3:PutObject'] : [])],
        resourceArns: prefixes.map((prefix) => this.bodies.arnForObjects(`${prefix}*`)),
      }),
    );
  }

  private grantTable(
    grantee: iam.IGrantable,
    table: dynamodb.TableV2,
    indexes: readonly { readonly name: string }[],
    write: boolean,
  ): iam.Grant {
    return this.key.grant(grantee, ...KMS_DECRYPT, ...(write ? KMS_ENCRYPT : [])).combine(
      iam.Grant.addToPrincipal({
        grantee,
        actions: [...DYNAMODB_READ, ...(write ? DYNAMODB_WRITE : [])],
        resourceArns: [table.tableArn, ...indexes.map((index) => `${table.tableArn}/index/${index.name}`)],
      }),
    );
  }

  /** Replication of SSE-KMS objects to the replica bucket, re-encrypted there with the replica key. */
  private replicationProps(
    replica: ResolvedReplica,
    role: iam.IRole,
  ): Pick<s3.BucketProps, 'replicationRole' | 'replicationRules'> {
    return {
      replicationRole: role,
      replicationRules: [
        {
          id: 'ToReplicaRegion',
          destination: this.replicaBucket(replica),
          // The alias ARN: the replica key is created by the replica stack, so its key id is unknown here.
          kmsKey: kms.Key.fromKeyArn(this, 'ReplicaKey', replica.names.keyAliasArn),
          sseKmsEncryptedObjects: true,
          replicationTimeControl: s3.ReplicationTimeValue.FIFTEEN_MINUTES,
          metrics: s3.ReplicationTimeValue.FIFTEEN_MINUTES,
          priority: 1,
        },
      ],
    };
  }

  private replicaBucket(replica: ResolvedReplica): s3.IBucket {
    return (
      (this.node.tryFindChild('ReplicaBucket') as s3.IBucket | undefined) ??
      s3.Bucket.fromBucketAttributes(this, 'ReplicaBucket', {
        bucketArn: replica.names.bucketArn,
        bucketName: replica.names.bucketName,
        region: replica.region,
      })
    );
  }

  private grantReplication(role: iam.Role, replica: ResolvedReplica): void {
    const { names } = replica;
    this.bodies.grantReplicationPermission(role, {
      sourceDecryptionKey: this.key,
      destinations: [{ bucket: this.replicaBucket(replica) }],
    });
    // IAM cannot name the replica key by its alias ARN, so the statement covers the replica region's keys
    // and the condition narrows it to the one key carrying the replica alias.
    role.addToPolicy(
      new iam.PolicyStatement({
        actions: KMS_ENCRYPT,
        resources: [names.keyArnPattern],
        conditions: { 'ForAnyValue:StringEquals': { 'kms:ResourceAliases': [names.keyAlias] } },
      }),
    );
    const path = role.node.path;
    acknowledgeWildcardResource(
      role,
      this.bodies.arnForObjects('*'),
      `${path}: S3 replication reads every object version of the bodies bucket`,
    );
    acknowledgeWildcardResource(
      role,
      this.replicaBucket(replica).arnForObjects('*'),
      `${path}: S3 replication writes every replicated object into the replica bucket ${names.bucketName}`,
    );
    acknowledgeWildcardResource(
      role,
      names.keyArnPattern,
      `${path}: the replica key is created by the replica stack, so its key id is unknown here; the kms:ResourceAliases condition narrows this statement to the key with alias ${names.keyAlias}`,
    );
  }
}
