/**
 * The summary GET /prompts/{id}/shadow gives of a window's captured output pairs (docs/shadows.md):
 * count, the newest pairs, mean lengths, and how alike the outputs are (token-set Jaccard).
 */
import type { ShadowOutputsSummary } from './api.ts';
import { jaccard } from './near-duplicates.ts';
import { SHADOW_OUTPUT_SAMPLE_SIZE, type ShadowOutputPair } from './shadow-outputs.ts';

/** The words of an output, lowercased: runs of letters, digits and `_`. */
export function outputWords(text: string): Set<string> {
  return new Set(text.toLowerCase().match(/[\p{L}\p{N}_]+/gu) ?? []);
}

/**
 * How alike two outputs are, 0..1: the Jaccard similarity of their word sets (token-set Jaccard:
 * shared distinct words over all distinct words, case-insensitive, order and repetition ignored).
 * Two outputs without any word are alike (1).
 */
export function outputSimilarity(a: string, b: string): number {
  const wordsA = outputWords(a);
  const wordsB = outputWords(b);
  if (wordsA.size === 0 && wordsB.size === 0) return 1;
  return jaccard(wordsA, wordsB);
}

/** The nearest-rank percentile of sorted values: the smallest with at least `p` of them at or below it. */
export function nearestRank(sorted: readonly number[], p: number): number {
  const rank = Math.max(1, Math.ceil(p * sorted.length));
  return sorted[Math.min(rank, sorted.length) - 1] as number;
}

const round = (n: number) => Math.round(n * 1000) / 1000;

/**
 * The summary of a window's pairs: their count, the newest SHADOW_OUTPUT_SAMPLE_SIZE of them, the
 * mean output lengths (characters, as stored) and the shadow's over the primary's, and the
 * similarity's mean and 10th and 50th percentiles. Undefined without pairs.
 */
export function summarizeShadowOutputs(
  pairs: readonly ShadowOutputPair[],
  sampleSize = SHADOW_OUTPUT_SAMPLE_SIZE,
): ShadowOutputsSummary | undefined {
  if (pairs.length === 0) return undefined;
  const newest = [...pairs].sort((a, b) => b.settledAt.localeCompare(a.settledAt));
  let primaryLength = 0;
  let shadowLength = 0;
  const similarities: number[] = [];
  for (const pair of pairs) {
    primaryLength += pair.primaryOutput.length;
    shadowLength += pair.shadowOutput.length;
    similarities.push(outputSimilarity(pair.primaryOutput, pair.shadowOutput));
  }
  similarities.sort((a, b) => a - b);
  const primaryMean = primaryLength / pairs.length;
  const shadowMean = shadowLength / pairs.length;
  return {
    count: pairs.length,
    sample: newest.slice(0, sampleSize).map((pair) => ({
      primary: pair.primaryOutput,
      shadow: pair.shadowOutput,
      at: pair.settledAt,
    })),
    length: {
      primaryMean: round(primaryMean),
      shadowMean: round(shadowMean),
      meanRatio: primaryMean === 0 ? null : round(shadowMean / primaryMean),
    },
    similarity: {
      mean: round(similarities.reduce((sum, s) => sum + s, 0) / similarities.length),
      p10: round(nearestRank(similarities, 0.1)),
      p50: round(nearestRank(similarities, 0.5)),
    },
  };
}
