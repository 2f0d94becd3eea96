/**
 * The query handler's feedback reader on AWS: the feedback table (PROMPTOPS_FEEDBACK_TABLE_NAME),
 * built once per container on first use. Needs no hash secret: listing never hashes an identity.
 */
import { requiredResource } from '../../src/core/handler-environment.ts';
import { sharedDocumentClient } from '../adapters/aws-clients.ts';
import { DynamoFeedbackRepository } from '../adapters/feedback-repository.ts';
import type { FeedbackItemReader } from '../ports.ts';
import { handlerEnvironment } from '../runtime/config.ts';

let reader: FeedbackItemReader | undefined;

export function feedbackItemReader(): FeedbackItemReader {
  reader ??= new DynamoFeedbackRepository(
    sharedDocumentClient(),
    requiredResource(handlerEnvironment(), 'feedbackTable'),
  );
  return reader;
}
