/**
 * Limits of evaluation suites and runs, defined once so the parser, the runner, the service and the
 * CLI agree. Per-run values are defaults the runner's options may lower or raise within reason.
 */
export const EVAL_LIMITS = {
  /** Largest suite file (UTF-8 bytes) the parser reads. */
  maxSuiteBytes: 1024 * 1024,
  /** Most tests one suite may hold: a suite over it is refused at parse, never truncated. */
  maxTestsPerSuite: 1000,
  /** Most assertions one test may hold. */
  maxAssertionsPerTest: 50,
  /** Longest regex source accepted, so a pattern stays reviewable. */
  maxRegexLength: 1000,
  /** Default per-run cap on tests; a suite over it ends the run in ERROR rather than running a subset. */
  defaultMaxTestsPerRun: 200,
  /** Default number of tests running at once. */
  defaultConcurrency: 4,
  /** Highest concurrency a run accepts, whatever it asks for. */
  maxConcurrency: 32,
  /** Default timeout of one provider or judge call. */
  defaultTimeoutMs: 60_000,
  /** Default bytes of each output kept in the recorded result; assertions see the whole output. */
  defaultMaxOutputBytes: 64 * 1024,
  /** Default retries of a throttled call, after the first attempt. */
  defaultRetries: 3,
  /** First backoff delay; doubled on each retry up to `maxRetryDelayMs`. */
  retryBaseDelayMs: 500,
  maxRetryDelayMs: 10_000,
} as const;
