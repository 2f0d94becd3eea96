/**
 * Appending to the audit log and nothing else: PutItem on the registry table restricted by
 * `dynamodb:LeadingKeys` to audit items (partition keys `AUDIT#...`, src/core/contracts.ts), with
 * the table key's encrypt actions. For a function that reads the registry and only records what it
 * found (the scheduled scan), so it cannot change a version, a pin or an approval (SECURITY.md).
 */
import * as iam from 'aws-cdk-lib/aws-iam';
import { KEYS } from '../../src/core/contracts.ts';
import type { PromptStore } from '../constructs/prompt-store.ts';

/** Every audit item's partition key starts with this. */
export const AUDIT_KEY_PATTERN = KEYS.auditPk('*');

export function grantAppendAudit(store: PromptStore, grantee: iam.IGrantable): iam.Grant {
  return store.key.grant(grantee, 'kms:Encrypt', 'kms:GenerateDataKey').combine(
    iam.Grant.addToPrincipal({
      grantee,
      actions: ['dynamodb:PutItem'],
      resourceArns: [store.table.tableArn],
      conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [AUDIT_KEY_PATTERN] } },
    }),
  );
}
