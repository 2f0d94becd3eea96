/**
 * The schema 1 manifest check in full: variants (A/B splits), segments' pins (docs/segments.md) and
 * shadows (docs/shadows.md) beside the one pin manifest-check.ts checks. A yes or no, with no
 * messages, accepting exactly what `manifestProblems` (manifest.ts) finds no problem in (a
 * differential property test holds them together). A module of its own so that the client loads it
 * only for a manifest that uses one of them (or has version references, manifest-check-refs.ts).
 */
import type { Manifest } from './manifest.ts';
import {
  isObject,
  isValidDocumentOf,
  isValidFullVersion,
  MANIFEST_SCHEMA_VERSION,
} from './manifest-check.ts';
import { isSegmentName, MAX_SEGMENTS_PER_PROMPT } from './segments.ts';

/** True when `manifestProblems(value)` is empty and the manifest is schema 1 (no version references). */
export function isValidManifest(value: unknown): value is Manifest {
  return isValidDocumentOf(value, MANIFEST_SCHEMA_VERSION, isValidPromptOf(isValidSchema1Version));
}

/** Schema 1 carries a full version in every position, never a reference. */
const isValidSchema1Version = (entry: Record<string, unknown>) =>
  entry.ref === undefined && isValidFullVersion(entry);

/**
 * The check of a prompt entry whose every version (in its pin, a variant, a segment's pin or its
 * shadow) passes `isValidVersion`.
 */
export function isValidPromptOf(
  isValidVersion: (entry: Record<string, unknown>) => boolean,
): (entry: Record<string, unknown>) => boolean {
  const isValidPin = (entry: Record<string, unknown>) =>
    isValidVersion(entry) &&
    (entry.variants === undefined || areValidVariants(entry.variants, isValidVersion));
  return (entry) =>
    isValidPin(entry) &&
    areValidSegments(entry.segments, isValidPin) &&
    isValidShadow(entry.shadow, isValidVersion);
}

function areValidSegments(
  segments: unknown,
  isValidPin: (entry: Record<string, unknown>) => boolean,
): boolean {
  if (segments === undefined) return true;
  if (!isObject(segments)) return false;
  const entries = Object.entries(segments);
  return (
    entries.length <= MAX_SEGMENTS_PER_PROMPT &&
    entries.every(
      ([name, segment]) =>
        isSegmentName(name) && isObject(segment) && segment.segments === undefined && isValidPin(segment),
    )
  );
}

/** A shadow (docs/shadows.md): one version, no variants or segments, a sample rate in (0, 1]. */
function isValidShadow(
  shadow: unknown,
  isValidVersion: (entry: Record<string, unknown>) => boolean,
): boolean {
  if (shadow === undefined) return true;
  if (!isObject(shadow) || !isValidVersion(shadow)) return false;
  const rate = shadow.sampleRate;
  return (
    shadow.variants === undefined &&
    shadow.segments === undefined &&
    (shadow.capture === undefined || shadow.capture === true) &&
    typeof rate === 'number' &&
    Number.isFinite(rate) &&
    rate > 0 &&
    rate <= 1
  );
}

function areValidVariants(
  variants: unknown,
  isValidVersion: (entry: Record<string, unknown>) => boolean,
): boolean {
  let total = 0;
  return (
    Array.isArray(variants) &&
    variants.length > 0 &&
    // `every` skips holes as `forEach` does in manifestProblems.
    variants.every((variant: unknown) => {
      if (!isObject(variant) || !isValidVersion(variant)) return false;
      const weight = variant.weight as number;
      total += weight;
      return Number.isInteger(weight) && weight >= 1 && weight <= 100;
    }) &&
    total === 100
  );
}
