import { excerpt, textOutcome } from './text-outcome.ts';
import type { AssertionDefinition } from './types.ts';

export const renderedContains: AssertionDefinition = {
  type: 'rendered-contains',
  description: 'The rendered prompt contains the value; no model call is needed.',
  input: 'rendered',
  negatable: true,
  value: 'text',
  threshold: 'none',
  evaluate(spec, { rendered }) {
    const needle = spec.value ?? '';
    return rendered.includes(needle)
      ? textOutcome(true, `rendered prompt contains ${excerpt(needle)}`)
      : textOutcome(false, `rendered prompt does not contain ${excerpt(needle)}`);
  },
};
