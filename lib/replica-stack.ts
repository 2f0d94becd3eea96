/**
 * The replica region's stack: its own KMS key, the bucket the bodies replicate to, and the vault that
 * receives copies of the daily backups. The DynamoDB replicas are created by the primary stack's global
 * tables (they use this stack's key through its alias). Deploy it before the primary stack.
 */
import { Duration, RemovalPolicy, Stack, type StackProps, Token, Validations } from 'aws-cdk-lib';
import * as backup from 'aws-cdk-lib/aws-backup';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';
import { APPCONFIG } from '../src/core/contracts.ts';
import { replicaNames } from './private/replica-names.ts';
import { PropsValidator } from './private/validation.ts';

export interface PromptOpsReplicaStackProps extends StackProps {
  /** The primary stack's region (where the data comes from). */
  readonly primaryRegion: string;
  /**
   * Must match the primary PromptOps construct's `applicationName`: the replica names derive from it.
   * @default 'promptops'
   */
  readonly applicationName?: string;
  /**
   * How long a replaced or deleted body version stays recoverable in the replica.
   * @default Duration.days(90)
   */
  readonly noncurrentVersionRetention?: Duration;
}

export class PromptOpsReplicaStack extends Stack {
  readonly key: kms.Key;
  readonly bodies: s3.Bucket;
  readonly accessLogs: s3.Bucket;
  readonly vault: backup.BackupVault;

  constructor(scope: Construct, id: string, props: PromptOpsReplicaStackProps) {
    super(scope, id, props);
    const check = new PropsValidator(this);
    check.check(
      !Token.isUnresolved(this.region),
      `the replica stack needs an explicit region (env.region) (got ${this.region})`,
    );
    check.check(
      this.region !== props.primaryRegion,
      `the replica region must differ from the primary region (both are "${props.primaryRegion}")`,
    );
    check.throwIfAny();
    const names = replicaNames(this, props.applicationName ?? APPCONFIG.application, this.region);

    this.key = new kms.Key(this, 'Key', {
      alias: names.keyAlias,
      description: `PromptOps replica key: replicated bodies, table replicas and backup copies from ${props.primaryRegion}`,
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.accessLogs = new s3.Bucket(this, 'AccessLogs', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      lifecycleRules: [{ id: 'ExpireLogs', expiration: Duration.days(365) }],
      removalPolicy: RemovalPolicy.RETAIN,
    });
    Validations.of(this.accessLogs).acknowledge({
      id: 'AwsSolutions-S1',
      reason: `${this.accessLogs.node.path} is the server access log destination of the replica bucket; logging its own access would log the log deliveries`,
    });
    this.bodies = new s3.Bucket(this, 'Bodies', {
      bucketName: names.bucketName,
      encryption: s3.BucketEncryption.KMS,
      encryptionKey: this.key,
      bucketKeyEnabled: true,
      versioned: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      serverAccessLogsBucket: this.accessLogs,
      serverAccessLogsPrefix: 'bodies/',
      lifecycleRules: [
        {
          id: 'NoncurrentVersions',
          noncurrentVersionExpiration: props.noncurrentVersionRetention ?? Duration.days(90),
          abortIncompleteMultipartUploadAfter: Duration.days(1),
        },
      ],
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.vault = new backup.BackupVault(this, 'Vault', {
      backupVaultName: names.backupVaultName,
      encryptionKey: this.key,
      removalPolicy: RemovalPolicy.RETAIN,
    });
  }
}
