/** The operators' SNS topic: one publish carries the plain text for email and the Chatbot JSON for chat. */
import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import { type Notification, snsMessage } from '../../src/core/notification.ts';
import type { NotificationTopic } from '../notifications/ports.ts';

export class SnsNotificationTopic implements NotificationTopic {
  private readonly client: SNSClient;
  private readonly topicArn: string;

  constructor(client: SNSClient, topicArn: string) {
    this.client = client;
    this.topicArn = topicArn;
  }

  async publish(notification: Notification): Promise<void> {
    await this.client.send(
      new PublishCommand({
        TopicArn: this.topicArn,
        Subject: notification.subject,
        Message: snsMessage(notification),
        MessageStructure: 'json',
      }),
    );
  }
}
