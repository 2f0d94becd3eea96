/**
 * Names of the replica region's resources. The primary stack refers to them before they can be looked
 * up (its table replica and bucket replication point at them), so both stacks derive the same
 * deterministic names from the application name, the account and the replica region.
 */
import { Stack } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

export interface ReplicaNames {
  readonly keyAlias: string;
  /** Alias ARN: DynamoDB replicas and S3 replication accept it where a key ARN is expected. */
  readonly keyAliasArn: string;
  /** Key ARNs in the replica region, for statements narrowed further by the alias condition. */
  readonly keyArnPattern: string;
  readonly bucketName: string;
  readonly bucketArn: string;
  readonly backupVaultName: string;
  readonly backupVaultArn: string;
}

export function replicaNames(
  scope: IConstruct,
  applicationName: string,
  replicaRegion: string,
): ReplicaNames {
  const { account, partition } = Stack.of(scope);
  const keyAlias = `alias/${applicationName}/replica`;
  const bucketName = `${applicationName}-replica-${account}-${replicaRegion}`;
  const backupVaultName = `${applicationName}-replica`;
  return {
    keyAlias,
    keyAliasArn: `arn:${partition}:kms:${replicaRegion}:${account}:${keyAlias}`,
    keyArnPattern: `arn:${partition}:kms:${replicaRegion}:${account}:key/*`,
    bucketName,
    bucketArn: `arn:${partition}:s3:::${bucketName}`,
    backupVaultName,
    backupVaultArn: `arn:${partition}:backup:${replicaRegion}:${account}:backup-vault:${backupVaultName}`,
  };
}
