import { Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildPromptOpsApp, PRIMARY_STACK_ID, REPLICA_STACK_ID } from '../../lib/promptops-app.ts';
import { CDK_CONTEXT, testApp } from './support.ts';

describe('the CDK app', () => {
  describe('with the cdk.json defaults', () => {
    let app: ReturnType<typeof buildPromptOpsApp>;
    let template: Template;

    beforeAll(() => {
      app = buildPromptOpsApp(testApp());
      template = Template.fromStack(app.primary);
    });

    it('has one stack, in the configured region, and no replica', () => {
      expect(app.replica).toBeUndefined();
      expect(app.primary.stackName).toBe(PRIMARY_STACK_ID);
      expect(app.primary.region).toBe(CDK_CONTEXT.region);
      expect(app.primary.node.root.node.tryFindChild(REPLICA_STACK_ID)).toBeUndefined();
    });

    it('reads the settings from the context', () => {
      expect(app.settings.environments).toEqual(['dev', 'staging', 'prod']);
      expect(app.settings.protectedEnvironments).toEqual(['prod']);
      expect(app.settings.alarmMinimumSamples).toBe(CDK_CONTEXT.alarmMinimumSamples);
    });

    it('outputs the API URL, AppConfig ids, agent paths, bucket and table names and the dashboard URL', () => {
      const outputs = template.findOutputs('*');
      expect(Object.keys(outputs).sort()).toEqual(
        [
          'AgentPathDev',
          'AgentPathProd',
          'AgentPathStaging',
          'ApiUrl',
          'AppConfigApplicationId',
          'AppConfigApplicationName',
          'AppConfigEnvironmentIdDev',
          'AppConfigEnvironmentIdProd',
          'AppConfigEnvironmentIdStaging',
          'AppConfigProfileId',
          'BodyBucketName',
          'DashboardUrl',
          'FeedbackTableName',
          'OperatorsTopicArn',
          'TableName',
          'Version',
        ].sort(),
      );
      expect(outputs.AgentPathProd?.Value).toBe(
        '/applications/promptops/environments/prod/configurations/prompts',
      );
    });

    it('has no global table replica, replication or backup copy', () => {
      const json = JSON.stringify(template.toJSON());
      expect(json).not.toContain('ReplicationConfiguration');
      expect(json).not.toContain('CopyActions');
      for (const table of Object.values(template.findResources('AWS::DynamoDB::GlobalTable'))) {
        expect(table.Properties.Replicas).toHaveLength(1);
      }
    });
  });

  describe('with a replica region', () => {
    let app: ReturnType<typeof buildPromptOpsApp>;
    let replica: Template;

    beforeAll(() => {
      app = buildPromptOpsApp(testApp({ replicaRegion: 'us-west-2', operatorEmails: 'ops@example.com' }));
      replica = Template.fromStack(app.replica!);
    });

    it('adds a replica stack in that region, deployed before the primary', () => {
      expect(app.replica?.region).toBe('us-west-2');
      expect(app.primary.dependencies).toContain(app.replica);
    });

    it('gives the replica its own rotating key under the alias the primary stack refers to', () => {
      replica.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
      replica.hasResourceProperties('AWS::KMS::Alias', { AliasName: 'alias/promptops/replica' });
    });

    it('has a replica bucket that is encrypted with that key, versioned, private, TLS-only and logged', () => {
      const keyId = Object.keys(replica.findResources('AWS::KMS::Key'))[0]!;
      replica.hasResourceProperties('AWS::S3::Bucket', {
        BucketName: { 'Fn::Join': ['', ['promptops-replica-', { Ref: 'AWS::AccountId' }, '-us-west-2']] },
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
        VersioningConfiguration: { Status: 'Enabled' },
        LoggingConfiguration: Match.objectLike({ LogFilePrefix: 'bodies/' }),
      });
      const policies = JSON.stringify(replica.findResources('AWS::S3::BucketPolicy'));
      expect(policies).toContain('aws:SecureTransport');
    });

    it('has the vault that receives backup copies', () => {
      replica.hasResourceProperties('AWS::Backup::BackupVault', { BackupVaultName: 'promptops-replica' });
    });

    it('makes the primary tables global with a replica there and replicates the bodies', () => {
      const primary = Template.fromStack(app.primary);
      for (const table of Object.values(primary.findResources('AWS::DynamoDB::GlobalTable'))) {
        expect(table.Properties.Replicas.map((r: { Region: string }) => r.Region).sort()).toEqual([
          'us-east-1',
          'us-west-2',
        ]);
      }
      expect(JSON.stringify(primary.findResources('AWS::S3::Bucket'))).toContain('ReplicationConfiguration');
    });
  });

  describe('invalid context', () => {
    it.each([
      [{ environments: 'dev,Prod' }, /environments: "Prod" is not a valid environment name/],
      [{ alarmErrorRatePercent: 'high' }, /alarmErrorRatePercent: must be a number .*\(got "high"\)/],
      [
        { replicaRegion: 'us-east-1' },
        /replicaRegion: must differ from the primary region \(got "us-east-1"\)/,
      ],
      [{ protectedEnvironments: 'live' }, /protectedEnvironments: "live" is not one of the environments/],
      [{ customStrategies: '{"Fast": {}}' }, /customStrategies: "Fast".deploymentDurationInMinutes/],
      [{ feedbackRetentionDays: '-1' }, /feedbackRetentionDays: .*\(got "-1"\)/],
    ])('throws for %j, naming the key and the value', (context, message) => {
      expect(() => buildPromptOpsApp(testApp(context))).toThrow(message);
      expect(() => buildPromptOpsApp(testApp(context))).toThrow(/-c key=value/);
    });

    it('requires a region', () => {
      expect(() => buildPromptOpsApp(testApp({ region: '' }))).toThrow(
        /CDK context "region" is empty: set it in cdk.json or pass -c region=us-east-1/,
      );
    });
  });
});
