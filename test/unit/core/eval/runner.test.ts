import { describe, expect, it, vi } from 'vitest';
import { ProviderError, ProviderThrottledError } from '../../../../src/core/eval/errors.ts';
import { NOT_GRADABLE_WITH_ECHO } from '../../../../src/core/eval/index.ts';
import {
  createEchoProvider,
  type EvalProvider,
  type EvalRequest,
  type EvalResponse,
} from '../../../../src/core/eval/provider.ts';
import { runSuite, truncateUtf8 } from '../../../../src/core/eval/runner.ts';
import { type EvalSuite, parseEvalSuite } from '../../../../src/core/eval/suite.ts';
import { CHAT_PROMPT, PROMPT } from './fixtures.ts';

/** A suite of `count` tests, each with the given assertions (YAML flow text). */
function suite(count: number, assert: string, threshold = 1): EvalSuite {
  const tests = Array.from(
    { length: count },
    (_, i) => `  - { description: "t${i}", vars: { customer_name: "C${i}" }, assert: [${assert}] }`,
  );
  return parseEvalSuite(`threshold: ${threshold}\ntests:\n${tests.join('\n')}\n`);
}

/** A provider answering `answer(request)` and recording its calls. */
function fakeProvider(
  answer: (request: EvalRequest, call: number) => Promise<EvalResponse> | EvalResponse,
  model = 'anthropic.claude-3-haiku-20240307-v1:0',
) {
  const calls: EvalRequest[] = [];
  const provider: EvalProvider = {
    type: 'bedrock',
    model,
    invoke: vi.fn(async (request: EvalRequest) => {
      calls.push(request);
      return answer(request, calls.length);
    }),
  };
  return { provider, calls };
}

const noSleep = async () => {};

