import type { AssertionSpec } from '../suite.ts';
import { excerpt, type TextCheck, textAssertion, textOutcome } from './text-outcome.ts';

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

/** `regex` and `rendered-regex`: the text matches the pattern. */
export const matchesPattern: TextCheck = (text, spec, subject) => {
  const match = patternOf(spec).exec(text);
  return match
    ? textOutcome(true, `${subject} matches /${spec.value}/ at ${excerpt(match[0])}`)
    : textOutcome(false, `${subject} does not match /${spec.value}/`);
};

export const regex = textAssertion({
  type: 'regex',
  description: 'The output matches the regular expression (JavaScript syntax, no flags).',
  input: 'output',
  value: 'regex',
  check: matchesPattern,
});
