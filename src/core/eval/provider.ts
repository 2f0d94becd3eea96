/**
 * The model a suite runs against, as the runner sees it. Adapters (Bedrock, OpenAI-compatible servers)
 * live outside the core; echo is pure, so it lives here.
 */
import type { ModelSettings, PromptDocument } from '../document.ts';
import { ValidationError } from '../errors.ts';
import type { ChatMessage } from '../prompt.ts';
import type { ProviderSpec, ProviderType } from './suite.ts';

export interface EvalMessage {
  readonly role: 'user' | 'assistant';
  readonly content: string;
}

/** Sampling settings sent with a call: the prompt's model settings, overridden by the provider spec. */
export interface EvalModelSettings {
  readonly temperature?: number;
  readonly maxTokens?: number;
  readonly topP?: number;
  readonly stopSequences?: readonly string[];
}

export interface EvalRequest {
  readonly system?: string;
  readonly messages: readonly EvalMessage[];
  readonly settings: EvalModelSettings;
}

export interface EvalResponse {
  readonly output: string;
  readonly inputTokens?: number;
  readonly outputTokens?: number;
  /** The provider's own measure; the runner measures the call when absent. */
  readonly latencyMs?: number;
  /** A cost the provider knows exactly (echo: 0); otherwise tokens times the price table. */
  readonly costUsd?: number;
}

export interface InvokeOptions {
  /** Aborted on the run's per-call timeout: adapters pass it to their HTTP call. */
  readonly signal: AbortSignal;
}

export interface EvalProvider {
  readonly type: ProviderType;
  /** The model id, for the price table and the recorded run. */
  readonly model?: string;
  /**
   * One model call. Throws `ProviderThrottledError` when the provider throttles (the runner retries)
   * and `ProviderError` for anything else (the test fails with its message).
   */
  invoke(request: EvalRequest, options: InvokeOptions): Promise<EvalResponse>;
}

/** The request for a rendered prompt: a text prompt is one user message; chat system turns become `system`. */
export function evalRequest(
  rendered: string | readonly ChatMessage[],
  settings: EvalModelSettings,
): EvalRequest {
  if (typeof rendered === 'string') return { messages: [{ role: 'user', content: rendered }], settings };
  const system = rendered.filter((m) => m.role === 'system').map((m) => m.content);
  const messages = rendered.flatMap((m) =>
    m.role === 'system' ? [] : [{ role: m.role, content: m.content }],
  );
  return { ...(system.length > 0 ? { system: system.join('\n\n') } : {}), messages, settings };
}

/** The rendered prompt as one text, for rendered-* assertions and the echo provider. */
export function renderedText(rendered: string | readonly ChatMessage[]): string {
  return typeof rendered === 'string' ? rendered : rendered.map((m) => m.content).join('\n\n');
}

/** The settings of a run: the prompt's, with any the provider spec names taking precedence. */
export function evalModelSettings(model: ModelSettings | undefined, spec?: ProviderSpec): EvalModelSettings {
  const temperature = spec?.temperature ?? model?.temperature;
  const maxTokens = spec?.maxTokens ?? model?.maxTokens;
  const topP = spec?.topP ?? model?.topP;
  const stopSequences = model?.stopSequences;
  return {
    ...(temperature !== undefined ? { temperature } : {}),
    ...(maxTokens !== undefined ? { maxTokens } : {}),
    ...(topP !== undefined ? { topP } : {}),
    ...(stopSequences !== undefined ? { stopSequences } : {}),
  };
}

/** promptfoo's echo: the output is the prompt (system and messages) itself, free and instant. */
export function createEchoProvider(): EvalProvider {
  return {
    type: 'echo',
    model: 'echo',
    invoke(request) {
      const parts = request.system === undefined ? [] : [request.system];
      for (const message of request.messages) parts.push(message.content);
      return Promise.resolve({ output: parts.join('\n\n'), latencyMs: 0, costUsd: 0 });
    },
  };
}

export interface ResolveProviderInput {
  /** The suite's `provider`, if any. */
  readonly suite?: ProviderSpec;
  /** What the run was started with (`POST .../evaluations {provider}`, `--provider`): wins over the suite. */
  readonly override?: ProviderSpec;
  /** The prompt's model settings: `provider` and `id` when neither names one. */
  readonly prompt: PromptDocument;
}

/**
 * The provider a run uses: the override, else the suite's, else the prompt's own model. Throws a
 * `ValidationError` naming the field when none is usable (no provider, a model-less Bedrock or OpenAI
 * provider).
 */
export function resolveProviderSpec({ suite, override, prompt }: ResolveProviderInput): ProviderSpec {
  const chosen = override ?? suite ?? promptProvider(prompt);
  if (!chosen) {
    throw new ValidationError(
      `No provider for the evaluation of "${prompt.id}": set provider in the suite, pass one to the run, or give the prompt model.provider and model.id`,
      [{ path: 'provider', message: 'no provider' }],
    );
  }
  // A spec naming only a type takes the prompt's model id when the prompt uses the same provider.
  const model = chosen.model ?? (prompt.model?.provider === chosen.type ? prompt.model.id : undefined);
  if (chosen.type !== 'echo' && model === undefined) {
    throw new ValidationError(`The ${chosen.type} provider needs a model: set provider.model`, [
      { path: 'provider.model', message: `required for ${chosen.type}` },
    ]);
  }
  return model === undefined ? chosen : { ...chosen, model };
}

function promptProvider(prompt: PromptDocument): ProviderSpec | undefined {
  const type = prompt.model?.provider;
  if (type !== 'bedrock' && type !== 'openai' && type !== 'echo') return undefined;
  return { type, ...(prompt.model?.id !== undefined ? { model: prompt.model.id } : {}) };
}

/**
 * Why the service may not run `spec`, or undefined when it may: Bedrock models must be among those the
 * stack lists (context `evalModels`), since the evaluation role may invoke only those.
 */
export function providerNotAllowedReason(
  spec: ProviderSpec,
  allowedBedrockModels: readonly string[],
): string | undefined {
  if (spec.type !== 'bedrock') return undefined;
  if (allowedBedrockModels.length === 0)
    return 'the bedrock provider is not enabled: list the model ids it may use in the CDK context "evalModels"';
  if (spec.model === undefined || !allowedBedrockModels.includes(spec.model))
    return `the Bedrock model "${spec.model ?? ''}" is not in the CDK context "evalModels" (${allowedBedrockModels.join(', ')})`;
  return undefined;
}
