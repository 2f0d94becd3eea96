/**
 * The manifest check the client runs on every load: a yes or no, with no messages. It accepts exactly
 * what `manifestProblems` (manifest.ts) finds no problem in (a differential property test holds them
 * together), so the client loads manifest.ts, for the message naming each bad field, only on a rejection.
 * This module checks schema 1, the one every client load sees; manifest-check-refs.ts adds the version
 * references of schema 2 and is loaded only by a manifest that is not a valid schema 1 one.
 */
import type { Manifest } from './manifest.ts';
import { isSegmentName, MAX_SEGMENTS_PER_PROMPT } from './segments.ts';
import { isVariableType } from './variables.ts';

export const MANIFEST_SCHEMA_VERSION = 1;
/** The schema of a manifest with version references (docs/architecture.md, "Ten thousand prompts"). */
export const REFERENCING_MANIFEST_SCHEMA_VERSION = 2;

const SHA256 = /^[0-9a-f]{64}$/;

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** True when `manifestProblems(value)` is empty and the manifest is schema 1 (no version references). */
export function isValidManifest(value: unknown): value is Manifest {
  return isValidDocumentOf(value, MANIFEST_SCHEMA_VERSION, isValidSchema1Version);
}

/** Schema 1 carries a full version in every position, never a reference. */
const isValidSchema1Version = (entry: Record<string, unknown>) =>
  entry.ref === undefined && isValidFullVersion(entry);

/**
 * The check of a manifest document of schema `schemaVersion` whose every version (in a pin, a
 * variant, a segment's pin or a shadow) passes `isValidVersion`.
 */
export function isValidDocumentOf(
  value: unknown,
  schemaVersion: number,
  isValidVersion: (entry: Record<string, unknown>) => boolean,
): boolean {
  if (!isObject(value)) return false;
  const isValidPin = (entry: Record<string, unknown>) =>
    isValidVersion(entry) &&
    (entry.variants === undefined || areValidVariants(entry.variants, isValidVersion));
  return (
    value.schemaVersion === schemaVersion &&
    typeof value.environment === 'string' &&
    value.environment !== '' &&
    Number.isInteger(value.revision) &&
    (value.revision as number) >= 0 &&
    typeof value.generatedAt === 'string' &&
    isObject(value.prompts) &&
    Object.values(value.prompts).every(
      (entry) =>
        isObject(entry) &&
        isValidPin(entry) &&
        areValidSegments(entry.segments, isValidPin) &&
        isValidShadow(entry.shadow, isValidVersion),
    )
  );
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

/** A full version (what a version object holds, and what schema 1 carries in every position). */
export function isValidFullVersion(entry: Record<string, unknown>): boolean {
  const { body, bodyRef: ref, variables } = entry;
  return (
    typeof entry.version === 'string' &&
    entry.version !== '' &&
    typeof entry.sha256 === 'string' &&
    SHA256.test(entry.sha256) &&
    (entry.kind === 'text' || entry.kind === 'chat') &&
    (entry.model === undefined || isObject(entry.model)) &&
    isObject(variables) &&
    Object.values(variables).every(
      (spec) => isObject(spec) && isVariableType(spec.type) && typeof spec.required === 'boolean',
    ) &&
    // Exactly one of body and bodyRef, each well formed.
    (body === undefined ? isObject(ref) : typeof body === 'string' && ref === undefined) &&
    (ref === undefined ||
      (isObject(ref) &&
        typeof ref.key === 'string' &&
        typeof ref.size === 'number' &&
        (ref.bucket === undefined || typeof ref.bucket === 'string')))
  );
}
