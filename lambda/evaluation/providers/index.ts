/**
 * Builds the provider a suite or run names. Bedrock and OpenAI-compatible servers are adapters here;
 * echo is the core's own.
 */
import { BedrockRuntimeClient } from '@aws-sdk/client-bedrock-runtime';
import { ValidationError } from '../../../src/core/errors.ts';
import { createEchoProvider, type EvalProvider } from '../../../src/core/eval/provider.ts';
import type { ProviderSpec } from '../../../src/core/eval/suite.ts';
import { createBedrockProvider } from './bedrock.ts';
import { createOpenAiProvider } from './openai.ts';

export { createBedrockProvider } from './bedrock.ts';
export { createOpenAiProvider, DEFAULT_OPENAI_BASE_URL } from './openai.ts';

export interface ProviderDependencies {
  /** The Bedrock client; one is created (no SDK retries: the runner retries) when absent. */
  readonly bedrockClient?: BedrockRuntimeClient;
  /** For OpenAI-compatible servers. @default globalThis.fetch */
  readonly fetch?: typeof globalThis.fetch;
  /**
   * Where `apiKeyEnv` is read. @default process.env. The service should pass only the variables
   * meant for model keys.
   */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

/** The provider for a resolved spec (see `resolveProviderSpec`): Bedrock and OpenAI need a model. */
export function createProvider(spec: ProviderSpec, deps: ProviderDependencies = {}): EvalProvider {
  switch (spec.type) {
    case 'echo':
      return createEchoProvider();
    case 'bedrock':
      return createBedrockProvider({
        client: deps.bedrockClient ?? new BedrockRuntimeClient({ maxAttempts: 1 }),
        model: requireModel(spec),
      });
    case 'openai':
      return createOpenAiProvider({
        model: requireModel(spec),
        ...(spec.baseUrl !== undefined ? { baseUrl: spec.baseUrl } : {}),
        ...(spec.apiKeyEnv !== undefined ? { apiKeyEnv: spec.apiKeyEnv } : {}),
        ...(deps.env ? { env: deps.env } : {}),
        ...(deps.fetch ? { fetch: deps.fetch } : {}),
      });
  }
}

function requireModel(spec: ProviderSpec): string {
  if (spec.model === undefined) {
    throw new ValidationError(`The ${spec.type} provider needs a model: set provider.model`, [
      { path: 'provider.model', message: `required for ${spec.type}` },
    ]);
  }
  return spec.model;
}
