/** The primary stack: the PromptOps construct and the outputs the CLI and operators use. */
import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { PACKAGE_VERSION } from '../src/package-root.ts';
import { pascalCase } from './private/validation.ts';
import { PromptOps, type PromptOpsProps } from './promptops.ts';

/** Props of {@link PromptOpsStack}. */
export interface PromptOpsStackProps extends StackProps {
  /**
   * Settings and options of the PromptOps construct.
   * @default - the construct's defaults
   */
  readonly promptOps?: PromptOpsProps;
}

/** The app's primary stack: one PromptOps construct and the outputs the CLI reads (README, "Stack outputs"). */
export class PromptOpsStack extends Stack {
  /** The PromptOps construct. */
  readonly promptOps: PromptOps;

  constructor(scope: Construct, id: string, props: PromptOpsStackProps = {}) {
    const { promptOps, ...stackProps } = props;
    super(scope, id, { description: `PromptOps ${PACKAGE_VERSION}`, ...stackProps });
    this.promptOps = new PromptOps(this, 'PromptOps', promptOps);
    const p = this.promptOps;

    const output = (id: string, value: string, description: string) =>
      new CfnOutput(this, id, { value, description });
    output('Version', PACKAGE_VERSION, 'The PromptOps version deployed');
    output('ApiUrl', p.apiUrl, 'PromptOps HTTP API (IAM authorization)');
    output('AppConfigApplicationId', p.delivery.application.applicationId, 'AppConfig application id');
    output('AppConfigApplicationName', p.applicationName, 'AppConfig application name');
    output(
      'AppConfigProfileId',
      p.delivery.configurationProfileId,
      'AppConfig configuration profile id (prompts)',
    );
    for (const environment of p.settings.environments) {
      const suffix = pascalCase(environment);
      output(
        `AppConfigEnvironmentId${suffix}`,
        p.delivery.environments[environment]!.environmentId,
        `AppConfig environment id of ${environment}`,
      );
      output(
        `AgentPath${suffix}`,
        p.agentPath(environment),
        `AppConfig Agent path of the ${environment} manifest`,
      );
    }
    output('BodyBucketName', p.store.bodies.bucketName, 'Bucket of prompt documents');
    output('TableName', p.store.table.tableName, 'Table of prompts, versions, environments and audit');
    output('FeedbackTableName', p.store.feedbackTable.tableName, 'Table of feedback');
    output('OperatorsTopicArn', p.observability.topic.topicArn, "Operators' SNS topic");
    output('DashboardUrl', p.dashboardUrl, 'CloudWatch dashboard');
  }
}
