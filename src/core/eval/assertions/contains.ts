import { includesValue, textAssertion } from './text-outcome.ts';

export const contains = textAssertion({
  type: 'contains',
  description: 'The output contains the value (case-sensitive).',
  input: 'output',
  check: includesValue,
});
