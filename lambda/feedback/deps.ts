/**
 * The feedback adapters, built once per Lambda container on first use. A missing or malformed
 * setting (table names, hash secret, retention) is a deployment error: every request fails with a
 * logged 500 naming it, rather than storing feedback without its protections.
 */
import { randomUUID } from 'node:crypto';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ENV } from '../../src/core/contracts.ts';
import { sharedDocumentClient } from '../adapters/aws-clients.ts';
import { StdoutMetricSink } from '../adapters/emf-stdout.ts';
import { DynamoFeedbackRepository } from '../adapters/feedback-repository.ts';
import { DynamoPromptRepository } from '../adapters/prompt-repository.ts';
import type { FeedbackDeps, MetricSink } from '../ports.ts';
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

/** Where feedback lives; every field defaults to the Lambda environment's. */
export interface FeedbackResources {
  readonly documents?: DynamoDBDocumentClient;
  readonly table?: string;
  readonly feedbackTable?: string;
  readonly metrics?: MetricSink;
}

/** Builds the adapters; throws when a setting is missing or malformed. */
export function buildFeedbackDeps(
  hashSecret: string = requiredEnv(ENV.feedbackHashSecret),
  resources: FeedbackResources = {},
): FeedbackDeps {
  const documents = resources.documents ?? sharedDocumentClient();
  return {
    feedback: new DynamoFeedbackRepository(
      documents,
      resources.feedbackTable ?? requiredEnv(ENV.feedbackTable),
    ),
    prompts: new DynamoPromptRepository(documents, resources.table ?? requiredEnv(ENV.table)),
    identities: new HmacIdentityHasher(hashSecret),
    metrics: resources.metrics ?? new StdoutMetricSink(),
    retentionDays: retentionDaysFrom(process.env[ENV.feedbackRetentionDays]),
    now: () => new Date(),
    newId: randomUUID,
  };
}

/**
 * The identity hash secret: PROMPTOPS_FEEDBACK_HASH_SECRET (local mode, tests), or on AWS the
 * Secrets Manager secret named by PROMPTOPS_FEEDBACK_HASH_SECRET_ARN, so the value never sits in the
 * function's configuration.
 */
export async function resolveHashSecret(): Promise<string> {
  const direct = process.env[ENV.feedbackHashSecret];
  if (direct) return direct;
  const arn = process.env[ENV.feedbackHashSecretArn];
  if (!arn)
    throw new Error(
      `Environment variable ${ENV.feedbackHashSecret} or ${ENV.feedbackHashSecretArn} must be set`,
    );
  // Loaded only here: functions given the secret directly never pay for the client.
  const { GetSecretValueCommand, SecretsManagerClient } = await import('@aws-sdk/client-secrets-manager');
  const secret = await new SecretsManagerClient({}).send(new GetSecretValueCommand({ SecretId: arn }));
  if (!secret.SecretString)
    throw new Error(`Secret ${arn} (${ENV.feedbackHashSecretArn}) holds no string value`);
  return secret.SecretString;
}

let deps: Promise<FeedbackDeps> | undefined;

export function feedbackDeps(): Promise<FeedbackDeps> {
  deps ??= resolveHashSecret()
    .then((secret) => buildFeedbackDeps(secret))
    .catch((error: unknown) => {
      // The next request tries again rather than failing for the life of the container.
      deps = undefined;
      throw error;
    });
  return deps;
}
