/**
 * Captured shadow outputs (docs/shadows.md): where a pair of outputs is stored and what it holds. The
 * client writes the pairs, the query handler reads them; both use these names, so the layout is
 * defined once. Imports nothing: the client loads it with its first pair. The report's summary of
 * the pairs is shadow-output-summary.ts.
 */

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
