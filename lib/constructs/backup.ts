/**
 * The second line of recovery: an AWS Backup plan with daily backups of the tables, kept in a vault
 * encrypted with the data key and, with a replica region, copied to the replica region's vault.
 */
import { Duration, Names, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as backup from 'aws-cdk-lib/aws-backup';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import type * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { PropsValidator } from '../private/validation.ts';

/** Props of {@link PromptBackup}. */
export interface PromptBackupProps {
  /** Tables to back up. */
  readonly tables: readonly dynamodb.ITableV2[];
  /** Encrypts the primary vault. */
  readonly key: kms.IKey;
  /**
   * ARN of the vault in another region that receives a copy of every backup.
   * @default - no cross-region copy
   */
  readonly copyToVaultArn?: string;
  /**
   * How long backups (and their copies) are kept.
   * @default Duration.days(35)
   */
  readonly retention?: Duration;
}

/**
 * Daily AWS Backup of the tables at 03:00 UTC into a vault encrypted with the data key, kept for
 * `retention`, and copied to another region's vault when `copyToVaultArn` is given.
 */
export class PromptBackup extends Construct {
  /** The vault backups are kept in (retained when the stack is deleted). */
  readonly vault: backup.BackupVault;
  /** The daily plan and its table selection. */
  readonly plan: backup.BackupPlan;

  constructor(scope: Construct, id: string, props: PromptBackupProps) {
    super(scope, id);
    const retention = props.retention ?? Duration.days(35);
    const check = new PropsValidator(this);
    check.check(props.tables.length > 0, 'needs at least one table to back up (got none)');
    check.check(
      retention.toDays() >= 1,
      `retention must be at least one day (got ${retention.toHumanString()})`,
    );
    check.throwIfAny();

    this.vault = new backup.BackupVault(this, 'Vault', {
      encryptionKey: props.key,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.plan = new backup.BackupPlan(this, 'Plan', {
      backupPlanName: Names.uniqueResourceName(this, { maxLength: 50, separator: '-' }),
      backupVault: this.vault,
      backupPlanRules: [
        new backup.BackupPlanRule({
          ruleName: 'Daily',
          scheduleExpression: events.Schedule.cron({ hour: '3', minute: '0' }),
          deleteAfter: retention,
          ...(props.copyToVaultArn
            ? {
                copyActions: [
                  {
                    destinationBackupVault: backup.BackupVault.fromBackupVaultArn(
                      this,
                      'CopyVault',
                      props.copyToVaultArn,
                    ),
                    deleteAfter: retention,
                  },
                ],
              }
            : {}),
        }),
      ],
    });
    const selection = this.plan.addSelection('Tables', {
      resources: props.tables.map((table) => backup.BackupResource.fromArn(table.tableArn)),
      allowRestores: true,
    });
    Validations.of(selection).acknowledge({
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForBackup]',
      reason: `${selection.node.path}: AWS Backup's own service role policy for backing up, which AWS maintains as the resource types it supports change`,
    });
    Validations.of(selection).acknowledge({
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForRestores]',
      reason: `${selection.node.path}: AWS Backup's own service role policy for restores, needed for the documented restore procedure`,
    });
  }
}
