/**
 * The feedback reconciler's Lambda: an EventBridge schedule invokes it every few minutes. It settles
 * the aggregate shards that failed or killed posts left pending or dirty, so the report converges to
 * exactly the stored items (lambda/feedback/reconcile-feedback.ts). A failing store throws: the next
 * run finds the same entries again, nothing is lost.
 */
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { ScheduledEvent } from 'aws-lambda';
import { requiredResource } from '../../src/core/handler-environment.ts';
import { sharedDocumentClient } from '../adapters/aws-clients.ts';
import { DynamoFeedbackRepository } from '../adapters/feedback-repository.ts';
import {
  type ReconcileDeps,
  type ReconcileResult,
  reconcileFeedback,
} from '../feedback/reconcile-feedback.ts';
import { handlerEnvironment } from '../runtime/config.ts';
import { createLogger } from '../runtime/logger.ts';

const logger = createLogger('feedback-reconciler');

let deps: ReconcileDeps | undefined;

function fromEnvironment(): ReconcileDeps {
  deps ??= {
    feedback: new DynamoFeedbackRepository(
      sharedDocumentClient(),
      requiredResource(handlerEnvironment(), 'feedbackTable'),
    ),
    now: () => new Date(),
  };
  return deps;
}

export function createFeedbackReconcilerHandler(configure: () => ReconcileDeps) {
  return middy<Pick<ScheduledEvent, 'id'>, ReconcileResult>()
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .handler(async () => {
      try {
        const result = await reconcileFeedback(configure());
        logger.info('feedback reconciled', { ...result });
        return result;
      } catch (error) {
        logger.error('feedback reconciliation failed: the next scheduled run tries again', { error });
        throw error;
      }
    });
}

export const handler = createFeedbackReconcilerHandler(fromEnvironment);
