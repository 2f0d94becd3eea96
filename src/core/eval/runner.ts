/**
 * Runs a suite against a provider: per test, render the prompt with its vars, check the rendered-*
 * assertions, call the provider once when an assertion needs output, check the rest and record output,
 * latency, tokens and cost. Tests run with bounded concurrency; each call has a timeout and throttled
 * calls are retried with exponential backoff. A failing test never stops the run.
 */
import type { PromptDocument } from '../document.ts';
import { type ChatMessage, type CompiledPrompt, compileSections } from '../prompt.ts';
import { ASSERTIONS } from './assertions/index.ts';
import type { AssertionContext, AssertionJudge, AssertionResult } from './assertions/types.ts';
import { ProviderError, ProviderThrottledError, ProviderTimeoutError } from './errors.ts';
import { createProviderJudge, type EvalJudge } from './judge.ts';
import { EVAL_LIMITS } from './limits.ts';
import { estimateCost, type PriceTable } from './prices.ts';
import {
  type EvalModelSettings,
  type EvalProvider,
  type EvalResponse,
  evalModelSettings,
  evalRequest,
  renderedText,
} from './provider.ts';
import type { EvalSuite, EvalTestCase, EvalVars, ProviderType } from './suite.ts';

export type EvalRunState = 'PASSED' | 'FAILED' | 'ERROR';

export interface EvalTestResult {
  /** 0-based position in the suite. */
  readonly index: number;
  /** The test's description, or "test N". */
  readonly description: string;
  readonly vars: EvalVars;
  readonly passed: boolean;
  /** The model's output, cut to `maxOutputBytes`; absent when the model was not called. */
  readonly output?: string;
  /** True when `output` was cut. */
  readonly outputTruncated?: true;
  /** Duration of the model call; absent when the model was not called. */
  readonly latencyMs?: number;
  readonly inputTokens?: number;
  readonly outputTokens?: number;
  readonly costUsd?: number;
  readonly assertions: readonly AssertionResult[];
  /** Why the test could not run (render error, provider error, timeout); it then did not pass. */
  readonly error?: string;
}

export interface EvalRunResult {
  readonly state: EvalRunState;
  /** Passed tests over all tests of the suite, 0..1. */
  readonly passRate: number;
  readonly threshold: number;
  readonly provider: { readonly type: ProviderType; readonly model?: string };
  readonly tests: readonly EvalTestResult[];
  /** Why the run is ERROR. */
  readonly reason?: string;
}

