/**
 * Checks a suite's vars against the prompt's declared variables, as lint findings with lines: a test
 * giving a variable the prompt does not declare, missing a required one, or giving a value of the
 * wrong type would fail at render time, so it is reported before anything runs.
 */
import type { PromptDocument } from '../document.ts';
import { DocumentParseError } from '../errors.ts';
import type { LintFinding } from '../lint/types.ts';
import { valueFitsType } from '../variables.ts';
import { EvalSuiteParseError } from './errors.ts';
import {
  type EvalSuite,
  type ParsedEvalSuite,
  type ParseEvalSuiteOptions,
  parseEvalSuiteWithSource,
} from './suite.ts';

export const SUITE_VARIABLES_RULE = 'eval-suite-variables';
export const SUITE_SYNTAX_RULE = 'eval-suite-syntax';

export function checkSuiteVariables(
  { suite, source }: ParsedEvalSuite,
  prompt: PromptDocument,
): LintFinding[] {
  const declared = Object.keys(prompt.variables);
  const findings: LintFinding[] = [];
  suite.tests.forEach((test, index) => {
    const name = `test ${index + 1}${test.description ? ` "${test.description}"` : ''}`;
    const error = (message: string, path: readonly (string | number)[]) =>
      findings.push({ rule: SUITE_VARIABLES_RULE, severity: 'error', message, line: source.line(path) });
    for (const [key, value] of Object.entries(test.vars)) {
      const spec = Object.hasOwn(prompt.variables, key) ? prompt.variables[key] : undefined;
      if (!spec) {
        error(
          `${name} sets variable "${key}", which prompt "${prompt.id}" does not declare (it declares ${declared.length ? declared.map((d) => `"${d}"`).join(', ') : 'none'})`,
          ['tests', index, 'vars', key],
        );
      } else if (!valueFitsType(spec.type, value)) {
        error(`${name} sets variable "${key}" to ${JSON.stringify(value)}, but it is a ${spec.type}`, [
          'tests',
          index,
          'vars',
          key,
        ]);
      }
    }
    for (const [key, spec] of Object.entries(prompt.variables)) {
      if (spec.required && spec.default === undefined && !Object.hasOwn(test.vars, key))
        error(`${name} does not set required variable "${key}" of prompt "${prompt.id}"`, [
          'tests',
          index,
          'vars',
        ]);
    }
  });
  return findings;
}

export interface SuiteLintResult {
  readonly findings: readonly LintFinding[];
  readonly ok: boolean;
  /** The parsed suite, when it parsed. */
  readonly suite?: EvalSuite;
}

/**
 * Lints a suite's text against its prompt. Returns data and never throws for a bad suite: parse
 * problems become `eval-suite-syntax` findings with their lines.
 */
export function lintEvalSuite(
  text: string,
  prompt: PromptDocument,
  options: ParseEvalSuiteOptions = {},
): SuiteLintResult {
  let parsed: ParsedEvalSuite;
  try {
    parsed = parseEvalSuiteWithSource(text, options);
  } catch (error) {
    if (!(error instanceof EvalSuiteParseError || error instanceof DocumentParseError)) throw error;
    const findings = error.issues.map(
      (issue): LintFinding => ({
        rule: SUITE_SYNTAX_RULE,
        severity: 'error',
        message: issue.message,
        line: issue.line,
      }),
    );
    return { findings, ok: false };
  }
  const findings = checkSuiteVariables(parsed, prompt).sort((a, b) => (a.line ?? 0) - (b.line ?? 0));
  return { findings, ok: findings.length === 0, suite: parsed.suite };
}
