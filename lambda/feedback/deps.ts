/**
 * The feedback adapters, built once per Lambda container on first use. A missing or malformed
 * setting (table names, hash secret, retention) is a deployment error: every request fails with a
 * logged 500 naming it, rather than storing feedback without its protections.
 */
import { randomUUID } from 'node:crypto';
import { ENV } from '../../src/core/contracts.ts';
import { sharedDocumentClient } from '../adapters/aws-clients.ts';
import { StdoutMetricSink } from '../adapters/emf-stdout.ts';
import { DynamoFeedbackRepository } from '../adapters/feedback-repository.ts';
import { DynamoPromptRepository } from '../adapters/prompt-repository.ts';
import type { FeedbackDeps } from '../ports.ts';
import { requiredEnv } from '../runtime/config.ts';
import { HmacIdentityHasher } from './identity-hasher.ts';

/** Days from PROMPTOPS_FEEDBACK_RETENTION_DAYS; unset or empty keeps feedback items forever. */
export function retentionDaysFrom(raw: string | undefined): number | undefined {
  if (raw === undefined || raw.trim() === '') return undefined;
  const days = Number(raw.trim());
  if (!Number.isInteger(days) || days < 1)
    throw new Error(
      `Environment variable ${ENV.feedbackRetentionDays} must be a whole number of days of at least 1, got "${raw}"`,
    );
  return days;
}

/** Builds the adapters from the environment variables; throws when one is missing or malformed. */
export function buildFeedbackDeps(): FeedbackDeps {
  const documents = sharedDocumentClient();
  return {
    feedback: new DynamoFeedbackRepository(documents, requiredEnv(ENV.feedbackTable)),
    prompts: new DynamoPromptRepository(documents, requiredEnv(ENV.table)),
    identities: new HmacIdentityHasher(requiredEnv(ENV.feedbackHashSecret)),
    metrics: new StdoutMetricSink(),
    retentionDays: retentionDaysFrom(process.env[ENV.feedbackRetentionDays]),
    now: () => new Date(),
    newId: randomUUID,
  };
}

let deps: FeedbackDeps | undefined;

export function feedbackDeps(): FeedbackDeps {
  deps ??= buildFeedbackDeps();
  return deps;
}
