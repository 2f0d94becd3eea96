/** What the evaluation worker needs: the shared stores and the providers it calls. */
import { BedrockRuntimeClient } from '@aws-sdk/client-bedrock-runtime';
import type { EnvironmentVariables } from '../../src/core/handler-environment.ts';
import { type EvaluationResources, evaluationStorage, resourcesFromEnvironment } from './deps.ts';
import type { EvaluationWorkerDeps } from './ports.ts';
import { createProvider } from './providers/index.ts';

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
    ...evaluationStorage(resources),
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

let workerDeps: EvaluationWorkerDeps | undefined;

export function evaluationWorkerDeps(): EvaluationWorkerDeps {
  workerDeps ??= buildEvaluationWorkerDeps({ ...resourcesFromEnvironment(), env: process.env });
  return workerDeps;
}
