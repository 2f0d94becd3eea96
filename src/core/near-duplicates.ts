/**
 * Near-duplicate prompts (docs/maintenance.md, "Near-duplicates"): two prompts are near-duplicates when
 * the word 3-gram shingles of their texts have a Jaccard similarity at or above a threshold. Across a
 * library, MinHash signatures with LSH banding find the candidate pairs without comparing every pair;
 * each candidate is then confirmed on its exact shingle sets, so an answer never rests on the estimate
 * alone. The project depends on no MinHash package, and the algorithm over our section model is
 * about a hundred lines with no dependency, small in the query Lambda's bundle.
 */
import type { PromptDocument } from './document.ts';
import { ValidationError } from './errors.ts';

/** Words per shingle: three catches reworded sentences without matching every shared phrase. */
const SHINGLE_WORDS = 3;
/**
 * MinHash functions = BANDS x ROWS. 40 bands of 4 rows make a pair at 0.7 a candidate with probability
 * 1 - (1 - 0.7^4)^40 > 0.99998, and one at 0.3 only with 0.28, which keeps exact checks few.
 */
const BANDS = 40;
const ROWS = 4;

export const DEFAULT_DUPLICATE_THRESHOLD = 0.8;
/** The lowest threshold the banding is trusted with: a pair at 0.7 is missed with probability < 2e-5. */
export const MIN_INDEXED_THRESHOLD = 0.7;

/** A prompt to compare: its id, the version compared and its parsed document. */
export interface ComparedPrompt {
  readonly id: string;
  readonly version?: string;
  readonly document: PromptDocument;
}

export interface SectionSimilarityScore {
  readonly section: string;
  readonly similarity: number;
}

/** Two prompts whose texts are near-identical. */
export interface NearDuplicatePair {
  readonly a: { readonly id: string; readonly version?: string };
  readonly b: { readonly id: string; readonly version?: string };
  /** Jaccard similarity of the whole texts' shingles, 0..1 (rounded to 3 places). */
  readonly similarity: number;
  /** Each section both prompts have, most alike first. */
  readonly sections: readonly SectionSimilarityScore[];
}

/** The words of a text, lowercased, with variables kept as their names: rewording is what counts. */
function words(text: string): string[] {
  return text.toLowerCase().match(/[\p{L}\p{N}_]+/gu) ?? [];
}

/** Word 3-grams of a text; a text shorter than that is one shingle of all its words. */
export function shingles(text: string): Set<string> {
  const list = words(text);
  const result = new Set<string>();
  if (list.length === 0) return result;
  if (list.length < SHINGLE_WORDS) {
    result.add(list.join(' '));
    return result;
  }
  for (let i = 0; i + SHINGLE_WORDS <= list.length; i++)
    result.add(list.slice(i, i + SHINGLE_WORDS).join(' '));
  return result;
}

export function jaccard(a: ReadonlySet<string>, b: ReadonlySet<string>): number {
  if (a.size === 0 && b.size === 0) return 0;
  const [small, large] = a.size <= b.size ? [a, b] : [b, a];
  let shared = 0;
  for (const item of small) if (large.has(item)) shared++;
  return shared / (a.size + b.size - shared);
}

/** What the comparison reads of a prompt: the description and every section, each in its own shingles. */
interface Profile {
  readonly prompt: ComparedPrompt;
  readonly all: Set<string>;
  readonly sections: ReadonlyMap<string, Set<string>>;
}

function profileOf(prompt: ComparedPrompt): Profile {
  const sections = new Map<string, Set<string>>();
  const all = new Set<string>();
  for (const section of prompt.document.sections) {
    // Chat prompts may repeat a role: its turns are one text for comparison.
    const set = sections.get(section.name) ?? new Set<string>();
    for (const shingle of shingles(section.content)) {
      set.add(shingle);
      all.add(`${section.name}:${shingle}`);
    }
    sections.set(section.name, set);
  }
  return { prompt, all, sections };
}

const round = (n: number) => Math.round(n * 1000) / 1000;

