import type { AssertionDefinition } from './types.ts';

/**
 * `not-<type>` of a text assertion: the same check with `passed` inverted. Reasons are statements of
 * fact ("output contains ..."), so they read right for both forms.
 */
export function negated(definition: AssertionDefinition): AssertionDefinition {
  return {
    ...definition,
    type: `not-${definition.type}`,
    description: `Negation of ${definition.type}: ${definition.description}`,
    negatable: false,
    async evaluate(spec, context) {
      const outcome = await definition.evaluate(spec, context);
      return {
        passed: !outcome.passed,
        ...(outcome.score !== undefined ? { score: 1 - outcome.score } : {}),
        reason: outcome.reason,
      };
    },
  };
}
