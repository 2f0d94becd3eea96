/**
 * The idempotency table (docs/architecture.md, "Idempotent writes"): encrypted with the data key,
 * expiring records through TTL, point-in-time recovery on, and reachable only by the handlers with
 * a write route, with only the item actions Powertools' idempotency utility sends.
 */
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { ENV, IDEMPOTENCY_TABLE } from '../../src/core/contracts.ts';
import { actionsOf, buildPromptOps, logicalId, roleStatements } from './support.ts';

const ITEM_ACTIONS = ['dynamodb:DeleteItem', 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'];

describe('Construct: PromptOps (idempotency table)', () => {
  let template: Template;
  let tableId: string;

  beforeAll(() => {
    ({ template } = buildPromptOps({ handlers: true }));
    tableId = logicalId(template, 'AWS::DynamoDB::GlobalTable', 'PromptOpsStoreIdempotencyTable');
  });

  it('is keyed by id, expires records through TTL, encrypted with the data key, with PITR', () => {
    const table = template.findResources('AWS::DynamoDB::GlobalTable')[tableId]!;
    expect(table.Properties.KeySchema).toEqual([
      { AttributeName: IDEMPOTENCY_TABLE.partitionKey, KeyType: 'HASH' },
    ]);
    expect(table.Properties.TimeToLiveSpecification).toEqual({
      AttributeName: IDEMPOTENCY_TABLE.ttlAttribute,
      Enabled: true,
    });
    expect(table.Properties.SSESpecification).toEqual({ SSEEnabled: true, SSEType: 'KMS' });
    const keyId = logicalId(template, 'AWS::KMS::Key', 'PromptOpsStoreKey');
    expect(table.Properties.Replicas[0]).toMatchObject({
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      SSESpecification: { KMSMasterKeyId: { 'Fn::GetAtt': [keyId, 'Arn'] } },
    });
  });

  const onTable = (template: Template, role: string) =>
    roleStatements(template, role).filter((s) => JSON.stringify(s.Resource).includes(`"${tableId}"`));

  it('grants the write handlers the four item actions and nothing more', () => {
    for (const role of [
      'PromptOpsApiPublishHandler',
      'PromptOpsApiReviewHandler',
      'PromptOpsApiDeployHandler',
      'PromptOpsApiFeedbackHandler',
      'PromptOpsApiMetricsHandler',
      'PromptOpsApiEvaluateHandler',
    ]) {
      const statements = onTable(template, role);
      expect(statements, role).toHaveLength(1);
      expect(actionsOf(statements[0]!).sort(), role).toEqual(ITEM_ACTIONS);
    }
  });

  it('gives the read-only query handler neither the table nor its name', () => {
    expect(onTable(template, 'PromptOpsApiQueryHandler')).toEqual([]);
    const withName = Object.values(template.findResources('AWS::Lambda::Function')).filter(
      (fn) => fn.Properties.Environment?.Variables?.[ENV.idempotencyTable] !== undefined,
    );
    expect(withName).toHaveLength(6);
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ [ENV.idempotencyTable]: { Ref: tableId } }) },
    });
  });
});
