/** Captured shadow outputs (docs/shadows.md): the key layout, the similarity measure and the report's summary. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  nearestRank,
  outputSimilarity,
  summarizeShadowOutputs,
} from '../../../src/core/shadow-output-summary.ts';
import {
  parseShadowOutputPair,
  type ShadowOutputPair,
  shadowOutputKey,
  windowDays,
} from '../../../src/core/shadow-outputs.ts';

const pair = (primaryOutput: string, shadowOutput: string, settledAt: string): ShadowOutputPair => ({
  environment: 'prod',
  promptId: 'support-reply',
  primaryVersion: '1.0.0',
  shadowVersion: '1.1.0',
  primaryOutput,
  shadowOutput,
  startedAt: settledAt,
  settledAt,
  latencyMs: 0,
});

describe('Function: shadowOutputKey', () => {
  it('is shadow-outputs/<env>/<promptId>/<yyyy-mm-dd>/<id>.json, the UTC day', () => {
    expect(shadowOutputKey('prod', 'support-reply', new Date('2026-12-01T23:59:59.999Z'), 'abc')).toBe(
      'shadow-outputs/prod/support-reply/2026-12-01/abc.json',
    );
  });
});

describe('Function: windowDays', () => {
  it('lists every UTC day a window touches, oldest first', () => {
    expect(windowDays(new Date('2026-11-30T22:00:00Z'), new Date('2026-12-02T01:00:00Z'))).toEqual([
      '2026-11-30',
      '2026-12-01',
      '2026-12-02',
    ]);
    expect(windowDays(new Date('2026-12-01T01:00:00Z'), new Date('2026-12-01T02:00:00Z'))).toEqual([
      '2026-12-01',
    ]);
  });
});

describe('Function: outputSimilarity (token-set Jaccard)', () => {
  it('is shared distinct words over all distinct words, ignoring case, order, repetition and punctuation', () => {
    expect(outputSimilarity('Hello Ana!', 'ana, hello hello')).toBe(1);
    expect(outputSimilarity('refund sent', 'ticket closed')).toBe(0);
    // {the, refund, was, sent} and {the, refund, is, on, its, way}: 2 shared of 8.
    expect(outputSimilarity('The refund was sent.', 'The refund is on its way')).toBe(0.25);
    expect(outputSimilarity('', '...')).toBe(1);
    expect(outputSimilarity('', 'text')).toBe(0);
  });

  it('is symmetric, within [0, 1], and 1 for a text against itself (property)', () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), (a, b) => {
        const s = outputSimilarity(a, b);
        expect(s).toBeGreaterThanOrEqual(0);
        expect(s).toBeLessThanOrEqual(1);
        expect(outputSimilarity(b, a)).toBe(s);
        expect(outputSimilarity(a, a)).toBe(1);
      }),
    );
  });
});

describe('Function: nearestRank', () => {
  it('is the smallest value with at least p of the values at or below it', () => {
    const sorted = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
    expect(nearestRank(sorted, 0.1)).toBe(1);
    expect(nearestRank(sorted, 0.5)).toBe(5);
    expect(nearestRank(sorted, 0.11)).toBe(2);
    expect(nearestRank([7], 0.1)).toBe(7);
  });
});

describe('Function: summarizeShadowOutputs', () => {
  it('is undefined without pairs', () => {
    expect(summarizeShadowOutputs([])).toBeUndefined();
  });

  it('counts the pairs, samples the newest 10, and summarizes lengths and similarity', () => {
    const pairs = Array.from({ length: 12 }, (_, i) =>
      pair('abcd', i < 6 ? 'abcd' : 'efgh ijkl', `2026-12-01T10:${String(i).padStart(2, '0')}:00.000Z`),
    );
    const summary = summarizeShadowOutputs(pairs);
    expect(summary?.count).toBe(12);
    expect(summary?.sample).toHaveLength(10);
    expect(summary?.sample[0]).toEqual({
      primary: 'abcd',
      shadow: 'efgh ijkl',
      at: '2026-12-01T10:11:00.000Z',
    });
    expect(summary?.sample.map((s) => s.at)).toEqual(
      [...pairs]
        .reverse()
        .slice(0, 10)
        .map((p) => p.settledAt),
    );
    // Lengths: primary 4 each; shadow 4 for six, 9 for six -> 6.5.
    expect(summary?.length).toEqual({ primaryMean: 4, shadowMean: 6.5, meanRatio: 1.625 });
    // Similarities: six 1s and six 0s.
    expect(summary?.similarity).toEqual({ mean: 0.5, p10: 0, p50: 0 });
  });

  it('has a null length ratio when the primary outputs are empty', () => {
    expect(summarizeShadowOutputs([pair('', 'x', '2026-12-01T00:00:00.000Z')])?.length).toEqual({
      primaryMean: 0,
      shadowMean: 1,
      meanRatio: null,
    });
  });
});

describe('Function: parseShadowOutputPair', () => {
  it('reads a stored pair back and refuses anything else', () => {
    const stored = pair('a', 'b', '2026-12-01T00:00:00.000Z');
    expect(parseShadowOutputPair(JSON.stringify(stored))).toEqual(stored);
    expect(parseShadowOutputPair('not json')).toBeUndefined();
    expect(parseShadowOutputPair('null')).toBeUndefined();
    expect(parseShadowOutputPair(JSON.stringify({ ...stored, shadowOutput: 3 }))).toBeUndefined();
    expect(parseShadowOutputPair(JSON.stringify({ ...stored, settledAt: 'soon' }))).toBeUndefined();
    expect(parseShadowOutputPair(JSON.stringify({ ...stored, latencyMs: 'fast' }))).toBeUndefined();
  });
});
