import { excerpt, textOutcome } from './text-outcome.ts';
import type { AssertionDefinition } from './types.ts';

export const startsWith: AssertionDefinition = {
  type: 'starts-with',
  description: 'The output starts with the value.',
  input: 'output',
  negatable: true,
  value: 'text',
  threshold: 'none',
  evaluate(spec, { output }) {
    const prefix = spec.value ?? '';
    return output.startsWith(prefix)
      ? textOutcome(true, `output starts with ${excerpt(prefix)}`)
      : textOutcome(false, `output starts with ${excerpt(output)}, not ${excerpt(prefix)}`);
  },
};
