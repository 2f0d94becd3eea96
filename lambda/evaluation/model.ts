/** What the evaluation service stores: suites by revision and runs with their results (docs/evaluations.md). */
import type { EvaluationState, EvaluationSummary, EvaluationTestResult } from '../../src/core/api.ts';
import type { ProviderSpec } from '../../src/core/eval/suite.ts';

/** A prompt's evaluation suite at one revision. */
export interface EvalSuiteRecord {
  readonly promptId: string;
  /** 1 for the first suite, one more for each change. */
  readonly revision: number;
  /** SHA-256 of `suite`, the text as it was put. */
  readonly sha256: string;
  /** The suite's YAML text. */
  readonly suite: string;
  readonly updatedBy: string;
  readonly updatedAt: string;
}

/** One run of a version against a suite revision, as stored. */
export interface EvaluationRecord extends EvaluationSummary {
  readonly state: EvaluationState;
  /** The provider the run calls, resolved at start (override, suite or prompt model). */
  readonly providerSpec: ProviderSpec;
  /** The judge of `llm-rubric`, when the suite names one. */
  readonly judgeSpec?: ProviderSpec;
  /** The results, when small enough to live in the run item. */
  readonly tests?: readonly EvaluationTestResult[];
  /** Otherwise the SHA-256 of their JSON in the output store (`evaluations/sha256/<hash>.json`). */
  readonly testsSha256?: string;
  /**
   * SHA-256 of the caller and the Idempotency-Key of the start that created the run, when it sent
   * one: a retry of that start finds the run instead of creating another. Never on the wire.
   */
  readonly requestKey?: string;
}

/** What the worker is invoked with (asynchronously, by the API). */
export interface EvaluationJob {
  readonly promptId: string;
  readonly version: string;
  readonly runId: string;
}
