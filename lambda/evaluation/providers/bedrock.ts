/**
 * The `bedrock` provider: one Converse call per test, with the rendered prompt's system text and
 * messages and the run's model settings. Throttling maps to `ProviderThrottledError` so the runner
 * backs off; every other failure names Bedrock's error and message.
 */
import {
  type BedrockRuntimeClient,
  ConverseCommand,
  type ConverseCommandInput,
  type ConverseCommandOutput,
  type Message,
} from '@aws-sdk/client-bedrock-runtime';
import { ProviderError, ProviderThrottledError } from '../../../src/core/eval/errors.ts';
import type { EvalMessage, EvalProvider, EvalRequest } from '../../../src/core/eval/provider.ts';

/** Bedrock errors that mean "try again later" rather than "this request is wrong". */
const RETRYABLE = new Set(['ThrottlingException', 'ServiceUnavailableException', 'ModelNotReadyException']);

export interface BedrockProviderOptions {
  readonly client: BedrockRuntimeClient;
  /** Model or inference profile id. */
  readonly model: string;
}

export function createBedrockProvider({ client, model }: BedrockProviderOptions): EvalProvider {
  return {
    type: 'bedrock',
    model,
    async invoke(request, { signal }) {
      let converse: ConverseCommandOutput;
      try {
        converse = await client.send(new ConverseCommand(converseInput(model, request)), {
          abortSignal: signal,
        });
      } catch (error) {
        throw bedrockError(model, error, signal);
      }
      const output = (converse.output?.message?.content ?? []).map((block) => block.text ?? '').join('');
      return {
        output,
        ...(converse.usage?.inputTokens !== undefined ? { inputTokens: converse.usage.inputTokens } : {}),
        ...(converse.usage?.outputTokens !== undefined ? { outputTokens: converse.usage.outputTokens } : {}),
        ...(converse.metrics?.latencyMs !== undefined ? { latencyMs: converse.metrics.latencyMs } : {}),
      };
    },
  };
}

export function converseInput(
  model: string,
  { system, messages, settings }: EvalRequest,
): ConverseCommandInput {
  const inferenceConfig = {
    ...(settings.temperature !== undefined ? { temperature: settings.temperature } : {}),
    ...(settings.maxTokens !== undefined ? { maxTokens: settings.maxTokens } : {}),
    ...(settings.topP !== undefined ? { topP: settings.topP } : {}),
    ...(settings.stopSequences !== undefined ? { stopSequences: [...settings.stopSequences] } : {}),
  };
  return {
    modelId: model,
    ...(system !== undefined ? { system: [{ text: system }] } : {}),
    messages: alternating(messages),
    ...(Object.keys(inferenceConfig).length > 0 ? { inferenceConfig } : {}),
  };
}

/** Converse refuses two turns of the same role in a row: consecutive ones are joined. */
function alternating(messages: readonly EvalMessage[]): Message[] {
  const turns: { role: EvalMessage['role']; texts: string[] }[] = [];
  for (const message of messages) {
    const last = turns.at(-1);
    if (last?.role === message.role) last.texts.push(message.content);
    else turns.push({ role: message.role, texts: [message.content] });
  }
  return turns.map((turn) => ({ role: turn.role, content: [{ text: turn.texts.join('\n\n') }] }));
}

function bedrockError(model: string, error: unknown, signal: AbortSignal): ProviderError {
  if (signal.aborted && signal.reason instanceof ProviderError) return signal.reason;
  const name = error instanceof Error ? error.name : 'Error';
  const message = error instanceof Error ? error.message : String(error);
  const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  const text = `Bedrock Converse on "${model}" failed: ${name}: ${message}`;
  const options = { cause: error, ...(status !== undefined ? { status } : {}) };
  return RETRYABLE.has(name)
    ? new ProviderThrottledError('bedrock', text, options)
    : new ProviderError('bedrock', text, options);
}
