import {
  AccessDeniedException,
  BedrockRuntimeClient,
  ConverseCommand,
  ThrottlingException,
} from '@aws-sdk/client-bedrock-runtime';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { createBedrockProvider, createProvider } from '../../../../lambda/evaluation/providers/index.ts';
import { ProviderError, ProviderThrottledError } from '../../../../src/core/eval/errors.ts';
import { runSuite } from '../../../../src/core/eval/runner.ts';
import { parseEvalSuite } from '../../../../src/core/eval/suite.ts';
import { CHAT_PROMPT, PROMPT } from '../../core/eval/fixtures.ts';

const MODEL = 'anthropic.claude-3-haiku-20240307-v1:0';
const bedrock = mockClient(BedrockRuntimeClient);
const signal = () => new AbortController().signal;

function converseReply(text: string) {
  return {
    output: { message: { role: 'assistant' as const, content: [{ text }] } },
    stopReason: 'end_turn' as const,
    usage: { inputTokens: 120, outputTokens: 30, totalTokens: 150 },
    metrics: { latencyMs: 345 },
  };
}

beforeEach(() => bedrock.reset());

describe('bedrock provider', () => {
  const provider = () => createBedrockProvider({ client: new BedrockRuntimeClient({}), model: MODEL });

  it('sends system, messages and inferenceConfig, and reads output, usage and latency', async () => {
    bedrock.on(ConverseCommand).resolves(converseReply('Hello Ana'));
    const response = await provider().invoke(
      {
        system: 'Be brief.',
        messages: [{ role: 'user', content: 'Hi' }],
        settings: { temperature: 0.2, maxTokens: 300, topP: 0.9, stopSequences: ['END'] },
      },
      { signal: signal() },
    );
    expect(response).toEqual({ output: 'Hello Ana', inputTokens: 120, outputTokens: 30, latencyMs: 345 });
    expect(bedrock.commandCalls(ConverseCommand)[0]?.args[0].input).toEqual({
      modelId: MODEL,
      system: [{ text: 'Be brief.' }],
      messages: [{ role: 'user', content: [{ text: 'Hi' }] }],
      inferenceConfig: { temperature: 0.2, maxTokens: 300, topP: 0.9, stopSequences: ['END'] },
    });
  });

  it('joins consecutive turns of one role and omits empty settings', async () => {
    bedrock.on(ConverseCommand).resolves(converseReply('ok'));
    await provider().invoke(
      {
        messages: [
          { role: 'user', content: 'a' },
          { role: 'user', content: 'b' },
          { role: 'assistant', content: 'c' },
        ],
        settings: {},
      },
      { signal: signal() },
    );
    expect(bedrock.commandCalls(ConverseCommand)[0]?.args[0].input).toEqual({
      modelId: MODEL,
      messages: [
        { role: 'user', content: [{ text: 'a\n\nb' }] },
        { role: 'assistant', content: [{ text: 'c' }] },
      ],
    });
  });

  it('maps ThrottlingException to ProviderThrottledError and other errors to ProviderError', async () => {
    bedrock
      .on(ConverseCommand)
      .rejects(new ThrottlingException({ message: 'Too many requests', $metadata: {} }));
    const throttled = provider().invoke({ messages: [], settings: {} }, { signal: signal() });
    await expect(throttled).rejects.toBeInstanceOf(ProviderThrottledError);
    await expect(throttled).rejects.toThrow(
      `Bedrock Converse on "${MODEL}" failed: ThrottlingException: Too many requests`,
    );

    bedrock
      .on(ConverseCommand)
      .rejects(new AccessDeniedException({ message: 'not allowed', $metadata: { httpStatusCode: 403 } }));
    const denied = provider().invoke({ messages: [], settings: {} }, { signal: signal() });
    await expect(denied).rejects.toBeInstanceOf(ProviderError);
    await expect(denied).rejects.not.toBeInstanceOf(ProviderThrottledError);
    await expect(denied).rejects.toMatchObject({
      status: 403,
      message: expect.stringContaining('AccessDeniedException: not allowed'),
    });
  });

  it('runs a suite: the prompt model settings reach Converse, and a throttled call is retried', async () => {
    bedrock
      .on(ConverseCommand)
      .rejectsOnce(new ThrottlingException({ message: 'slow down', $metadata: {} }))
      .resolves(converseReply('Sorry, Ana'));
    const delays: number[] = [];
    const suite = parseEvalSuite(
      'tests:\n  - vars: { customer_name: Ana }\n    assert: [{ type: icontains, value: sorry }, { type: cost, threshold: 0.01 }]\n',
    );
    const result = await runSuite({
      suite,
      prompt: PROMPT,
      provider: createProvider(
        { type: 'bedrock', model: MODEL },
        { bedrockClient: new BedrockRuntimeClient({}) },
      ),
      sleep: async (ms) => {
        delays.push(ms);
      },
    });
    expect(result.state).toBe('PASSED');
    expect(delays).toEqual([500]);
    const calls = bedrock.commandCalls(ConverseCommand);
    expect(calls).toHaveLength(2);
    expect(calls[1]?.args[0].input).toMatchObject({
      modelId: MODEL,
      inferenceConfig: { temperature: 0.2, maxTokens: 300 },
      messages: [{ role: 'user', content: [{ text: expect.stringContaining('Greet Ana') }] }],
    });
    expect(result.tests[0]).toMatchObject({
      inputTokens: 120,
      outputTokens: 30,
      latencyMs: 345,
      costUsd: 0.0000675,
    });
  });

  it('a chat prompt sends its system section as system', async () => {
    bedrock.on(ConverseCommand).resolves(converseReply('Because.'));
    const suite = parseEvalSuite(
      'tests:\n  - vars: { question: Why? }\n    assert: [{ type: contains, value: Because }]\n',
    );
    await runSuite({
      suite,
      prompt: CHAT_PROMPT,
      provider: createBedrockProvider({ client: new BedrockRuntimeClient({}), model: MODEL }),
    });
    expect(bedrock.commandCalls(ConverseCommand)[0]?.args[0].input).toMatchObject({
      system: [{ text: 'Answer briefly.' }],
      messages: [{ role: 'user', content: [{ text: 'Why?' }] }],
    });
  });
});

describe('createProvider', () => {
  it('builds echo, bedrock and openai providers and refuses a model-less one', () => {
    expect(createProvider({ type: 'echo' }).type).toBe('echo');
    expect(createProvider({ type: 'bedrock', model: MODEL })).toMatchObject({
      type: 'bedrock',
      model: MODEL,
    });
    expect(createProvider({ type: 'openai', model: 'gpt-4o' })).toMatchObject({
      type: 'openai',
      model: 'gpt-4o',
    });
    expect(() => createProvider({ type: 'bedrock' })).toThrow('The bedrock provider needs a model');
  });
});
