import type { AssertionDefinition } from './types.ts';

export const NOT_GRADABLE_WITH_ECHO = 'not gradable with the echo provider';

export const llmRubric: AssertionDefinition = {
  type: 'llm-rubric',
  description:
    'A judge model grades the output against the rubric in `value`; with `threshold`, its score must reach it.',
  input: 'output',
  negatable: false,
  value: 'text',
  threshold: 'score',
  async evaluate(spec, { providerType, judge }) {
    // Echo output is the prompt itself: grading it would pass or fail on nothing a model said.
    if (providerType === 'echo' || judge?.providerType === 'echo')
      return { passed: false, reason: NOT_GRADABLE_WITH_ECHO };
    if (!judge) return { passed: false, reason: 'not gradable: the run has no judge model' };
    const verdict = await judge.grade(spec.value ?? '');
    const passed =
      spec.threshold === undefined
        ? verdict.pass
        : verdict.score !== undefined && verdict.score >= spec.threshold;
    const scored = verdict.score === undefined ? '' : ` (score ${verdict.score})`;
    return {
      passed,
      ...(verdict.score !== undefined ? { score: verdict.score } : {}),
      reason: `judge: ${verdict.reason}${scored}`,
    };
  },
};
