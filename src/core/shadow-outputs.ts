/**
 * Captured shadow outputs (docs/shadows.md): where a pair of outputs is stored, what it holds, and
 * the summary GET /prompts/{id}/shadow gives of a window's pairs. The client writes the pairs, the
 * query handler reads them; both use these names, so the layout is defined once.
 */
import type { ShadowOutputsSummary } from './api.ts';
import { jaccard } from './near-duplicates.ts';

/** Every pair is under this prefix of the bodies bucket; the lifecycle rule and the grants name it. */
export const SHADOW_OUTPUT_KEY_PREFIX = 'shadow-outputs/';

/** Each output is cut to this many UTF-16 code units (16 Ki) before it is stored. */
export const MAX_CAPTURED_OUTPUT_CHARS = 16_384;

/** The pairs a report reads at most (newest days first), and the pairs its sample shows. */
export const MAX_SHADOW_PAIRS_READ = 500;
export const SHADOW_OUTPUT_SAMPLE_SIZE = 10;

/** One captured pair, as stored (one JSON object per S3 object). */
export interface ShadowOutputPair {
  readonly environment: string;
  readonly promptId: string;
  readonly primaryVersion: string;
  readonly shadowVersion: string;
  /** The primary's output, as the caller gave it (cut to MAX_CAPTURED_OUTPUT_CHARS). */
  readonly primaryOutput: string;
  /** The candidate's output, as the shadow call returned it (cut likewise). */
  readonly shadowOutput: string;
  /** Present (true) when either output was cut. */
  readonly truncated?: true;
  /** When the candidate call started and settled (ISO 8601). */
  readonly startedAt: string;
  readonly settledAt: string;
  /** The candidate call's latency, as its metrics line records it. */
  readonly latencyMs: number;
}

/** `yyyy-mm-dd` (UTC) of a time. */
export function dayOf(at: Date): string {
  return at.toISOString().slice(0, 10);
}

/** The key prefix of one day's pairs of a prompt in an environment. */
export function shadowOutputDayPrefix(environment: string, promptId: string, day: string): string {
  return `${SHADOW_OUTPUT_KEY_PREFIX}${environment}/${promptId}/${day}/`;
}

/** `shadow-outputs/<env>/<promptId>/<yyyy-mm-dd>/<id>.json`, the day the candidate settled. */
export function shadowOutputKey(environment: string, promptId: string, settledAt: Date, id: string): string {
  return `${shadowOutputDayPrefix(environment, promptId, dayOf(settledAt))}${id}.json`;
}

/** The days (UTC, oldest first) a window touches: the day prefixes a report lists. */
export function windowDays(start: Date, end: Date): string[] {
  const days: string[] = [];
  const last = dayOf(end);
  for (let at = new Date(`${dayOf(start)}T00:00:00.000Z`); ; at = new Date(at.getTime() + 86_400_000)) {
    const day = dayOf(at);
    days.push(day);
    if (day >= last) return days;
  }
}

const isString = (value: unknown): value is string => typeof value === 'string';

/** A stored object read back as a pair; undefined for anything else (a foreign or damaged object is skipped). */
export function parseShadowOutputPair(text: string): ShadowOutputPair | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const pair = value as Record<string, unknown>;
  const fields = [
    'environment',
    'promptId',
    'primaryVersion',
    'shadowVersion',
    'primaryOutput',
    'shadowOutput',
    'startedAt',
    'settledAt',
  ];
  if (!fields.every((field) => isString(pair[field]))) return undefined;
  if (Number.isNaN(Date.parse(pair.settledAt as string))) return undefined;
  if (typeof pair.latencyMs !== 'number' || !Number.isFinite(pair.latencyMs)) return undefined;
  return pair as unknown as ShadowOutputPair;
}

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
