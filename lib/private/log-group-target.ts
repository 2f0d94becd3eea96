/**
 * An EventBridge target that writes events to a CloudWatch Logs log group. Unlike the aws-events-targets
 * version, the log group's resource policy is a CloudFormation resource (AWS::Logs::ResourcePolicy)
 * instead of a custom resource Lambda.
 */
import { ArnFormat, Stack } from 'aws-cdk-lib';
import type * as events from 'aws-cdk-lib/aws-events';
import { addToDeadLetterQueueResourcePolicy } from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as sqs from 'aws-cdk-lib/aws-sqs';

export interface LogGroupTargetProps {
  /** Events that cannot be written after the retries go here. */
  readonly deadLetterQueue: sqs.IQueue;
  /** @default 10 */
  readonly retryAttempts?: number;
}

export class LogGroupTarget implements events.IRuleTarget {
  private readonly logGroup: logs.ILogGroup;
  private readonly props: LogGroupTargetProps;

  constructor(logGroup: logs.ILogGroup, props: LogGroupTargetProps) {
    this.logGroup = logGroup;
    this.props = props;
  }

  bind(rule: events.IRule): events.RuleTargetConfig {
    const arn = Stack.of(this.logGroup).formatArn({
      service: 'logs',
      resource: 'log-group',
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
      resourceName: this.logGroup.logGroupName,
    });
    this.logGroup.addToResourcePolicy(
      new iam.PolicyStatement({
        principals: [
          new iam.ServicePrincipal('events.amazonaws.com'),
          new iam.ServicePrincipal('delivery.logs.amazonaws.com'),
        ],
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [this.logGroup.logGroupArn],
      }),
    );
    addToDeadLetterQueueResourcePolicy(rule, this.props.deadLetterQueue);
    return {
      arn,
      deadLetterConfig: { arn: this.props.deadLetterQueue.queueArn },
      retryPolicy: { maximumRetryAttempts: this.props.retryAttempts ?? 10 },
      targetResource: this.logGroup,
    };
  }
}
