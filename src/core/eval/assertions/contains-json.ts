import { findJsonValue } from '../json-in-text.ts';
import { textOutcome } from './text-outcome.ts';
import type { AssertionDefinition } from './types.ts';

export const containsJson: AssertionDefinition = {
  type: 'contains-json',
  description: 'The output contains a JSON object or array somewhere (for example in a code fence).',
  input: 'output',
  negatable: true,
  value: 'none',
  threshold: 'none',
  evaluate(_spec, { output }) {
    const found = findJsonValue(output);
    return found
      ? textOutcome(true, `output contains JSON at character ${found.start}`)
      : textOutcome(false, 'output contains no JSON object or array');
  },
};
