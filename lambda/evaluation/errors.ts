/** Problems of the evaluation routes, with the contract's codes (docs/evaluations.md). */
import { type LintFindingSummary, PromptOpsError } from '../../src/core/errors.ts';

/** Evaluating a prompt that has no suite. */
export class NoEvalSuiteError extends PromptOpsError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('NO_EVAL_SUITE', message, options);
    this.name = 'NoEvalSuiteError';
  }
}

/** A provider the stack does not let evaluations call; `setting` is the CDK context key to change. */
export class ProviderNotAllowedError extends PromptOpsError {
  constructor(reason: string, options?: { cause?: unknown }) {
    super('PROVIDER_NOT_ALLOWED', `This evaluation cannot run: ${reason}`, {
      ...options,
      extensions: { setting: 'evalModels' },
    });
    this.name = 'ProviderNotAllowedError';
  }
}

/** A suite that parses but does not fit its prompt (variables unknown, missing or of the wrong type). */
export class EvalSuiteLintError extends PromptOpsError {
  readonly findings: readonly LintFindingSummary[];
  constructor(promptId: string, findings: readonly LintFindingSummary[]) {
    const first = findings[0];
    super(
      'LINT_FAILED',
      `The evaluation suite of ${promptId} has ${findings.length} error${findings.length === 1 ? '' : 's'}${first ? `; first: ${first.line ? `line ${first.line}: ` : ''}${first.message}` : ''}`,
      { extensions: { findings } },
    );
    this.name = 'EvalSuiteLintError';
    this.findings = findings;
  }
}
