/**
 * The prompt bodies bucket and its server access log bucket, as both the primary store and the
 * replica stack create them: KMS with a bucket key, versioned, TLS 1.2+, owner-enforced, retained.
 */
import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';
import { skipCheckov } from './checkov.ts';

/** How long an overwritten or deleted access log stays recoverable. */
const NONCURRENT_LOG_RETENTION = Duration.days(30);

/** The `AccessLogs` bucket of `scope`, logs kept for `retention`. */
export function accessLogBucket(scope: Construct, retention: Duration, logsOf: string): s3.Bucket {
  const bucket = new s3.Bucket(scope, 'AccessLogs', {
    // S3 server access logging delivers only to buckets encrypted with S3-managed keys.
    encryption: s3.BucketEncryption.S3_MANAGED,
    blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
    enforceSSL: true,
    minimumTLSVersion: 1.2,
    // Versioned, so a deleted or overwritten log stays recoverable for a while: logs are evidence.
    versioned: true,
    lifecycleRules: [
      { id: 'ExpireLogs', expiration: retention, noncurrentVersionExpiration: NONCURRENT_LOG_RETENTION },
    ],
    removalPolicy: RemovalPolicy.RETAIN,
  });
  const reason = `${bucket.node.path} is the server access log destination of ${logsOf}; logging its own access would log the log deliveries`;
  Validations.of(bucket).acknowledge({ id: 'AwsSolutions-S1', reason });
  skipCheckov(bucket, { id: 'CKV_AWS_18', reason });
  return bucket;
}

/** Props of a bodies bucket; `extra` adds a name or replication. */
export function bodyBucketProps(
  key: kms.IKey,
  accessLogs: s3.IBucket,
  noncurrentVersionRetention: Duration = Duration.days(90),
  extra: Partial<s3.BucketProps> = {},
): s3.BucketProps {
  return {
    encryption: s3.BucketEncryption.KMS,
    encryptionKey: key,
    bucketKeyEnabled: true,
    versioned: true,
    blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
    enforceSSL: true,
    minimumTLSVersion: 1.2,
    objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
    serverAccessLogsBucket: accessLogs,
    serverAccessLogsPrefix: 'bodies/',
    lifecycleRules: [
      {
        id: 'NoncurrentVersions',
        noncurrentVersionExpiration: noncurrentVersionRetention,
        abortIncompleteMultipartUploadAfter: Duration.days(1),
      },
    ],
    removalPolicy: RemovalPolicy.RETAIN,
    ...extra,
  };
}

/**
 * The lifecycle rule that expires captured shadow output pairs (docs/shadows.md) with the feedback
 * retention: current versions after `retention`, the noncurrent version that expiry leaves a day later.
 */
export function shadowOutputExpiry(prefix: string, retention: Duration): s3.LifecycleRule {
  return {
    id: 'ShadowOutputs',
    prefix,
    expiration: retention,
    noncurrentVersionExpiration: Duration.days(1),
  };
}
