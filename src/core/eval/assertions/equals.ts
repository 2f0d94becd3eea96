import { excerpt, textOutcome } from './text-outcome.ts';
import type { AssertionDefinition } from './types.ts';

export const equals: AssertionDefinition = {
  type: 'equals',
  description: 'The output is exactly the value.',
  input: 'output',
  negatable: true,
  value: 'text',
  threshold: 'none',
  evaluate(spec, { output }) {
    const expected = spec.value ?? '';
    return output === expected
      ? textOutcome(true, `output equals ${excerpt(expected)}`)
      : textOutcome(false, `output ${excerpt(output)} does not equal ${excerpt(expected)}`);
  },
};
