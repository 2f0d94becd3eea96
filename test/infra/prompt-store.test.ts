import { Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { beforeAll, describe, expect, it } from 'vitest';
import { PromptStore } from '../../lib/constructs/prompt-store.ts';
import { FEEDBACK_TABLE_INDEXES, MAIN_TABLE_INDEXES, TABLE } from '../../src/core/contracts.ts';
import { actionsOf, logicalId, roleStatements, TEST_ENV, testApp, testStack } from './support.ts';

const REPLICA_KEY_ALIAS_ARN = `arn:aws:kms:us-west-2:${TEST_ENV.account}:alias/promptops/replica`;

function build(options: { replica?: boolean } = {}) {
  const stack = testStack(testApp());
  const store = new PromptStore(
    stack,
    'Store',
    options.replica ? { replica: { region: 'us-west-2', applicationName: 'promptops' } } : {},
  );
  const reader = new iam.Role(stack, 'Reader', { assumedBy: new iam.AccountRootPrincipal() });
  const writer = new iam.Role(stack, 'Writer', { assumedBy: new iam.AccountRootPrincipal() });
  store.grantReadRegistry(reader);
  store.grantReadBodies(reader);
  store.grantWriteRegistry(writer);
  store.grantWriteBodies(writer);
  store.grantWriteFeedback(writer);
  return { stack, store, template: Template.fromStack(stack) };
}

describe('Construct: PromptStore', () => {
  let template: Template;
  let replicated: Template;
  let keyId: string;
  let bodiesId: string;

  beforeAll(() => {
    template = build().template;
    replicated = build({ replica: true }).template;
    keyId = logicalId(template, 'AWS::KMS::Key', 'StoreKey');
    bodiesId = logicalId(template, 'AWS::S3::Bucket', 'StoreBodies');
  });

  describe('the data key', () => {
    it('is customer-managed with rotation on and kept on stack deletion', () => {
      template.hasResource('AWS::KMS::Key', {
        Properties: { EnableKeyRotation: true },
        DeletionPolicy: 'Retain',
      });
    });
  });

  describe('the bodies bucket', () => {
    it('is encrypted with the data key (bucket key on)', () => {
      template.hasResourceProperties('AWS::S3::Bucket', {
        BucketEncryption: {
          ServerSideEncryptionConfiguration: [
            {
              BucketKeyEnabled: true,
              ServerSideEncryptionByDefault: {
                SSEAlgorithm: 'aws:kms',
                KMSMasterKeyID: { 'Fn::GetAtt': [keyId, 'Arn'] },
              },
            },
          ],
        },
      });
    });

    it('is versioned, blocks public access and logs access to the log bucket', () => {
      const bucket = template.findResources('AWS::S3::Bucket')[bodiesId]!;
      expect(bucket.Properties.VersioningConfiguration).toEqual({ Status: 'Enabled' });
      expect(bucket.Properties.PublicAccessBlockConfiguration).toEqual({
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      });
      expect(bucket.Properties.LoggingConfiguration).toEqual({
        DestinationBucketName: { Ref: logicalId(template, 'AWS::S3::Bucket', 'StoreAccessLogs') },
        LogFilePrefix: 'bodies/',
      });
      expect(bucket.DeletionPolicy).toBe('Retain');
    });

    it('expires noncurrent versions after 90 days', () => {
      const bucket = template.findResources('AWS::S3::Bucket')[bodiesId]!;
      expect(bucket.Properties.LifecycleConfiguration.Rules).toContainEqual(
        expect.objectContaining({ NoncurrentVersionExpiration: { NoncurrentDays: 90 }, Status: 'Enabled' }),
      );
    });

    it('denies requests without TLS or with TLS older than 1.2', () => {
      template.hasResourceProperties('AWS::S3::BucketPolicy', {
        Bucket: { Ref: bodiesId },
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
            Match.objectLike({ Effect: 'Deny', Condition: { NumericLessThan: { 's3:TlsVersion': 1.2 } } }),
          ]),
        },
      });
    });

    it('has an access log bucket that is encrypted, private and TLS-only', () => {
      const logsId = logicalId(template, 'AWS::S3::Bucket', 'StoreAccessLogs');
      const logs = template.findResources('AWS::S3::Bucket')[logsId]!;
      expect(
        logs.Properties.BucketEncryption.ServerSideEncryptionConfiguration[0].ServerSideEncryptionByDefault,
      ).toEqual({
        SSEAlgorithm: 'AES256',
      });
      expect(logs.Properties.PublicAccessBlockConfiguration.RestrictPublicBuckets).toBe(true);
      template.hasResourceProperties('AWS::S3::BucketPolicy', {
        Bucket: { Ref: logsId },
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          ]),
        },
      });
    });
  });

  describe('the tables', () => {
    it('are three on-demand global tables with KMS, point-in-time recovery and deletion protection', () => {
      template.resourceCountIs('AWS::DynamoDB::GlobalTable', 3);
      const tables = Object.values(template.findResources('AWS::DynamoDB::GlobalTable'));
      for (const table of tables) {
        expect(table.Properties.BillingMode).toBe('PAY_PER_REQUEST');
        expect(table.Properties.SSESpecification).toEqual({ SSEEnabled: true, SSEType: 'KMS' });
        expect(table.DeletionPolicy).toBe('Retain');
        expect(table.Properties.Replicas).toHaveLength(1);
        expect(table.Properties.Replicas[0]).toMatchObject({
          Region: 'us-east-1',
          DeletionProtectionEnabled: true,
          PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
          SSESpecification: { KMSMasterKeyId: { 'Fn::GetAtt': [keyId, 'Arn'] } },
        });
      }
    });

    it('key the main table with pk/sk and its indexes from core contracts', () => {
      template.hasResourceProperties('AWS::DynamoDB::GlobalTable', {
        KeySchema: [
          { AttributeName: TABLE.partitionKey, KeyType: 'HASH' },
          { AttributeName: TABLE.sortKey, KeyType: 'RANGE' },
        ],
        GlobalSecondaryIndexes: MAIN_TABLE_INDEXES.map((index) => ({
          IndexName: index.name,
          KeySchema: [
            { AttributeName: index.partitionKey, KeyType: 'HASH' },
            { AttributeName: index.sortKey, KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'ALL' },
        })),
      });
    });

    it('expire feedback items through the TTL attribute', () => {
      template.hasResourceProperties('AWS::DynamoDB::GlobalTable', {
        TimeToLiveSpecification: { AttributeName: TABLE.ttlAttribute, Enabled: true },
        GlobalSecondaryIndexes: FEEDBACK_TABLE_INDEXES.map((index) =>
          Match.objectLike({ IndexName: index.name }),
        ),
      });
    });
  });

  describe('without a replica region', () => {
    it('has no replica and no replication', () => {
      expect(JSON.stringify(template.toJSON())).not.toContain('us-west-2');
      template.hasResourceProperties('AWS::S3::Bucket', { ReplicationConfiguration: Match.absent() });
      template.resourceCountIs('AWS::IAM::Role', 2);
    });
  });

  describe('with a replica region', () => {
    it('adds a table replica there, encrypted with the replica key and protected like the primary', () => {
      const tables = Object.values(replicated.findResources('AWS::DynamoDB::GlobalTable'));
      expect(tables).toHaveLength(3);
      for (const table of tables) {
        expect(table.Properties.Replicas).toContainEqual(
          expect.objectContaining({
            Region: 'us-west-2',
            DeletionProtectionEnabled: true,
            PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
            SSESpecification: { KMSMasterKeyId: REPLICA_KEY_ALIAS_ARN },
          }),
        );
      }
    });

    it('replicates KMS-encrypted bodies within 15 minutes to the replica bucket with the replica key', () => {
      replicated.hasResourceProperties('AWS::S3::Bucket', {
        ReplicationConfiguration: {
          Role: Match.anyValue(),
          Rules: [
            Match.objectLike({
              Status: 'Enabled',
              Destination: Match.objectLike({
                Bucket: `arn:aws:s3:::promptops-replica-${TEST_ENV.account}-us-west-2`,
                EncryptionConfiguration: { ReplicaKmsKeyID: REPLICA_KEY_ALIAS_ARN },
                ReplicationTime: { Status: 'Enabled', Time: { Minutes: 15 } },
              }),
              SourceSelectionCriteria: { SseKmsEncryptedObjects: { Status: 'Enabled' } },
            }),
          ],
        },
      });
    });

    it('lets the replication role encrypt only with the key carrying the replica alias', () => {
      const statements = roleStatements(replicated, 'StoreReplicationRole');
      const encrypt = statements.find((s) => actionsOf(s).includes('kms:Encrypt'));
      expect(encrypt?.Condition).toEqual({
        'ForAnyValue:StringEquals': { 'kms:ResourceAliases': ['alias/promptops/replica'] },
      });
    });
  });

  describe('grants', () => {
    it('give readers item reads on the table and its indexes, and GetObject on documents only', () => {
      const statements = roleStatements(template, 'Reader');
      const actions = statements.flatMap(actionsOf);
      expect(actions).toEqual(
        expect.arrayContaining(['dynamodb:GetItem', 'dynamodb:Query', 's3:GetObject', 'kms:Decrypt']),
      );
      expect(actions).not.toContain('dynamodb:PutItem');
      expect(actions).not.toContain('s3:PutObject');
      expect(actions).not.toContain('kms:Encrypt');
      const tableStatement = statements.find((s) => actionsOf(s).includes('dynamodb:Query'))!;
      expect((tableStatement.Resource as unknown[]).length).toBe(1 + MAIN_TABLE_INDEXES.length);
      const s3Statement = statements.find((s) => actionsOf(s).includes('s3:GetObject'))!;
      expect(s3Statement.Resource).toEqual({
        'Fn::Join': ['', [{ 'Fn::GetAtt': [bodiesId, 'Arn'] }, '/documents/sha256/*']],
      });
    });

    it('give writers single-item puts, updates and deletes (to undo their own write), never object deletes or batch writes, and encryption with the key', () => {
      const actions = roleStatements(template, 'Writer').flatMap(actionsOf);
      expect(actions).toEqual(
        expect.arrayContaining([
          'dynamodb:PutItem',
          'dynamodb:UpdateItem',
          'dynamodb:DeleteItem',
          's3:PutObject',
          'kms:GenerateDataKey',
        ]),
      );
      expect(actions.filter((a) => a.includes('Delete') && a !== 'dynamodb:DeleteItem')).toEqual([]);
      expect(actions.filter((a) => /Batch(Write)|Transact/.test(a))).toEqual([]);
    });

    it('never grant wildcard actions', () => {
      const actions = [...roleStatements(template, 'Reader'), ...roleStatements(template, 'Writer')].flatMap(
        actionsOf,
      );
      expect(actions.filter((a) => a.includes('*'))).toEqual([]);
    });
  });
});