describe('runSuite', () => {
  it('renders, calls the provider once per test, records output, latency, tokens and cost', async () => {
    const { provider, calls } = fakeProvider(() => ({
      output: 'Sorry, no refund',
      inputTokens: 1000,
      outputTokens: 2000,
      latencyMs: 42,
    }));
    const result = await runSuite({
      suite: suite(
        2,
        '{ type: icontains, value: sorry }, { type: latency, threshold: 100 }, { type: cost, threshold: 1 }',
      ),
      prompt: PROMPT,
      provider,
    });
    expect(result.state).toBe('PASSED');
    expect(result.passRate).toBe(1);
    expect(result.provider).toEqual({ type: 'bedrock', model: 'anthropic.claude-3-haiku-20240307-v1:0' });
    expect(calls).toHaveLength(2);
    expect(calls[0]).toEqual({
      messages: [{ role: 'user', content: expect.stringContaining('Greet C0 in a friendly tone.') }],
      settings: { temperature: 0.2, maxTokens: 300 },
    });
    // Claude 3 Haiku: $0.25 / $1.25 per million tokens.
    expect(result.tests[0]).toEqual({
      index: 0,
      description: 't0',
      vars: { customer_name: 'C0' },
      passed: true,
      output: 'Sorry, no refund',
      latencyMs: 42,
      inputTokens: 1000,
      outputTokens: 2000,
      costUsd: 0.00275,
      assertions: [
        { type: 'icontains', passed: true, score: 1, reason: 'output contains "sorry" (ignoring case)' },
        { type: 'latency', passed: true, reason: 'latency 42 ms is within 100 ms' },
        { type: 'cost', passed: true, reason: expect.stringContaining('cost $0.00275') },
      ],
    });
  });

  it('does not call the provider when only rendered-* assertions are present', async () => {
    const { provider } = fakeProvider(() => ({ output: 'x' }));
    const result = await runSuite({
      suite: suite(
        3,
        '{ type: rendered-contains, value: Never promise refunds }, { type: not-rendered-regex, value: "C9$" }',
      ),
      prompt: PROMPT,
      provider,
    });
    expect(provider.invoke).not.toHaveBeenCalled();
    expect(result.state).toBe('PASSED');
    expect(result.tests[0]).not.toHaveProperty('output');
    expect(result.tests[0]).not.toHaveProperty('latencyMs');
  });

  it('never has more calls in flight than the concurrency', async () => {
    let inFlight = 0;
    let maxInFlight = 0;
    const { provider } = fakeProvider(async () => {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      await new Promise((resolve) => setTimeout(resolve, 5));
      inFlight--;
      return { output: 'ok' };
    });
    const result = await runSuite({
      suite: suite(12, '{ type: contains, value: ok }'),
      prompt: PROMPT,
      provider,
      concurrency: 3,
    });
    expect(result.state).toBe('PASSED');
    expect(provider.invoke).toHaveBeenCalledTimes(12);
    expect(maxInFlight).toBe(3);
    // Results keep the suite's order whatever order the calls finish in.
    expect(result.tests.map((t) => t.index)).toEqual([...Array(12).keys()]);
  });

  it('defaults to 4 at once', async () => {
    let inFlight = 0;
    let maxInFlight = 0;
    const { provider } = fakeProvider(async () => {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      await new Promise((resolve) => setTimeout(resolve, 2));
      inFlight--;
      return { output: 'ok' };
    });
    await runSuite({ suite: suite(10, '{ type: contains, value: ok }'), prompt: PROMPT, provider });
    expect(maxInFlight).toBe(4);
  });

  it('times out a call that does not answer, failing that test with the reason', async () => {
    vi.useFakeTimers();
    try {
      let seenSignal: AbortSignal | undefined;
      const provider: EvalProvider = {
        type: 'openai',
        model: 'gpt-4o',
        invoke: (_request, { signal }) => {
          seenSignal = signal;
          return new Promise(() => {});
        },
      };
      const running = runSuite({
        suite: suite(1, '{ type: contains, value: ok }'),
        prompt: PROMPT,
        provider,
        timeoutMs: 1000,
      });
      await vi.advanceTimersByTimeAsync(1000);
      const result = await running;
      expect(seenSignal?.aborted).toBe(true);
      expect(result.tests[0]).toMatchObject({
        passed: false,
        error: 'the openai call did not answer within 1000 ms',
        assertions: [
          {
            type: 'contains',
            passed: false,
            reason: 'not evaluated: the openai call did not answer within 1000 ms',
          },
        ],
      });
      expect(result).toMatchObject({ state: 'ERROR', reason: expect.stringContaining('no test could run') });
    } finally {
      vi.useRealTimers();
    }
  });

  it('retries a throttled call with exponential backoff, honouring Retry-After', async () => {
    const delays: number[] = [];
    const { provider } = fakeProvider((_r, call) => {
      if (call === 1) throw new ProviderThrottledError('bedrock', 'slow down');
      if (call === 2) throw new ProviderThrottledError('bedrock', 'slow down');
      if (call === 3) throw new ProviderThrottledError('bedrock', 'slow down', { retryAfterMs: 3000 });
      return { output: 'ok' };
    });
    const result = await runSuite({
      suite: suite(1, '{ type: contains, value: ok }'),
      prompt: PROMPT,
      provider,
      sleep: async (ms) => {
        delays.push(ms);
      },
    });
    expect(result.state).toBe('PASSED');
    expect(provider.invoke).toHaveBeenCalledTimes(4);
    expect(delays).toEqual([500, 1000, 3000]);
  });

  it('with fake timers, waits out the backoff before retrying', async () => {
    vi.useFakeTimers();
    try {
      const { provider } = fakeProvider((_r, call) => {
        if (call === 1) throw new ProviderThrottledError('bedrock', 'slow down');
        return { output: 'ok' };
      });
      const running = runSuite({
        suite: suite(1, '{ type: contains, value: ok }'),
        prompt: PROMPT,
        provider,
      });
      await vi.advanceTimersByTimeAsync(499);
      expect(provider.invoke).toHaveBeenCalledTimes(1);
      await vi.advanceTimersByTimeAsync(1);
      expect((await running).state).toBe('PASSED');
      expect(provider.invoke).toHaveBeenCalledTimes(2);
    } finally {
      vi.useRealTimers();
    }
  });

  it('gives up after the retries, and does not retry other errors', async () => {
    const throttled = fakeProvider(() => {
      throw new ProviderThrottledError('bedrock', 'Bedrock throttled the call');
    });
    const result = await runSuite({
      suite: suite(1, '{ type: contains, value: ok }'),
      prompt: PROMPT,
      provider: throttled.provider,
      retries: 2,
      sleep: noSleep,
    });
    expect(throttled.provider.invoke).toHaveBeenCalledTimes(3);
    expect(result.tests[0]?.error).toBe('Bedrock throttled the call');

    const broken = fakeProvider(() => {
      throw new ProviderError('bedrock', 'AccessDeniedException: no access');
    });
    await runSuite({
      suite: suite(1, '{ type: contains, value: ok }'),
      prompt: PROMPT,
      provider: broken.provider,
      sleep: noSleep,
    });
    expect(broken.provider.invoke).toHaveBeenCalledTimes(1);
  });

  it('a provider error fails that test with the reason and the run goes on', async () => {
    const { provider } = fakeProvider((_r, call) => {
      if (call === 2) throw new ProviderError('bedrock', 'ValidationException: bad input');
      if (call === 3) throw new TypeError('socket hang up');
      return { output: 'ok' };
    });
    const result = await runSuite({
      suite: suite(4, '{ type: rendered-contains, value: Greet }, { type: contains, value: ok }', 0.5),
      prompt: PROMPT,
      provider,
      concurrency: 1,
    });
    expect(result.state).toBe('PASSED');
    expect(result.passRate).toBe(0.5);
    expect(result.tests[1]).toMatchObject({
      passed: false,
      error: 'ValidationException: bad input',
      assertions: [
        { type: 'rendered-contains', passed: true },
        { type: 'contains', passed: false, reason: 'not evaluated: ValidationException: bad input' },
      ],
    });
    expect(result.tests[2]?.error).toBe('the bedrock call failed: socket hang up');
  });

  it('the threshold decides PASSED or FAILED', async () => {
    const { provider } = fakeProvider((_r, call) => ({ output: call <= 9 ? 'ok' : 'no' }));
    const options = { prompt: PROMPT, provider, concurrency: 1 };
    expect(
      await runSuite({ ...options, suite: suite(10, '{ type: contains, value: ok }', 0.9) }),
    ).toMatchObject({
      state: 'PASSED',
      passRate: 0.9,
      threshold: 0.9,
    });
    const { provider: again } = fakeProvider((_r, call) => ({ output: call <= 9 ? 'ok' : 'no' }));
    const failed = await runSuite({
      ...options,
      provider: again,
      suite: suite(10, '{ type: contains, value: ok }'),
    });
    expect(failed).toMatchObject({ state: 'FAILED', passRate: 0.9, threshold: 1 });
    expect(failed.reason).toBeUndefined();
  });

  it('ends in ERROR when the suite is over the per-run cap, running nothing', async () => {
    const { provider } = fakeProvider(() => ({ output: 'ok' }));
    const result = await runSuite({
      suite: suite(201, '{ type: contains, value: ok }'),
      prompt: PROMPT,
      provider,
    });
    expect(result).toMatchObject({
      state: 'ERROR',
      reason: "the suite has 201 tests, over this run's cap of 200: split the suite or raise the cap",
      tests: [],
    });
    expect(provider.invoke).not.toHaveBeenCalled();
    expect(
      (
        await runSuite({
          suite: suite(3, '{ type: contains, value: ok }'),
          prompt: PROMPT,
          provider,
          maxTests: 2,
        })
      ).state,
    ).toBe('ERROR');
  });

  it('ends in ERROR when every test fails to render', async () => {
    const bad = parseEvalSuite(
      'tests:\n  - vars: { nobody: x }\n    assert: [{ type: contains, value: ok }]\n',
    );
    const { provider } = fakeProvider(() => ({ output: 'ok' }));
    const result = await runSuite({ suite: bad, prompt: PROMPT, provider });
    expect(result.state).toBe('ERROR');
    expect(result.reason).toContain('cannot render the prompt: Unknown variable "nobody"');
    expect(provider.invoke).not.toHaveBeenCalled();
  });

  it('stores outputs cut to maxOutputBytes, while assertions see the whole output', async () => {
    const long = `${'é'.repeat(100)}END`;
    const { provider } = fakeProvider(() => ({ output: long }));
    const result = await runSuite({
      suite: suite(1, '{ type: contains, value: END }'),
      prompt: PROMPT,
      provider,
      maxOutputBytes: 11,
    });
    expect(result.tests[0]).toMatchObject({ passed: true, output: 'ééééé', outputTruncated: true });
  });

  it('truncateUtf8 never cuts inside a character', () => {
    expect(truncateUtf8('abc', 10)).toEqual({ text: 'abc', truncated: false });
    expect(truncateUtf8('a😀b', 3)).toEqual({ text: 'a', truncated: true });
    expect(truncateUtf8('a😀b', 5)).toEqual({ text: 'a😀', truncated: true });
  });

  it('a cost assertion fails when the model has no price, and prices can be overridden', async () => {
    const answer = () => ({ output: 'ok', inputTokens: 1000, outputTokens: 1000 });
    const unknown = fakeProvider(answer, 'acme.secret-model-v1:0');
    const result = await runSuite({
      suite: suite(1, '{ type: cost, threshold: 1 }'),
      prompt: PROMPT,
      provider: unknown.provider,
    });
    expect(result.tests[0]?.assertions[0]).toEqual({
      type: 'cost',
      passed: false,
      reason: expect.stringContaining('cost unknown: no price for model "acme.secret-model-v1:0"'),
    });
    expect(result.tests[0]).not.toHaveProperty('costUsd');
    const priced = await runSuite({
      suite: suite(1, '{ type: cost, threshold: 1 }'),
      prompt: PROMPT,
      provider: fakeProvider(answer, 'acme.secret-model-v1:0').provider,
      prices: { 'acme.secret-model': { inputPerMillion: 1, outputPerMillion: 2 } },
    });
    expect(priced.tests[0]).toMatchObject({ passed: true, costUsd: 0.003 });
  });

  it('with echo: the output is the rendered prompt, cost is zero, llm-rubric is not gradable', async () => {
    const result = await runSuite({
      suite: suite(
        1,
        '{ type: contains, value: Greet C0 }, { type: cost, threshold: 0 }, { type: llm-rubric, value: polite }',
      ),
      prompt: PROMPT,
      provider: createEchoProvider(),
    });
    expect(result.provider).toEqual({ type: 'echo', model: 'echo' });
    expect(result.tests[0]?.output).toContain('You are a support agent.');
    expect(result.tests[0]?.assertions.map((a) => a.passed)).toEqual([true, true, false]);
    expect(result.tests[0]?.assertions[2]?.reason).toBe(NOT_GRADABLE_WITH_ECHO);
    expect(result.state).toBe('FAILED');
  });

  it('chat prompts send system turns as system and the rest as messages; echo returns both', async () => {
    const chatSuite = parseEvalSuite(
      'tests:\n  - vars: { question: Why? }\n    assert: [{ type: equals, value: "Answer briefly.\\n\\nWhy?" }]\n',
    );
    const { provider, calls } = fakeProvider(() => ({ output: 'ok' }));
    await runSuite({ suite: chatSuite, prompt: CHAT_PROMPT, provider });
    expect(calls[0]).toEqual({
      system: 'Answer briefly.',
      messages: [{ role: 'user', content: 'Why?' }],
      settings: {},
    });
    const echoed = await runSuite({ suite: chatSuite, prompt: CHAT_PROMPT, provider: createEchoProvider() });
    expect(echoed.state).toBe('PASSED');
  });

  it('grades llm-rubric with the run provider by default, or with the given judge', async () => {
    const { provider, calls } = fakeProvider((request) =>
      request.system?.includes('grade')
        ? { output: 'Verdict: ```json\n{"pass": true, "score": 0.8, "reason": "polite"}\n```' }
        : { output: 'Dear Ana' },
    );
    const result = await runSuite({
      suite: suite(1, '{ type: llm-rubric, value: is polite }'),
      prompt: PROMPT,
      provider,
    });
    expect(result.tests[0]?.assertions[0]).toEqual({
      type: 'llm-rubric',
      passed: true,
      score: 0.8,
      reason: 'judge: polite (score 0.8)',
    });
    expect(calls).toHaveLength(2);
    expect(calls[1]?.messages[0]?.content).toContain(
      '<rubric>\nis polite\n</rubric>\n<output>\nDear Ana\n</output>',
    );
    expect(calls[1]?.settings).toEqual({ temperature: 0, maxTokens: 512 });

    const judge = {
      providerType: 'openai' as const,
      grade: vi.fn(async () => ({ pass: false, reason: 'rude' })),
    };
    const judged = await runSuite({
      suite: suite(1, '{ type: llm-rubric, value: is polite }'),
      prompt: PROMPT,
      provider,
      judge,
    });
    expect(judge.grade).toHaveBeenCalledWith(
      { rubric: 'is polite', output: 'Dear Ana' },
      { signal: expect.any(AbortSignal) },
    );
    expect(judged.tests[0]?.assertions[0]).toMatchObject({ passed: false, reason: 'judge: rude' });
  });

  it('a judge that fails fails its assertion with the reason', async () => {
    const judge = {
      providerType: 'openai' as const,
      grade: async () => {
        throw new ProviderError('openai', 'the OpenAI-compatible server answered 500');
      },
    };
    const { provider } = fakeProvider(() => ({ output: 'x' }));
    const result = await runSuite({
      suite: suite(1, '{ type: llm-rubric, value: polite }'),
      prompt: PROMPT,
      provider,
      judge,
    });
    expect(result.tests[0]?.assertions[0]).toEqual({
      type: 'llm-rubric',
      passed: false,
      reason: 'the OpenAI-compatible server answered 500',
    });
  });

  it('ends in ERROR when stopped by its signal, keeping the finished tests', async () => {
    const controller = new AbortController();
    const { provider } = fakeProvider((_r, call) => {
      if (call === 2) controller.abort(new Error('the Lambda is about to time out'));
      return { output: 'ok' };
    });
    const result = await runSuite({
      suite: suite(5, '{ type: contains, value: ok }'),
      prompt: PROMPT,
      provider,
      concurrency: 1,
      signal: controller.signal,
    });
    expect(result.state).toBe('ERROR');
    expect(result.reason).toMatch(/^the run was stopped after 2 of 5 tests: the Lambda is about to time out/);
    expect(provider.invoke).toHaveBeenCalledTimes(2);
  });

  it('reports each finished test for progress', async () => {
    const seen: [number, number][] = [];
    await runSuite({
      suite: suite(3, '{ type: rendered-contains, value: Greet }'),
      prompt: PROMPT,
      provider: createEchoProvider(),
      onTestFinished: (_result, finished, total) => seen.push([finished, total]),
    });
    expect(seen).toEqual([
      [1, 3],
      [2, 3],
      [3, 3],
    ]);
  });

  it('uses the injected clock for latency when the provider reports none', async () => {
    let now = 1000;
    const { provider } = fakeProvider(() => {
      now += 250;
      return { output: 'ok' };
    });
    const result = await runSuite({
      suite: suite(1, '{ type: latency, threshold: 300 }'),
      prompt: PROMPT,
      provider,
      now: () => now,
    });
    expect(result.tests[0]).toMatchObject({ latencyMs: 250, passed: true });
  });
});
