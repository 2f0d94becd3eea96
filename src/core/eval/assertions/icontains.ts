import { excerpt, textAssertion, textOutcome } from './text-outcome.ts';

export const icontains = textAssertion({
  type: 'icontains',
  description: 'The output contains the value, ignoring case.',
  input: 'output',
  check(output, spec, subject) {
    const needle = spec.value ?? '';
    return output.toLowerCase().includes(needle.toLowerCase())
      ? textOutcome(true, `${subject} contains ${excerpt(needle)} (ignoring case)`)
      : textOutcome(false, `${subject} does not contain ${excerpt(needle)} (ignoring case)`);
  },
});
