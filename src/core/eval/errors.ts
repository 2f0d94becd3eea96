/**
 * Errors of evaluation suites and providers. Suite problems are validation errors with lines; provider
 * failures are plain errors the runner records on the test that met them.
 */
import { type DocumentIssue, LocatedParseError } from '../errors.ts';
import type { ProviderType } from './suite.ts';

/** A suite that does not parse or validate; each issue names its path and 1-based line. */
export class EvalSuiteParseError extends LocatedParseError {
  constructor(issues: readonly DocumentIssue[], options: { cause?: unknown } = {}) {
    super('evaluation suite', issues, options);
    this.name = 'EvalSuiteParseError';
  }
}

export interface ProviderErrorOptions {
  readonly cause?: unknown;
  /** HTTP status the provider answered with, when there was one. */
  readonly status?: number;
}

/** A model call that failed. The message never holds credentials. */
export class ProviderError extends Error {
  readonly provider: ProviderType;
  readonly status?: number;
  constructor(provider: ProviderType, message: string, options: ProviderErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ProviderError';
    this.provider = provider;
    if (options.status !== undefined) this.status = options.status;
  }
}

/** The provider asked us to slow down: the runner retries it with backoff. */
export class ProviderThrottledError extends ProviderError {
  /** The delay the provider asked for (Retry-After), if it named one. */
  readonly retryAfterMs?: number;
  constructor(
    provider: ProviderType,
    message: string,
    options: ProviderErrorOptions & { readonly retryAfterMs?: number } = {},
  ) {
    super(provider, message, options);
    this.name = 'ProviderThrottledError';
    if (options.retryAfterMs !== undefined) this.retryAfterMs = options.retryAfterMs;
  }
}

/** A call that did not answer within the run's per-call timeout. */
export class ProviderTimeoutError extends ProviderError {
  readonly timeoutMs: number;
  constructor(provider: ProviderType, timeoutMs: number) {
    super(provider, `the ${provider} call did not answer within ${timeoutMs} ms`);
    this.name = 'ProviderTimeoutError';
    this.timeoutMs = timeoutMs;
  }
}
