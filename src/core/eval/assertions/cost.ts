import type { AssertionDefinition } from './types.ts';

export const cost: AssertionDefinition = {
  type: 'cost',
  description: 'The model call cost at most `threshold` US dollars; an unknown cost fails.',
  input: 'output',
  negatable: false,
  value: 'none',
  threshold: 'usd',
  evaluate(spec, { costUsd, costUnknownReason }) {
    const limit = spec.threshold ?? 0;
    // Never passes on a guess: a model missing from the price table fails and says so.
    if (costUsd === undefined)
      return { passed: false, reason: `cost unknown: ${costUnknownReason ?? 'no price for this model'}` };
    return costUsd <= limit
      ? { passed: true, reason: `cost $${formatUsd(costUsd)} is within $${formatUsd(limit)}` }
      : { passed: false, reason: `cost $${formatUsd(costUsd)} is over the $${formatUsd(limit)} threshold` };
  },
};

function formatUsd(value: number): string {
  return Number(value.toPrecision(4)).toString();
}
