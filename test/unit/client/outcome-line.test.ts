/**
 * The client's EMF line (metrics.ts) against core `emfDocumentOf` with OUTCOME_METRICS, the form the
 * API's POST /metrics and the shadow runner use: the same text for every prompt and outcome.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { outcomeLine } from '../../../src/client/metrics.ts';
import type { Prompt } from '../../../src/client/prompt.ts';
import {
  emfDocumentOf,
  OUTCOME_METRICS,
  type Outcome,
  outcomeMetrics,
} from '../../../src/core/outcome-metrics.ts';

/** What outcomeLine wrote before it built the line itself: the core document, stringified. */
function coreLine(prompt: Prompt, outcome: Outcome, timestamp: number): string {
  const doc = emfDocumentOf(
    OUTCOME_METRICS,
    {
      environment: prompt.environment,
      promptId: prompt.id,
      promptVersion: prompt.version,
      segment: prompt.segment,
      role: prompt.role === 'shadow' ? 'shadow' : undefined,
    },
    {
      ...outcomeMetrics(outcome),
      staleServes: prompt.stale ? 1 : 0,
      ...(prompt.deprecated ? { deprecatedServes: 1 } : {}),
    },
    timestamp,
  );
  return `${JSON.stringify(doc)}\n`;
}

const figure = fc.option(
  fc.oneof(fc.double(), fc.integer(), fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, -0)),
  { nil: undefined },
);

describe('outcomeLine', () => {
  it('writes the same text as core emfDocumentOf for any prompt and outcome (property)', () => {
    fc.assert(
      fc.property(
        fc.record({
          id: fc.string({ minLength: 1 }),
          version: fc.string({ minLength: 1 }),
          environment: fc.string({ minLength: 1 }),
          stale: fc.boolean(),
          deprecated: fc.boolean(),
          segment: fc.option(fc.string({ minLength: 1 }), { nil: undefined }),
          role: fc.constantFrom('primary' as const, 'shadow' as const),
        }),
        fc.record(
          {
            latencyMs: figure,
            inputTokens: figure,
            outputTokens: figure,
            costUsd: figure,
            score: figure,
            error: fc.boolean(),
          },
          { requiredKeys: [] },
        ),
        fc.integer({ min: 0, max: 2 ** 42 }),
        (fields, outcome, timestamp) => {
          const prompt = fields as unknown as Prompt;
          expect(outcomeLine(prompt, outcome, timestamp)).toBe(coreLine(prompt, outcome, timestamp));
        },
      ),
      { numRuns: 500 },
    );
  });

  it('throws as the core form does for an outcome that is not an object', () => {
    const prompt = { id: 'a', version: '1.0.0', environment: 'prod', role: 'primary' } as Prompt;
    expect(() => outcomeLine(prompt, null as unknown as Outcome, 0)).toThrow(TypeError);
    expect(() => coreLine(prompt, null as unknown as Outcome, 0)).toThrow(TypeError);
  });
});
