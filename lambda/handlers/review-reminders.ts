/**
 * Runs once a day (an EventBridge schedule): tells the owners' topic which pinned prompt versions
 * are due for review (docs/maintenance.md, "Review reminders").
 */
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { SNSClient } from '@aws-sdk/client-sns';
import middy from '@middy/core';
import type { ScheduledEvent } from 'aws-lambda';
import { requiredResource } from '../../src/core/handler-environment.ts';
import { mergeModelRetirements } from '../../src/core/model-retirements.ts';
import { sharedDocumentClient } from '../adapters/aws-clients.ts';
import { S3BodyStore } from '../adapters/body-store.ts';
import { SnsOwnerNotifier } from '../adapters/owners-topic.ts';
import { DynamoPromptRepository } from '../adapters/prompt-repository.ts';
import { sharedS3Client } from '../adapters/s3-client.ts';
import type { ReviewDueSettings } from '../maintenance/review-due.ts';
import {
  type ReminderResult,
  type ReviewReminderDeps,
  sendReviewReminders,
} from '../maintenance/review-reminder.ts';
import { handlerEnvironment } from '../runtime/config.ts';
import { createLogger } from '../runtime/logger.ts';

const logger = createLogger('review-reminders');

export interface ReviewReminderSetup {
  readonly deps: ReviewReminderDeps;
  readonly settings: ReviewDueSettings;
}

let setup: ReviewReminderSetup | undefined;

function fromEnvironment(): ReviewReminderSetup {
  if (!setup) {
    const environment = handlerEnvironment();
    const { settings } = environment;
    setup = {
      deps: {
        prompts: new DynamoPromptRepository(sharedDocumentClient(), requiredResource(environment, 'table')),
        bodies: new S3BodyStore(sharedS3Client(), requiredResource(environment, 'bodyBucket')),
        notifier: new SnsOwnerNotifier(new SNSClient({}), requiredResource(environment, 'ownersTopicArn')),
        now: () => new Date(),
      },
      settings: {
        environments: settings.environments,
        reviewEveryDays: settings.reviewEveryDays,
        retirements: mergeModelRetirements(settings.modelRetirements),
      },
    };
  }
  return setup;
}

export function createReviewRemindersHandler(configure: () => ReviewReminderSetup) {
  return middy<ScheduledEvent, ReminderResult>()
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .handler(async () => {
      const { deps, settings } = configure();
      const result = await sendReviewReminders(deps, settings);
      // Counts only: the message itself goes to the topic.
      logger.info('review reminders sent', { due: result.due, owners: result.notified.length });
      return result;
    });
}

export const handler = createReviewRemindersHandler(fromEnvironment);
