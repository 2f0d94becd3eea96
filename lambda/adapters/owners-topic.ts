/** The owners' SNS topic (docs/maintenance.md): one Publish per owner, with the owner as a filterable attribute. */
import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import type { OwnerNotice, OwnerNotifier } from '../maintenance/review-reminder.ts';

export class SnsOwnerNotifier implements OwnerNotifier {
  private readonly client: SNSClient;
  private readonly topicArn: string;

  constructor(client: SNSClient, topicArn: string) {
    this.client = client;
    this.topicArn = topicArn;
  }

  async notify(notice: OwnerNotice): Promise<void> {
    await this.client.send(
      new PublishCommand({
        TopicArn: this.topicArn,
        Subject: notice.subject,
        Message: notice.message,
        MessageAttributes: { owner: { DataType: 'String', StringValue: notice.owner } },
      }),
    );
  }
}
