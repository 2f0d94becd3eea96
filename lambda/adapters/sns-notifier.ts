/** Notifications to the operators' SNS topic (encrypted with its own key; the role may use it to publish). */
import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import type { FindingsNotifier } from '../scan/ports.ts';

export class SnsFindingsNotifier implements FindingsNotifier {
  private readonly client: SNSClient;
  private readonly topicArn: string;

  constructor(client: SNSClient, topicArn: string) {
    this.client = client;
    this.topicArn = topicArn;
  }

  async notify(subject: string, message: string): Promise<void> {
    await this.client.send(
      new PublishCommand({ TopicArn: this.topicArn, Subject: subject, Message: message }),
    );
  }
}
