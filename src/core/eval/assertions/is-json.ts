import { excerpt, textOutcome } from './text-outcome.ts';
import type { AssertionDefinition } from './types.ts';

export const isJson: AssertionDefinition = {
  type: 'is-json',
  description: 'The whole output (trimmed) is valid JSON.',
  input: 'output',
  negatable: true,
  value: 'none',
  threshold: 'none',
  evaluate(_spec, { output }) {
    try {
      JSON.parse(output.trim());
      return textOutcome(true, 'output is valid JSON');
    } catch (error) {
      return textOutcome(false, `output ${excerpt(output)} is not valid JSON: ${(error as Error).message}`);
    }
  },
};
