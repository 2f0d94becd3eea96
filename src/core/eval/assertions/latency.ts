import type { AssertionDefinition } from './types.ts';

export const latency: AssertionDefinition = {
  type: 'latency',
  description: 'The model call took at most `threshold` milliseconds.',
  input: 'output',
  negatable: false,
  value: 'none',
  threshold: 'milliseconds',
  evaluate(spec, { latencyMs }) {
    const limit = spec.threshold ?? 0;
    if (latencyMs === undefined)
      return { passed: false, reason: 'latency unknown: the model was not called' };
    return latencyMs <= limit
      ? { passed: true, reason: `latency ${latencyMs} ms is within ${limit} ms` }
      : { passed: false, reason: `latency ${latencyMs} ms is over the ${limit} ms threshold` };
  },
};
