/**
 * The manifest check of manifest-check.ts for either schema: 1, or 2 with version references
 * (docs/architecture.md, "Ten thousand prompts"). A module of its own so that the client's load of a
 * schema 1 manifest, every load but those of the largest environments, bundles none of it.
 */
import type { AnyManifest } from './manifest.ts';
import {
  isValidDocumentOf,
  isValidFullVersion,
  REFERENCING_MANIFEST_SCHEMA_VERSION,
} from './manifest-check.ts';
import { isValidManifest, isValidPromptOf } from './manifest-check-pins.ts';

/** base64url (no padding) of a SHA-256: 43 characters, the last carrying 2 bits, so one of 16. */
export const VERSION_REF = /^[A-Za-z0-9_-]{42}[AEIMQUYcgkosw048]$/;
/** The fields of a full version that a version reference leaves to its version object. */
export const VERSION_OBJECT_FIELDS = ['sha256', 'kind', 'model', 'variables', 'body', 'bodyRef'] as const;

/** True when `manifestProblems(value)` is empty: schema 1, or schema 2 with version references. */
export function isValidManifestDocument(value: unknown): value is AnyManifest {
  return (
    isValidManifest(value) ||
    isValidDocumentOf(value, REFERENCING_MANIFEST_SCHEMA_VERSION, isValidPromptOf(isValidVersionOrReference))
  );
}

/** A full version, or a version reference: `version` and `ref`, nothing of the object. */
function isValidVersionOrReference(entry: Record<string, unknown>): boolean {
  if (entry.ref === undefined) return isValidFullVersion(entry);
  return (
    typeof entry.ref === 'string' &&
    VERSION_REF.test(entry.ref) &&
    typeof entry.version === 'string' &&
    entry.version !== '' &&
    VERSION_OBJECT_FIELDS.every((field) => entry[field] === undefined)
  );
}