export interface RunSuiteOptions {
  readonly suite: EvalSuite;
  /** The version's parsed document: its body is rendered and its model settings are sent. */
  readonly prompt: PromptDocument;
  readonly provider: EvalProvider;
  /** Grades `llm-rubric`. @default a judge on `provider` */
  readonly judge?: EvalJudge;
  /** Sampling settings sent. @default the prompt's model settings */
  readonly settings?: EvalModelSettings;
  /** @default EVAL_LIMITS.defaultConcurrency (4) */
  readonly concurrency?: number;
  /** Most tests a run accepts; a larger suite ends in ERROR. @default EVAL_LIMITS.defaultMaxTestsPerRun (200) */
  readonly maxTests?: number;
  /** Timeout of each provider or judge call. @default EVAL_LIMITS.defaultTimeoutMs */
  readonly timeoutMs?: number;
  /** Bytes of each output kept in the result. @default EVAL_LIMITS.defaultMaxOutputBytes */
  readonly maxOutputBytes?: number;
  /** Retries of a throttled call. @default EVAL_LIMITS.defaultRetries */
  readonly retries?: number;
  /** First backoff delay, doubled per retry. @default EVAL_LIMITS.retryBaseDelayMs */
  readonly retryBaseDelayMs?: number;
  /** Prices overriding or extending `DEFAULT_PRICES`. */
  readonly prices?: PriceTable;
  /** Stops the run (for example when the Lambda is about to time out): it ends in ERROR. */
  readonly signal?: AbortSignal;
  /** Milliseconds from some origin, for latencies. @default performance.now */
  readonly now?: () => number;
  /** Waits between retries. @default setTimeout */
  readonly sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Called as each test finishes, for progress bars. */
  readonly onTestFinished?: (result: EvalTestResult, finished: number, total: number) => void;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export async function runSuite(options: RunSuiteOptions): Promise<EvalRunResult> {
  const { suite, prompt, provider, signal } = options;
  const maxTests = options.maxTests ?? EVAL_LIMITS.defaultMaxTestsPerRun;
  const threshold = suite.threshold;
  const providerInfo = {
    type: provider.type,
    ...(provider.model !== undefined ? { model: provider.model } : {}),
  };
  const errorRun = (reason: string, tests: readonly EvalTestResult[] = []): EvalRunResult => ({
    state: 'ERROR',
    passRate: passRateOf(tests, suite.tests.length),
    threshold,
    provider: providerInfo,
    tests,
    reason,
  });

  if (suite.tests.length > maxTests) {
    return errorRun(
      `the suite has ${suite.tests.length} tests, over this run's cap of ${maxTests}: split the suite or raise the cap`,
    );
  }
  let compiled: CompiledPrompt;
  try {
    compiled = compileSections(prompt.kind, prompt.sections, prompt.variables);
  } catch (error) {
    return errorRun(`the prompt does not compile: ${(error as Error).message}`);
  }

  const context: RunContext = {
    options,
    compiled,
    settings: options.settings ?? evalModelSettings(prompt.model),
    judge: options.judge ?? createProviderJudge(provider),
    now: options.now ?? (() => performance.now()),
    maxOutputBytes: options.maxOutputBytes ?? EVAL_LIMITS.defaultMaxOutputBytes,
  };

  const total = suite.tests.length;
  const results: EvalTestResult[] = new Array(total);
  let next = 0;
  let finished = 0;
  const worker = async () => {
    while (next < total && !signal?.aborted) {
      const index = next++;
      const result = await runTest(context, suite.tests[index] as EvalTestCase, index);
      results[index] = result;
      finished++;
      options.onTestFinished?.(result, finished, total);
    }
  };
  const concurrency = Math.max(
    1,
    Math.min(options.concurrency ?? EVAL_LIMITS.defaultConcurrency, EVAL_LIMITS.maxConcurrency, total),
  );
  await Promise.all(Array.from({ length: concurrency }, worker));

  const done = results.filter((r) => r !== undefined);
  if (signal?.aborted) {
    return errorRun(
      `the run was stopped after ${done.length} of ${total} tests: ${abortReason(signal)}`,
      done,
    );
  }
  const failedToRun = done.filter((r) => r.error !== undefined);
  if (failedToRun.length === total) {
    return errorRun(`no test could run; the first: ${failedToRun[0]?.error}`, done);
  }
  const passRate = passRateOf(done, total);
  const passedCount = done.filter((r) => r.passed).length;
  // Compared in counts, so 9 of 10 meets 0.9 whatever the floating point says.
  const state: EvalRunState = passedCount >= Math.ceil(threshold * total - 1e-9) ? 'PASSED' : 'FAILED';
  return { state, passRate, threshold, provider: providerInfo, tests: done };
}

interface RunContext {
  readonly options: RunSuiteOptions;
  readonly compiled: CompiledPrompt;
  readonly settings: EvalModelSettings;
  readonly judge: EvalJudge;
  readonly now: () => number;
  readonly maxOutputBytes: number;
}

async function runTest(context: RunContext, test: EvalTestCase, index: number): Promise<EvalTestResult> {
  const { options, compiled } = context;
  const base = { index, description: test.description ?? `test ${index + 1}`, vars: test.vars };

  let rendered: string | ChatMessage[];
  try {
    rendered = compiled.render(test.vars);
  } catch (error) {
    const reason = `cannot render the prompt: ${(error as Error).message}`;
    return {
      ...base,
      passed: false,
      assertions: test.assert.map((a) => ({
        type: a.type,
        passed: false,
        reason: `not evaluated: ${reason}`,
      })),
      error: reason,
    };
  }
  const text = renderedText(rendered);
  const definitions = test.assert.map((spec) => ASSERTIONS.get(spec.type));
  const needsOutput = definitions.some((d) => d?.input !== 'rendered');

  let response: EvalResponse | undefined;
  let latencyMs: number | undefined;
  let callError: string | undefined;
  if (needsOutput) {
    const request = evalRequest(rendered, context.settings);
    const started = context.now();
    try {
      response = await callProvider(options, options.provider.type, (signal) =>
        options.provider.invoke(request, { signal }),
      );
      latencyMs = Math.round(response.latencyMs ?? context.now() - started);
    } catch (error) {
      callError = describeCallError(options.provider.type, error);
    }
  }

  const output = response?.output ?? '';
  const cost =
    response?.costUsd !== undefined
      ? { costUsd: response.costUsd }
      : response
        ? estimateCost(options.provider.model, response.inputTokens, response.outputTokens, options.prices)
        : {};
  const judge = context.judge;
  const assertionJudge: AssertionJudge = {
    providerType: judge.providerType,
    grade: (rubric) =>
      callProvider(options, judge.providerType, (signal) => judge.grade({ rubric, output }, { signal })),
  };
  const assertionContext: AssertionContext = {
    rendered: text,
    output,
    providerType: options.provider.type,
    ...(latencyMs !== undefined ? { latencyMs } : {}),
    ...(cost.costUsd !== undefined ? { costUsd: cost.costUsd } : {}),
    ...(cost.unknownReason !== undefined ? { costUnknownReason: cost.unknownReason } : {}),
    judge: assertionJudge,
  };

  const assertions: AssertionResult[] = [];
  for (let i = 0; i < test.assert.length; i++) {
    const spec = test.assert[i] as (typeof test.assert)[number];
    const definition = definitions[i];
    if (!definition) {
      assertions.push({ type: spec.type, passed: false, reason: `unknown assertion type "${spec.type}"` });
    } else if (definition.input !== 'rendered' && callError !== undefined) {
      assertions.push({ type: spec.type, passed: false, reason: `not evaluated: ${callError}` });
    } else {
      try {
        assertions.push({ type: spec.type, ...(await definition.evaluate(spec, assertionContext)) });
      } catch (error) {
        assertions.push({
          type: spec.type,
          passed: false,
          reason: describeCallError(judge.providerType, error),
        });
      }
    }
  }

  const stored = response ? truncateUtf8(output, context.maxOutputBytes) : undefined;
  return {
    ...base,
    passed: callError === undefined && assertions.every((a) => a.passed),
    ...(stored
      ? { output: stored.text, ...(stored.truncated ? { outputTruncated: true as const } : {}) }
      : {}),
    ...(latencyMs !== undefined ? { latencyMs } : {}),
    ...(response?.inputTokens !== undefined ? { inputTokens: response.inputTokens } : {}),
    ...(response?.outputTokens !== undefined ? { outputTokens: response.outputTokens } : {}),
    ...(cost.costUsd !== undefined ? { costUsd: cost.costUsd } : {}),
    assertions,
    ...(callError !== undefined ? { error: callError } : {}),
  };
}

/** One call with the run's timeout, retried with exponential backoff while the provider throttles. */
async function callProvider<T>(
  options: RunSuiteOptions,
  type: ProviderType,
  call: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  const retries = options.retries ?? EVAL_LIMITS.defaultRetries;
  const base = options.retryBaseDelayMs ?? EVAL_LIMITS.retryBaseDelayMs;
  const sleep = options.sleep ?? defaultSleep;
  for (let attempt = 0; ; attempt++) {
    try {
      return await withTimeout(type, options.timeoutMs ?? EVAL_LIMITS.defaultTimeoutMs, options.signal, call);
    } catch (error) {
      if (!(error instanceof ProviderThrottledError) || attempt >= retries || options.signal?.aborted)
        throw error;
      await sleep(
        Math.min(EVAL_LIMITS.maxRetryDelayMs, error.retryAfterMs ?? base * 2 ** attempt),
        options.signal,
      );
    }
  }
}

/** Races the call against its timeout, so a provider ignoring its signal still cannot stall the run. */
async function withTimeout<T>(
  type: ProviderType,
  timeoutMs: number,
  parent: AbortSignal | undefined,
  call: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  const controller = new AbortController();
  let timer: ReturnType<typeof setTimeout> | undefined;
  let onParentAbort: (() => void) | undefined;
  const stopped = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const error = new ProviderTimeoutError(type, timeoutMs);
      controller.abort(error);
      reject(error);
    }, timeoutMs);
    if (parent) {
      onParentAbort = () => {
        controller.abort(parent.reason);
        reject(new ProviderError(type, `the run was stopped: ${abortReason(parent)}`));
      };
      if (parent.aborted) onParentAbort();
      else parent.addEventListener('abort', onParentAbort, { once: true });
    }
  });
  try {
    return await Promise.race([call(controller.signal), stopped]);
  } finally {
    clearTimeout(timer);
    if (onParentAbort) parent?.removeEventListener('abort', onParentAbort);
  }
}

function defaultSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

function describeCallError(type: ProviderType, error: unknown): string {
  if (error instanceof ProviderError) return error.message;
  return `the ${type} call failed: ${error instanceof Error ? error.message : String(error)}`;
}

function abortReason(signal: AbortSignal): string {
  const reason: unknown = signal.reason;
  return reason instanceof Error ? reason.message : String(reason ?? 'aborted');
}

function passRateOf(tests: readonly EvalTestResult[], total: number): number {
  return total === 0 ? 0 : tests.filter((t) => t.passed).length / total;
}

/** `text` cut to at most `maxBytes` UTF-8 bytes, never inside a character. */
export function truncateUtf8(text: string, maxBytes: number): { text: string; truncated: boolean } {
  // Three bytes per UTF-16 unit at most: short texts need no encoding.
  if (text.length * 3 <= maxBytes) return { text, truncated: false };
  const bytes = encoder.encode(text);
  if (bytes.length <= maxBytes) return { text, truncated: false };
  let end = maxBytes;
  // Back up to a character boundary: continuation bytes are 10xxxxxx.
  while (end > 0 && ((bytes[end] as number) & 0xc0) === 0x80) end--;
  return { text: decoder.decode(bytes.subarray(0, end)), truncated: true };
}
