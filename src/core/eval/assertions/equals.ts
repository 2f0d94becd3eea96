import { excerpt, textAssertion, textOutcome } from './text-outcome.ts';

export const equals = textAssertion({
  type: 'equals',
  description: 'The output is exactly the value.',
  input: 'output',
  check(output, spec, subject) {
    const expected = spec.value ?? '';
    return output === expected
      ? textOutcome(true, `${subject} equals ${excerpt(expected)}`)
      : textOutcome(false, `${subject} ${excerpt(output)} does not equal ${excerpt(expected)}`);
  },
});
