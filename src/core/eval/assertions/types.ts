import type { JudgeVerdict } from '../judge.ts';
import type { AssertionSpec, ProviderType } from '../suite.ts';

/** What an assertion reads: the rendered prompt (no model call) or the model's output. */
export type AssertionInput = 'rendered' | 'output';
/** What `value` must be: absent, text, or a regex source that compiles. */
export type AssertionValueKind = 'none' | 'text' | 'regex';
/** What `threshold` means: nothing (refused), milliseconds, US dollars, or a 0..1 score. */
export type AssertionThresholdKind = 'none' | 'milliseconds' | 'usd' | 'score';

/** The grader an `llm-rubric` assertion calls, already bound to the run's timeout and retries. */
export interface AssertionJudge {
  /** The judge model's provider, so an echo judge is reported as not gradable. */
  readonly providerType: ProviderType;
  grade(rubric: string): Promise<JudgeVerdict>;
}

export interface AssertionContext {
  /** The rendered prompt as text (chat messages joined by blank lines). */
  readonly rendered: string;
  /** The model's output; empty when only rendered assertions ran. */
  readonly output: string;
  readonly providerType: ProviderType;
  readonly latencyMs?: number;
  readonly costUsd?: number;
  /** Why `costUsd` is undefined (unknown price, no token usage). */
  readonly costUnknownReason?: string;
  readonly judge?: AssertionJudge;
}

export interface AssertionOutcome {
  readonly passed: boolean;
  /** 0..1; text assertions score 1 or 0. */
  readonly score?: number;
  /** A statement of fact ("output contains ..."), so the not- form can reuse it as is. */
  readonly reason: string;
}

export interface AssertionResult extends AssertionOutcome {
  readonly type: string;
}

/** An assertion type: one file per type under assertions/, listed in assertions/index.ts. */
export interface AssertionDefinition {
  readonly type: string;
  readonly description: string;
  readonly input: AssertionInput;
  /** True for the text assertions, which also exist as `not-<type>`. */
  readonly negatable: boolean;
  readonly value: AssertionValueKind;
  readonly threshold: AssertionThresholdKind;
  evaluate(spec: AssertionSpec, context: AssertionContext): AssertionOutcome | Promise<AssertionOutcome>;
}
