/**
 * What the evaluation routes need, and the stores they share with the worker (worker-deps.ts): built
 * from given clients (local mode), or once per container. The worker's provider clients live apart, so
 * the API function bundles no Bedrock client and the worker no Lambda client.
 */
import type { S3Client } from '@aws-sdk/client-s3';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { requiredResource } from '../../src/core/handler-environment.ts';
import { sharedDocumentClient } from '../adapters/aws-clients.ts';
import { S3EvaluationObjectStore } from '../adapters/evaluation-object-store.ts';
import { DynamoEvaluationRepository } from '../adapters/evaluation-repository.ts';
import { sharedS3Client } from '../adapters/s3-client.ts';
import { buildRegistryDeps } from '../registry/deps.ts';
import { handlerEnvironment } from '../runtime/config.ts';
import type { EvaluationDeps, EvaluationLauncher } from './ports.ts';

export interface EvaluationResources {
  readonly documents: DynamoDBDocumentClient;
  readonly s3: S3Client;
  readonly table: string;
  readonly bucket: string;
  /** Bedrock model ids evaluations may call. */
  readonly evalModels: readonly string[];
}

/** The stores both the routes and the worker use. */
export function evaluationStorage(resources: EvaluationResources) {
  const registry = buildRegistryDeps(resources);
  const objects = new S3EvaluationObjectStore(resources.s3, resources.bucket);
  return {
    ...registry,
    objects,
    evaluations: new DynamoEvaluationRepository(resources.documents, resources.table, objects),
    evalModels: resources.evalModels,
  };
}

export function buildEvaluationDeps(
  resources: EvaluationResources & { launcher: EvaluationLauncher },
): EvaluationDeps {
  return { ...evaluationStorage(resources), launcher: resources.launcher };
}

/** The Lambda environment's resources, read once per container. */
export function resourcesFromEnvironment(): EvaluationResources {
  const environment = handlerEnvironment();
  return {
    documents: sharedDocumentClient(),
    s3: sharedS3Client(),
    table: requiredResource(environment, 'table'),
    bucket: requiredResource(environment, 'bodyBucket'),
    evalModels: [...environment.settings.evalModels],
  };
}
