/** What the evaluation routes and the worker need: built from given clients (local mode), or once per container. */
import { BedrockRuntimeClient } from '@aws-sdk/client-bedrock-runtime';
import { LambdaClient } from '@aws-sdk/client-lambda';
import type { S3Client } from '@aws-sdk/client-s3';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { type EnvironmentVariables, requiredResource } from '../../src/core/handler-environment.ts';
import { sharedDocumentClient, sharedS3Client } from '../adapters/aws-clients.ts';
import { LambdaEvaluationLauncher } from '../adapters/evaluation-launcher.ts';
import { S3EvaluationObjectStore } from '../adapters/evaluation-object-store.ts';
import { DynamoEvaluationRepository } from '../adapters/evaluation-repository.ts';
import { buildRegistryDeps } from '../registry/deps.ts';
import { handlerEnvironment } from '../runtime/config.ts';
import type { EvaluationDeps, EvaluationLauncher, EvaluationWorkerDeps } from './ports.ts';
import { createProvider } from './providers/index.ts';

export interface EvaluationResources {
  readonly documents: DynamoDBDocumentClient;
  readonly s3: S3Client;
  readonly table: string;
  readonly bucket: string;
  /** Bedrock model ids evaluations may call. */
  readonly evalModels: readonly string[];
}

function storage(resources: EvaluationResources) {
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
  return { ...storage(resources), launcher: resources.launcher };
}

export function buildEvaluationWorkerDeps(
  resources: EvaluationResources & {
    /** Where `apiKeyEnv` is read. */
    env: EnvironmentVariables;
    /** @default one client with no SDK retries (the runner retries), created on first bedrock use */
    bedrock?: BedrockRuntimeClient;
    fetch?: typeof globalThis.fetch;
  },
): EvaluationWorkerDeps {
  let bedrock = resources.bedrock;
  return {
    ...storage(resources),
    env: resources.env,
    createProvider: (spec, env) => {
      if (spec.type === 'bedrock') bedrock ??= new BedrockRuntimeClient({ maxAttempts: 1 });
      return createProvider(spec, {
        ...(bedrock ? { bedrockClient: bedrock } : {}),
        ...(resources.fetch ? { fetch: resources.fetch } : {}),
        env,
      });
    },
  };
}

function resourcesFromEnvironment(): EvaluationResources {
  const environment = handlerEnvironment();
  return {
    documents: sharedDocumentClient(),
    s3: sharedS3Client(),
    table: requiredResource(environment, 'table'),
    bucket: requiredResource(environment, 'bodyBucket'),
    evalModels: [...environment.settings.evalModels],
  };
}

let deps: EvaluationDeps | undefined;
let workerDeps: EvaluationWorkerDeps | undefined;

export function evaluationDeps(): EvaluationDeps {
  deps ??= buildEvaluationDeps({
    ...resourcesFromEnvironment(),
    launcher: new LambdaEvaluationLauncher(
      new LambdaClient({}),
      requiredResource(handlerEnvironment(), 'evaluationFunction'),
    ),
  });
  return deps;
}

export function evaluationWorkerDeps(): EvaluationWorkerDeps {
  workerDeps ??= buildEvaluationWorkerDeps({ ...resourcesFromEnvironment(), env: process.env });
  return workerDeps;
}
