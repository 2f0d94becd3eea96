import { displayValue } from '../../errors.ts';
import type { AssertionSpec } from '../suite.ts';
import type { AssertionDefinition, AssertionOutcome } from './types.ts';

/** A pass/fail outcome of a text check, scored 1 or 0. */
export function textOutcome(passed: boolean, reason: string): AssertionOutcome {
  return { passed, score: passed ? 1 : 0, reason };
}

/** The start of a text for a reason, quoted and capped. */
export function excerpt(text: string): string {
  return displayValue(text, 60);
}

/**
 * Checks `text` (named `subject` in reasons: "output", "rendered prompt") against the spec; the
 * reason states the fact either way, so it reads right for the `not-` form too.
 */
export type TextCheck = (text: string, spec: AssertionSpec, subject: string) => AssertionOutcome;

export interface TextAssertionOptions {
  readonly type: string;
  readonly description: string;
  /** The model's output, or the rendered prompt (no model call needed). */
  readonly input: 'output' | 'rendered';
  /** @default 'text' */
  readonly value?: 'text' | 'regex';
  readonly check: TextCheck;
}

/** A text assertion: one check on the output or the rendered prompt, with a `not-` form. */
export function textAssertion(options: TextAssertionOptions): AssertionDefinition {
  const subject = options.input === 'output' ? 'output' : 'rendered prompt';
  return {
    type: options.type,
    description: options.description,
    input: options.input,
    negatable: true,
    value: options.value ?? 'text',
    threshold: 'none',
    evaluate: (spec, context) => options.check(context[options.input], spec, subject),
  };
}

/** `contains` and `rendered-contains`: the text includes the value. */
export const includesValue: TextCheck = (text, spec, subject) => {
  const needle = spec.value ?? '';
  return text.includes(needle)
    ? textOutcome(true, `${subject} contains ${excerpt(needle)}`)
    : textOutcome(false, `${subject} does not contain ${excerpt(needle)}`);
};
