/**
 * The replica region's stack: its own KMS key, the bucket the bodies replicate to, and the vault that
 * receives copies of the daily backups. The DynamoDB replicas are created by the primary stack's global
 * tables (they use this stack's key through its alias). Deploy it before the primary stack.
 */
import { Duration, RemovalPolicy, Stack, type StackProps, Token } from 'aws-cdk-lib';
import * as backup from 'aws-cdk-lib/aws-backup';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';
import { APPCONFIG } from '../src/core/contracts.ts';
import { SHADOW_OUTPUT_KEY_PREFIX } from '../src/core/shadow-outputs.ts';
import { accessLogBucket, bodyBucketProps, shadowOutputExpiry } from './private/body-buckets.ts';
import { replicaNames } from './private/replica-names.ts';
import { PropsValidator } from './private/validation.ts';

/** Props of {@link PromptOpsReplicaStack}. */
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
  /**
   * Expire replicated captured shadow outputs (docs/shadows.md) after this long: the primary's
   * `shadowOutputCapture` pairs replicate with the bodies, and S3 does not replicate lifecycle expiry.
   * Give it the feedback retention when an environment captures outputs.
   * @default - no expiry rule
   */
  readonly shadowOutputRetention?: Duration;
}

/**
 * The replica region's stack: its key, the bucket the bodies replicate to and the vault that receives
 * the backup copies. Deploy it before the primary stack, whose names for them must match.
 */
export class PromptOpsReplicaStack extends Stack {
  /** The replica key, found by the primary stack through its alias. */
  readonly key: kms.Key;
  /** The bucket prompt bodies replicate to. */
  readonly bodies: s3.Bucket;
  /** Server access logs of the replica bucket. */
  readonly accessLogs: s3.Bucket;
  /** The vault that receives copies of the daily backups. */
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
    this.accessLogs = accessLogBucket(this, Duration.days(365), 'the replica bucket');
    this.bodies = new s3.Bucket(
      this,
      'Bodies',
      bodyBucketProps(this.key, this.accessLogs, props.noncurrentVersionRetention, {
        bucketName: names.bucketName,
      }),
    );
    if (props.shadowOutputRetention)
      this.bodies.addLifecycleRule(shadowOutputExpiry(SHADOW_OUTPUT_KEY_PREFIX, props.shadowOutputRetention));
    this.vault = new backup.BackupVault(this, 'Vault', {
      backupVaultName: names.backupVaultName,
      encryptionKey: this.key,
      removalPolicy: RemovalPolicy.RETAIN,
    });
  }
}
