import { includesValue, textAssertion } from './text-outcome.ts';

export const renderedContains = textAssertion({
  type: 'rendered-contains',
  description: 'The rendered prompt contains the value; no model call is needed.',
  input: 'rendered',
  check: includesValue,
});
