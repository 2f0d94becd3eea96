import { patternOf } from './regex.ts';
import { excerpt, textOutcome } from './text-outcome.ts';
import type { AssertionDefinition } from './types.ts';

export const renderedRegex: AssertionDefinition = {
  type: 'rendered-regex',
  description: 'The rendered prompt matches the regular expression; no model call is needed.',
  input: 'rendered',
  negatable: true,
  value: 'regex',
  threshold: 'none',
  evaluate(spec, { rendered }) {
    const match = patternOf(spec).exec(rendered);
    return match
      ? textOutcome(true, `rendered prompt matches /${spec.value}/ at ${excerpt(match[0])}`)
      : textOutcome(false, `rendered prompt does not match /${spec.value}/`);
  },
};
