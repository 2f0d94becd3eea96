import { excerpt, textOutcome } from './text-outcome.ts';
import type { AssertionDefinition } from './types.ts';

export const contains: AssertionDefinition = {
  type: 'contains',
  description: 'The output contains the value (case-sensitive).',
  input: 'output',
  negatable: true,
  value: 'text',
  threshold: 'none',
  evaluate(spec, { output }) {
    const needle = spec.value ?? '';
    return output.includes(needle)
      ? textOutcome(true, `output contains ${excerpt(needle)}`)
      : textOutcome(false, `output does not contain ${excerpt(needle)}`);
  },
};
