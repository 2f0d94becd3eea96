import type { AssertionSpec } from '../suite.ts';
import { excerpt, textOutcome } from './text-outcome.ts';
import type { AssertionDefinition } from './types.ts';

/** Compiled patterns by assertion, so a suite's regex compiles once per run, not once per test. */
const compiled = new WeakMap<AssertionSpec, RegExp>();

/** The spec's pattern, compiled. The parser has already checked that it compiles. */
export function patternOf(spec: AssertionSpec): RegExp {
  let pattern = compiled.get(spec);
  if (!pattern) {
    pattern = new RegExp(spec.value ?? '');
    compiled.set(spec, pattern);
  }
  return pattern;
}

/** Why a regex source does not compile, or undefined when it does. */
export function regexProblem(source: string): string | undefined {
  try {
    new RegExp(source);
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}

export const regex: AssertionDefinition = {
  type: 'regex',
  description: 'The output matches the regular expression (JavaScript syntax, no flags).',
  input: 'output',
  negatable: true,
  value: 'regex',
  threshold: 'none',
  evaluate(spec, { output }) {
    const match = patternOf(spec).exec(output);
    return match
      ? textOutcome(true, `output matches /${spec.value}/ at ${excerpt(match[0])}`)
      : textOutcome(false, `output does not match /${spec.value}/`);
  },
};
