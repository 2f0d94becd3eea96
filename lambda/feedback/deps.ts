/**
 * The feedback adapters, built once per Lambda container on first use. A missing or malformed
 * setting (table names, hash secret, retention) is a deployment error: every request fails with a
 * logged 500 naming it, rather than storing feedback without its protections.
 */
import { randomUUID } from 'node:crypto';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ENV } from '../../src/core/contracts.ts';
import {
  type HandlerEnvironment,
  HandlerEnvironmentError,
  readHandlerEnvironment,
  requiredResource,
} from '../../src/core/handler-environment.ts';
import { sharedDocumentClient } from '../adapters/aws-clients.ts';
import { StdoutMetricSink } from '../adapters/emf-stdout.ts';
import { DynamoFeedbackRepository } from '../adapters/feedback-repository.ts';
import { DynamoPromptRepository } from '../adapters/prompt-repository.ts';
import type { FeedbackDeps, MetricSink } from '../ports.ts';
import { handlerEnvironment } from '../runtime/config.ts';
import { HmacIdentityHasher } from './identity-hasher.ts';

/** Where feedback lives; every field defaults to the Lambda environment's. */
export interface FeedbackResources {
  readonly documents?: DynamoDBDocumentClient;
  readonly table?: string;
  readonly feedbackTable?: string;
  readonly metrics?: MetricSink;
  /**
   * The handler environment. Left out, this build reads `process.env` itself: feedbackDeps() passes the
   * container's reading, and local mode and tests that build directly see the variables as they are now.
   */
  readonly environment?: HandlerEnvironment;
}

/** Builds the adapters; throws when a setting is missing or malformed. */
export function buildFeedbackDeps(hashSecret?: string, resources: FeedbackResources = {}): FeedbackDeps {
  const environment = resources.environment ?? readHandlerEnvironment(process.env);
  const secret = hashSecret ?? requiredResource(environment, 'feedbackHashSecret');
  const documents = resources.documents ?? sharedDocumentClient();
  return {
    feedback: new DynamoFeedbackRepository(
      documents,
      resources.feedbackTable ?? requiredResource(environment, 'feedbackTable'),
    ),
    prompts: new DynamoPromptRepository(documents, resources.table ?? requiredResource(environment, 'table')),
    identities: new HmacIdentityHasher(secret),
    metrics: resources.metrics ?? new StdoutMetricSink(),
    retentionDays: environment.settings.feedbackRetentionDays,
    now: () => new Date(),
    newId: randomUUID,
  };
}

/**
 * How long a fetched secret is reused. A working container keeps its hasher for life anyway; this
 * bounds how long a container that failed to build (a short secret, say) retries with the old value
 * after someone fixes the secret.
 */
export const HASH_SECRET_MAX_AGE_SECONDS = 300;

/**
 * The identity hash secret: PROMPTOPS_FEEDBACK_HASH_SECRET (local mode, tests), or on AWS the
 * Secrets Manager secret named by PROMPTOPS_FEEDBACK_HASH_SECRET_ARN, so the value never sits in the
 * function's configuration.
 */
export async function resolveHashSecret(
  environment: HandlerEnvironment = handlerEnvironment(),
): Promise<string> {
  const { feedbackHashSecret: direct, feedbackHashSecretArn: arn } = environment.resources;
  if (direct !== undefined) return direct;
  if (arn === undefined) {
    throw new HandlerEnvironmentError([
      `Environment variable ${ENV.feedbackHashSecret} or ${ENV.feedbackHashSecretArn} must be set`,
    ]);
  }
  // Loaded only here: functions given the secret directly never load Powertools or the SDK client.
  const { getSecret } = await import('@aws-lambda-powertools/parameters/secrets');
  const secret = await getSecret(arn, { maxAge: HASH_SECRET_MAX_AGE_SECONDS });
  if (typeof secret !== 'string' || secret === '') {
    throw new HandlerEnvironmentError([`Secret ${arn} (${ENV.feedbackHashSecretArn}) holds no string value`]);
  }
  return secret;
}

let deps: Promise<FeedbackDeps> | undefined;

export function feedbackDeps(): Promise<FeedbackDeps> {
  deps ??= Promise.resolve()
    .then(async () => {
      const environment = handlerEnvironment();
      return buildFeedbackDeps(await resolveHashSecret(environment), { environment });
    })
    .catch((error: unknown) => {
      // The next request tries again rather than failing for the life of the container.
      deps = undefined;
      throw error;
    });
  return deps;
}
