/**
 * A/B variants: a pin may split traffic between versions by weight. The choice for a key is a stable
 * hash into 0..99, so the same user sees the same version in every process and every language that
 * implements the same hash (FNV-1a over UTF-16 code units, then the murmur3 finalizer).
 */
import { ValidationError } from './error-base.ts';

export interface WeightedVersion {
  readonly version: string;
  readonly weight: number;
}

/** Stable bucket 0..99 for a key. `salt` (the prompt id) keeps splits of different prompts independent. */
export function variantBucket(key: string, salt = ''): number {
  let h = 0x811c9dc5;
  const input = salt === '' ? key : `${salt}\u0000${key}`;
  for (let i = 0; i < input.length; i++) {
    h ^= input.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return (h >>> 0) % 100;
}

/** The variant whose cumulative weight range holds `bucket` (0..99). */
export function variantAt<T extends { readonly weight: number }>(variants: readonly T[], bucket: number): T {
  let upper = 0;
  for (const variant of variants) {
    upper += variant.weight;
    if (bucket < upper) return variant;
  }
  const last = variants.at(-1);
  if (!last) throw new ValidationError('no variants to choose from');
  return last;
}

/** Picks the variant for `key`: the same key always gets the same variant. */
export function chooseVariant<T extends { readonly weight: number }>(
  variants: readonly T[],
  key: string,
  salt = '',
): T {
  return variantAt(variants, variantBucket(key, salt));
}