function compare(a: Profile, b: Profile): NearDuplicatePair {
  const sections: SectionSimilarityScore[] = [];
  for (const [name, set] of a.sections) {
    const other = b.sections.get(name);
    if (other) sections.push({ section: name, similarity: round(jaccard(set, other)) });
  }
  sections.sort((x, y) => y.similarity - x.similarity || x.section.localeCompare(y.section));
  const ref = (p: ComparedPrompt) => ({
    id: p.id,
    ...(p.version !== undefined ? { version: p.version } : {}),
  });
  return { a: ref(a.prompt), b: ref(b.prompt), similarity: round(jaccard(a.all, b.all)), sections };
}

/** 32-bit FNV-1a of a string. */
function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/** murmur3's finalizer over a seeded value: one independent-enough hash function per seed. */
function mix(value: number, seed: number): number {
  let h = (value ^ Math.imul(seed, 0x9e3779b1)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** MinHash signature: for each of BANDS x ROWS hash functions, the least hash over the shingles. */
export function minHashSignature(set: ReadonlySet<string>): Uint32Array {
  const signature = new Uint32Array(BANDS * ROWS).fill(0xffffffff);
  for (const shingle of set) {
    const base = fnv1a(shingle);
    for (let i = 0; i < signature.length; i++) {
      const h = mix(base, i + 1);
      if (h < (signature[i] as number)) signature[i] = h;
    }
  }
  return signature;
}

/**
 * Every pair of prompts at or above `threshold` (0.7 to 1), most alike first. Prompts with the same
 * id are not compared (two versions of one prompt are expected to be alike). Below 0.7 the banding
 * would miss pairs too often, so such a threshold is refused (`similarPrompts` compares exactly).
 */
export function findNearDuplicates(
  prompts: readonly ComparedPrompt[],
  threshold = DEFAULT_DUPLICATE_THRESHOLD,
): NearDuplicatePair[] {
  if (!(threshold >= MIN_INDEXED_THRESHOLD && threshold <= 1))
    throw new ValidationError(
      `The duplicate threshold must be from ${MIN_INDEXED_THRESHOLD} to 1 (got ${threshold})`,
      [{ path: 'threshold', message: `must be from ${MIN_INDEXED_THRESHOLD} to 1 (got ${threshold})` }],
    );
  const profiles = prompts.map(profileOf).filter((p) => p.all.size > 0);
  const buckets = new Map<string, number[]>();
  profiles.forEach((profile, index) => {
    const signature = minHashSignature(profile.all);
    for (let band = 0; band < BANDS; band++) {
      const key = `${band}:${Array.from(signature.subarray(band * ROWS, (band + 1) * ROWS)).join(',')}`;
      const bucket = buckets.get(key);
      if (bucket) bucket.push(index);
      else buckets.set(key, [index]);
    }
  });
  const candidates = new Set<string>();
  for (const bucket of buckets.values()) {
    for (let i = 0; i < bucket.length; i++)
      for (let j = i + 1; j < bucket.length; j++) candidates.add(`${bucket[i]},${bucket[j]}`);
  }
  const pairs: NearDuplicatePair[] = [];
  for (const candidate of candidates) {
    const [i, j] = candidate.split(',').map(Number) as [number, number];
    const a = profiles[i] as Profile;
    const b = profiles[j] as Profile;
    if (a.prompt.id === b.prompt.id) continue;
    // Confirmed on the exact sets: the signature only proposes.
    if (jaccard(a.all, b.all) < threshold) continue;
    const [first, second] = a.prompt.id < b.prompt.id ? [a, b] : [b, a];
    pairs.push(compare(first, second));
  }
  return pairs.sort((x, y) => y.similarity - x.similarity || x.a.id.localeCompare(y.a.id));
}

/**
 * The prompts at or above `threshold` against one target, most alike first: every other prompt is
 * compared exactly (one target needs no index).
 */
export function similarPrompts(
  target: ComparedPrompt,
  others: readonly ComparedPrompt[],
  threshold = DEFAULT_DUPLICATE_THRESHOLD,
): NearDuplicatePair[] {
  const base = profileOf(target);
  return others
    .filter((other) => other.id !== target.id)
    .map((other) => compare(base, profileOf(other)))
    .filter((pair) => pair.similarity >= threshold)
    .sort((x, y) => y.similarity - x.similarity || x.b.id.localeCompare(y.b.id));
}
