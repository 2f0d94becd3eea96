/**
 * The manifest check the client runs on every load: a yes or no, with no messages. It accepts exactly
 * what `manifestProblems` (manifest.ts) finds no problem in (a differential property test holds them
 * together), so the client loads manifest.ts, for the message naming each bad field, only on a rejection.
 * This module checks the common case, the one every client load sees: schema 1 with one pin per prompt.
 * manifest-check-pins.ts adds variants, segments and shadows, and manifest-check-refs.ts the version
 * references of schema 2; the client loads them only for a manifest this check refuses.
 */
import type { Manifest } from './manifest.ts';
import { isVariableType } from './variables.ts';

export const MANIFEST_SCHEMA_VERSION = 1;
/** The schema of a manifest with version references (docs/architecture.md, "Ten thousand prompts"). */
export const REFERENCING_MANIFEST_SCHEMA_VERSION = 2;

const SHA256 = /^[0-9a-f]{64}$/;

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * `isValidManifest(value)` (manifest-check-pins.ts) for a schema 1 manifest whose every prompt has one
 * pin: no variants, segments or shadow. The check of every client load of such a manifest; the client
 * loads manifest-check-pins.ts only for another (a differential property test holds the two together).
 */
export function isValidPlainManifest(value: unknown): value is Manifest {
  return isValidDocumentOf(
    value,
    MANIFEST_SCHEMA_VERSION,
    (entry) =>
      entry.ref === undefined &&
      entry.variants === undefined &&
      entry.segments === undefined &&
      entry.shadow === undefined &&
      isValidFullVersion(entry),
  );
}

/** The check of a manifest document of schema `schemaVersion` whose every prompt passes `isValidPrompt`. */
export function isValidDocumentOf(
  value: unknown,
  schemaVersion: number,
  isValidPrompt: (entry: Record<string, unknown>) => boolean,
): boolean {
  return (
    isObject(value) &&
    value.schemaVersion === schemaVersion &&
    typeof value.environment === 'string' &&
    value.environment !== '' &&
    Number.isInteger(value.revision) &&
    (value.revision as number) >= 0 &&
    typeof value.generatedAt === 'string' &&
    isObject(value.prompts) &&
    Object.values(value.prompts).every((entry) => isObject(entry) && isValidPrompt(entry))
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
