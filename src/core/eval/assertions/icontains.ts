import { excerpt, textOutcome } from './text-outcome.ts';
import type { AssertionDefinition } from './types.ts';

export const icontains: AssertionDefinition = {
  type: 'icontains',
  description: 'The output contains the value, ignoring case.',
  input: 'output',
  negatable: true,
  value: 'text',
  threshold: 'none',
  evaluate(spec, { output }) {
    const needle = spec.value ?? '';
    return output.toLowerCase().includes(needle.toLowerCase())
      ? textOutcome(true, `output contains ${excerpt(needle)} (ignoring case)`)
      : textOutcome(false, `output does not contain ${excerpt(needle)} (ignoring case)`);
  },
};
