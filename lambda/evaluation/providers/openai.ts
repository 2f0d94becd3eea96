/**
 * The `openai` provider: any OpenAI-compatible chat-completions server (OpenAI, vLLM, Ollama, LiteLLM).
 * The API key is read from the environment variable the suite names, sent only in the Authorization
 * header, and never logged or put in an error message.
 */
import { ProviderError, ProviderThrottledError } from '../../../src/core/eval/errors.ts';
import type { EvalProvider, EvalRequest } from '../../../src/core/eval/provider.ts';

export const DEFAULT_OPENAI_BASE_URL = 'https://api.openai.com/v1';
/** Largest response body read, so a misbehaving server cannot exhaust memory. */
const MAX_RESPONSE_BYTES = 4 * 1024 * 1024;
/** Characters of a server's error message quoted in ours. */
const MAX_ERROR_DETAIL = 300;

export interface OpenAiProviderOptions {
  readonly model: string;
  /** @default DEFAULT_OPENAI_BASE_URL */
  readonly baseUrl?: string;
  /** The environment variable holding the key; none sends no Authorization header (local servers). */
  readonly apiKeyEnv?: string;
  /** @default process.env */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** @default globalThis.fetch */
  readonly fetch?: typeof globalThis.fetch;
}

interface ChatCompletion {
  readonly choices?: readonly { readonly message?: { readonly content?: string | null } }[];
  readonly usage?: { readonly prompt_tokens?: number; readonly completion_tokens?: number };
}

export function createOpenAiProvider(options: OpenAiProviderOptions): EvalProvider {
  const { model } = options;
  const baseUrl = (options.baseUrl ?? DEFAULT_OPENAI_BASE_URL).replace(/\/+$/, '');
  const url = `${baseUrl}/chat/completions`;
  const shownUrl = withoutCredentials(url);
  const doFetch = options.fetch ?? globalThis.fetch;
  return {
    type: 'openai',
    model,
    async invoke(request, { signal }) {
      const key = apiKey(options);
      const redact = (text: string) => {
        const withoutUrl = text.replaceAll(url, shownUrl);
        return key ? withoutUrl.replaceAll(key, '[redacted]') : withoutUrl;
      };
      let response: Response;
      try {
        response = await doFetch(url, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            accept: 'application/json',
            ...(key ? { authorization: `Bearer ${key}` } : {}),
          },
          body: JSON.stringify(chatBody(model, request)),
          signal,
        });
      } catch (error) {
        if (signal.aborted && signal.reason instanceof ProviderError) throw signal.reason;
        throw new ProviderError(
          'openai',
          `the OpenAI-compatible server at ${shownUrl} could not be reached: ${redact((error as Error).message)}`,
          { cause: error },
        );
      }
      const text = redact(await boundedText(response, shownUrl));
      if (response.status === 429) {
        throw new ProviderThrottledError('openai', `the server at ${shownUrl} throttled the call (429)`, {
          status: 429,
          ...retryAfter(response),
        });
      }
      if (!response.ok) {
        throw new ProviderError(
          'openai',
          `the OpenAI-compatible server at ${shownUrl} answered ${response.status}: ${errorDetail(text)}`,
          { status: response.status },
        );
      }
      let body: ChatCompletion;
      try {
        body = JSON.parse(text) as ChatCompletion;
      } catch (cause) {
        throw new ProviderError('openai', `the server at ${shownUrl} answered with a body that is not JSON`, {
          cause,
        });
      }
      const content = body.choices?.[0]?.message?.content;
      if (typeof content !== 'string') {
        throw new ProviderError(
          'openai',
          `the server at ${shownUrl} answered without choices[0].message.content`,
        );
      }
      const usage = body.usage;
      return {
        output: content,
        ...(typeof usage?.prompt_tokens === 'number' ? { inputTokens: usage.prompt_tokens } : {}),
        ...(typeof usage?.completion_tokens === 'number' ? { outputTokens: usage.completion_tokens } : {}),
      };
    },
  };
}

export function chatBody(
  model: string,
  { system, messages, settings }: EvalRequest,
): Record<string, unknown> {
  return {
    model,
    messages: [...(system !== undefined ? [{ role: 'system', content: system }] : []), ...messages],
    ...(settings.temperature !== undefined ? { temperature: settings.temperature } : {}),
    ...(settings.maxTokens !== undefined ? { max_tokens: settings.maxTokens } : {}),
    ...(settings.topP !== undefined ? { top_p: settings.topP } : {}),
    ...(settings.stopSequences !== undefined ? { stop: settings.stopSequences } : {}),
  };
}

function apiKey({ apiKeyEnv, env = process.env }: OpenAiProviderOptions): string | undefined {
  if (apiKeyEnv === undefined) return undefined;
  const key = env[apiKeyEnv];
  if (!key) {
    throw new ProviderError(
      'openai',
      `the environment variable ${apiKeyEnv} (provider.apiKeyEnv) is not set`,
    );
  }
  return key;
}

async function boundedText(response: Response, shownUrl: string): Promise<string> {
  const declared = Number(response.headers.get('content-length'));
  if (declared > MAX_RESPONSE_BYTES) {
    await response.body?.cancel();
    throw new ProviderError(
      'openai',
      `the server at ${shownUrl} answered with ${declared} bytes, over ${MAX_RESPONSE_BYTES}`,
    );
  }
  const text = await response.text();
  if (text.length > MAX_RESPONSE_BYTES) {
    throw new ProviderError(
      'openai',
      `the server at ${shownUrl} answered with more than ${MAX_RESPONSE_BYTES} bytes`,
    );
  }
  return text;
}

/** The server's own message (`error.message` in OpenAI's shape), else the start of the body. */
function errorDetail(text: string): string {
  let detail = text;
  try {
    const parsed = JSON.parse(text) as { error?: { message?: unknown } | string };
    const message = typeof parsed.error === 'string' ? parsed.error : parsed.error?.message;
    if (typeof message === 'string') detail = message;
  } catch {
    // Not JSON: quote the text itself.
  }
  const trimmed = detail.trim() || '(empty body)';
  return trimmed.length > MAX_ERROR_DETAIL ? `${trimmed.slice(0, MAX_ERROR_DETAIL)}…` : trimmed;
}

function retryAfter(response: Response): { retryAfterMs?: number } {
  const header = response.headers.get('retry-after');
  if (header === null) return {};
  const seconds = Number(header);
  if (Number.isFinite(seconds) && seconds >= 0) return { retryAfterMs: seconds * 1000 };
  const at = Date.parse(header);
  return Number.isNaN(at) ? {} : { retryAfterMs: Math.max(0, at - Date.now()) };
}

/** The URL as messages show it: no user:password part. */
function withoutCredentials(url: string): string {
  const parsed = new URL(url);
  parsed.username = '';
  parsed.password = '';
  return parsed.toString();
}
