import { matchesPattern } from './regex.ts';
import { textAssertion } from './text-outcome.ts';

export const renderedRegex = textAssertion({
  type: 'rendered-regex',
  description: 'The rendered prompt matches the regular expression; no model call is needed.',
  input: 'rendered',
  value: 'regex',
  check: matchesPattern,
});
