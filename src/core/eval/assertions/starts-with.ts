import { excerpt, textAssertion, textOutcome } from './text-outcome.ts';

export const startsWith = textAssertion({
  type: 'starts-with',
  description: 'The output starts with the value.',
  input: 'output',
  check(output, spec, subject) {
    const prefix = spec.value ?? '';
    return output.startsWith(prefix)
      ? textOutcome(true, `${subject} starts with ${excerpt(prefix)}`)
      : textOutcome(false, `${subject} starts with ${excerpt(output)}, not ${excerpt(prefix)}`);
  },
});
