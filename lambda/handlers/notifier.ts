/**
 * The notifier (docs/runbooks/README.md). From EventBridge: the stack's CloudWatch alarm state changes
 * and the application's AppConfig deployment events, each enriched with the environment's records
 * and told once to the operators' topic (plain text for email, AWS Chatbot JSON for chat). From SQS:
 * the fallback, CloudWatch's own alarm action messages delayed a few minutes, which send only a
 * transition the EventBridge path has not told (a shared ledger keyed by the transition).
 */
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import type { NotifiableEvent } from '../../src/core/notification.ts';
import {
  alarmActionTransitionOf,
  alarmTransitionOf,
  deploymentNoticeOf,
} from '../../src/core/notification-events.ts';
import type { NotifierConfig } from '../notifications/deps.ts';
import { notifierDeps } from '../notifications/deps.ts';
import { type NotifierDeps, type NotifyOutcome, notifyOnce } from '../notifications/notify.ts';
import { createLogger } from '../runtime/logger.ts';

const logger = createLogger('notifier');

type Deps = NotifierDeps & { config: NotifierConfig };

export type NotifierResult = { result: NotifyOutcome | 'ignored' } | SQSBatchResponse;

function isSqsEvent(event: unknown): event is SQSEvent {
  const records = (event as { Records?: unknown }).Records;
  return (
    Array.isArray(records) && records.every((r) => (r as { eventSource?: unknown }).eventSource === 'aws:sqs')
  );
}

/** The EventBridge event as the notifier knows it, or undefined when it is not one of ours. */
export function notifiableEventOf(config: NotifierConfig, event: unknown): NotifiableEvent | undefined {
  return (
    alarmTransitionOf(config.application, config.environments, event) ??
    deploymentNoticeOf(config.applicationId, config.environmentIds, event)
  );
}

/** The CloudWatch alarm message inside an SNS notification delivered to SQS. */
function alarmMessageOf(body: string): unknown {
  const envelope = JSON.parse(body) as { Type?: unknown; Message?: unknown };
  return typeof envelope.Message === 'string' ? JSON.parse(envelope.Message) : envelope;
}

export function createNotifierHandler(deps: () => Deps) {
  const log = (message: string, details: Record<string, unknown>) => logger.warn(message, details);
  return middy<unknown, NotifierResult>()
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .handler(async (event) => {
      const d = deps();
      if (isSqsEvent(event)) {
        // One failed record is retried alone (ReportBatchItemFailures).
        const failures: { itemIdentifier: string }[] = [];
        for (const record of event.Records) {
          try {
            const transition = alarmActionTransitionOf(
              d.config.application,
              d.config.environments,
              alarmMessageOf(record.body),
            );
            if (!transition) {
              logger.info('fallback message ignored: not an alarm of this application');
              continue;
            }
            const outcome = await notifyOnce(d, transition, 'fallback', log);
            logger.info('fallback checked', {
              alarm: transition.alarmName,
              state: transition.state,
              outcome,
            });
          } catch (error) {
            logger.error('fallback record failed', { error: String(error) });
            failures.push({ itemIdentifier: record.messageId });
          }
        }
        return { batchItemFailures: failures };
      }
      const notifiable = notifiableEventOf(d.config, event);
      if (!notifiable) {
        logger.info('event ignored: not an alarm or deployment of this application', {
          detailType: (event as Record<string, unknown>)['detail-type'],
        });
        return { result: 'ignored' };
      }
      const result = await notifyOnce(d, notifiable, 'enriched', log);
      logger.info('event notified', { kind: notifiable.kind, environment: notifiable.environment, result });
      return { result };
    });
}

export const handler = createNotifierHandler(notifierDeps);
