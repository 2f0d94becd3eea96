/**
 * The environment manifest: what AppConfig carries to apps. One JSON document per environment with
 * every pinned prompt: version, hash, model settings, variables and the body (inline when small, an
 * S3 reference when large). This module only reads and checks manifests and stays free of YAML and
 * semver, because the client library bundles it.
 */
import type { ModelSettings } from './document.ts';
import { type FieldError, ValidationError } from './errors.ts';
import { isObject, MANIFEST_SCHEMA_VERSION, REFERENCING_MANIFEST_SCHEMA_VERSION } from './manifest-check.ts';
import { VERSION_OBJECT_FIELDS, VERSION_REF } from './manifest-check-refs.ts';
import type { ManifestProgram } from './manifest-program.ts';
import type { PromptKind } from './sections.ts';
import { isSegmentName, MAX_SEGMENTS_PER_PROMPT } from './segments.ts';
import { isVariableType, type VariableSpec } from './variables.ts';

export {
  isValidPlainManifest,
  MANIFEST_SCHEMA_VERSION,
  REFERENCING_MANIFEST_SCHEMA_VERSION,
} from './manifest-check.ts';
export { isValidManifest } from './manifest-check-pins.ts';
export { isValidManifestDocument } from './manifest-check-refs.ts';

export interface BodyRef {
  /** Bucket holding the document; absent when the reader is configured with it. */
  readonly bucket?: string;
  /** Object key of the canonical document text, whose SHA-256 is the version's `sha256`. */
  readonly key: string;
  /** Size in bytes of the canonical document text. */
  readonly size: number;
}

export interface ManifestVersion {
  readonly version: string;
  /** SHA-256 of the canonical document text. */
  readonly sha256: string;
  readonly kind: PromptKind;
  readonly model?: ModelSettings;
  readonly variables: Readonly<Record<string, VariableSpec>>;
  /** The sections of the document (no front matter), when inline. */
  readonly body?: string;
  readonly bodyRef?: BodyRef;
  /**
   * The body's compiled program (manifest-program.ts), written by deploy beside an inline body while
   * the manifest has room: a client renders it without parsing the body. Absent otherwise.
   */
  readonly program?: ManifestProgram;
  /** Present (true) when the version was deprecated at deploy time (docs/maintenance.md). */
  readonly deprecated?: true;
}

export interface ManifestVariant extends ManifestVersion {
  readonly weight: number;
}

/** A pin: one version, or a split whose own fields are those of its first variant. */
export interface ManifestPin extends ManifestVersion {
  readonly variants?: readonly ManifestVariant[];
}

/** A shadow candidate (docs/shadows.md): a version run beside the primary for a share of calls. */
export interface ManifestShadow extends ManifestVersion {
  /** The share of calls that also run the shadow: above 0, at most 1. */
  readonly sampleRate: number;
  /** Present (true) when the environment captures shadow outputs for comparison (docs/shadows.md). */
  readonly capture?: true;
}

/** A prompt entry: its default pin, and the pins of segments that have their own (docs/segments.md). */
export interface ManifestPrompt extends ManifestPin {
  /** Segment name -> its pin; absent when no segment has one. */
  readonly segments?: Readonly<Record<string, ManifestPin>>;
  /** The shadow candidate (docs/shadows.md); absent when the prompt has none. */
  readonly shadow?: ManifestShadow;
}

export interface Manifest {
  readonly schemaVersion: typeof MANIFEST_SCHEMA_VERSION;
  readonly environment: string;
  /** Increases by one with every deployment to the environment; 0 is the initial empty manifest. */
  readonly revision: number;
  readonly generatedAt: string;
  readonly prompts: Readonly<Record<string, ManifestPrompt>>;
}

/**
 * A version reference (schema 2): the version and the `ref` of its version object (S3
 * `versions/<ref>.json`, the full ManifestVersion with the body inline; `ref` is the base64url SHA-256
 * of that text). Deploy-time facts (`deprecated`, a variant's `weight`, a shadow's `sampleRate`) stay
 * in the manifest, beside the reference (docs/architecture.md, "Ten thousand prompts").
 */
export interface ManifestVersionRef {
  readonly version: string;
  /** base64url (43 characters, no padding) SHA-256 of the version object's text. */
  readonly ref: string;
  /** Present (true) when the version was deprecated at deploy time (docs/maintenance.md). */
  readonly deprecated?: true;
}

export interface ManifestVariantRef extends ManifestVersionRef {
  readonly weight: number;
}

export interface ManifestShadowRef extends ManifestVersionRef {
  readonly sampleRate: number;
}

/** A version position of a schema 2 manifest: the full version or a reference to it. */
export type ManifestPosition = ManifestVersion | ManifestVersionRef;

/** A schema 2 pin: its own fields (those of its first variant) and each variant may be references. */
export type ReferencingManifestPin = ManifestPosition & {
  readonly variants?: readonly (ManifestVariant | ManifestVariantRef)[];
};

export type ReferencingManifestPrompt = ReferencingManifestPin & {
  readonly segments?: Readonly<Record<string, ReferencingManifestPin>>;
  readonly shadow?: ManifestShadow | ManifestShadowRef;
};

/** A manifest with version references (schema 2): what an environment past ~750 KB inline deploys. */
export interface ReferencingManifest {
  readonly schemaVersion: typeof REFERENCING_MANIFEST_SCHEMA_VERSION;
  readonly environment: string;
  readonly revision: number;
  readonly generatedAt: string;
  readonly prompts: Readonly<Record<string, ReferencingManifestPrompt>>;
}

/** Either schema: what AppConfig may carry. */
export type AnyManifest = Manifest | ReferencingManifest;

/** True when the position is a version reference rather than a full version. */
export function isVersionRef<T extends object>(position: T): position is Extract<T, { ref: string }> {
  return typeof (position as { ref?: unknown }).ref === 'string';
}

export function emptyManifest(environment: string, generatedAt: string): Manifest {
  return { schemaVersion: MANIFEST_SCHEMA_VERSION, environment, revision: 0, generatedAt, prompts: {} };
}

/**
 * Parses and checks a schema 1 manifest (JSON text or a parsed value). Throws `ValidationError` naming
 * each bad field, and for a valid schema 2 manifest, since this reader has no version references.
 */
export function parseManifest(input: string | unknown): Manifest {
  const manifest = parseManifestDocument(input);
  if (manifest.schemaVersion === MANIFEST_SCHEMA_VERSION) return manifest;
  const problem = {
    path: 'schemaVersion',
    message: `is ${manifest.schemaVersion} (version references), and this reader reads schema ${MANIFEST_SCHEMA_VERSION}`,
  };
  throw new ValidationError(
    `Invalid manifest: ${problem.path}: ${problem.message}; upgrade the reader (docs/architecture.md, "Ten thousand prompts")`,
    [problem],
  );
}

/** Parses and checks a manifest of either schema. Throws `ValidationError` naming each bad field. */
export function parseManifestDocument(input: string | unknown): AnyManifest {
  let value: unknown = input;
  if (typeof input === 'string') {
    try {
      value = JSON.parse(input);
    } catch (cause) {
      throw new ValidationError(`The manifest is not valid JSON: ${(cause as Error).message}`, [], { cause });
    }
  }
  const problems = manifestProblems(value);
  if (problems.length > 0) {
    const shown = problems
      .slice(0, 5)
      .map((p) => `${p.path}: ${p.message}`)
      .join('; ');
    throw new ValidationError(
      `Invalid manifest: ${shown}${problems.length > 5 ? ` (and ${problems.length - 5} more)` : ''}`,
      problems,
    );
  }
  return value as AnyManifest;
}

const SHA256 = /^[0-9a-f]{64}$/;

export function manifestProblems(value: unknown): FieldError[] {
  const problems: FieldError[] = [];
  const bad = (path: string, message: string) => problems.push({ path, message });
  if (!isObject(value)) return [{ path: '', message: 'a manifest is a JSON object' }];
  const refs = value.schemaVersion === REFERENCING_MANIFEST_SCHEMA_VERSION;
  if (value.schemaVersion !== MANIFEST_SCHEMA_VERSION && !refs)
    bad(
      'schemaVersion',
      `must be ${MANIFEST_SCHEMA_VERSION}, or ${REFERENCING_MANIFEST_SCHEMA_VERSION} with version references`,
    );
  if (typeof value.environment !== 'string' || value.environment === '')
    bad('environment', 'must be a non-empty string');
  if (typeof value.revision !== 'number' || !Number.isInteger(value.revision) || value.revision < 0) {
    bad('revision', 'must be a whole number of at least 0');
  }
  if (typeof value.generatedAt !== 'string') bad('generatedAt', 'must be a date-time string');
  if (!isObject(value.prompts)) {
    bad('prompts', 'must be an object of prompt id to entry');
    return problems;
  }
  for (const [id, entry] of Object.entries(value.prompts)) {
    const path = `prompts.${id}`;
    if (!isObject(entry)) {
      bad(path, 'must be an object');
      continue;
    }
    pinEntryProblems(entry, path, bad, refs);
    if (entry.shadow !== undefined) shadowEntryProblems(entry.shadow, `${path}.shadow`, bad, refs);
    if (entry.segments === undefined) continue;
    if (!isObject(entry.segments)) {
      bad(`${path}.segments`, 'must be an object of segment name to entry');
      continue;
    }
    const segments = Object.entries(entry.segments);
    if (segments.length > MAX_SEGMENTS_PER_PROMPT)
      bad(`${path}.segments`, `must have at most ${MAX_SEGMENTS_PER_PROMPT} segments`);
    for (const [name, segment] of segments) {
      const at = `${path}.segments.${name}`;
      if (!isSegmentName(name)) bad(at, 'is not a segment name (a-z, 0-9 and -, 1 to 32, a letter first)');
      else if (!isObject(segment)) bad(at, 'must be an object');
      else if (segment.segments !== undefined) bad(`${at}.segments`, 'a segment has no segments');
      else pinEntryProblems(segment, at, bad, refs);
    }
  }
  return problems;
}

/** A shadow (docs/shadows.md): one version, no variants, a sample rate in (0, 1]. */
function shadowEntryProblems(
  shadow: unknown,
  path: string,
  bad: (path: string, message: string) => void,
  refs: boolean,
): void {
  if (!isObject(shadow)) {
    bad(path, 'must be an object');
    return;
  }
  versionProblems(shadow, path, bad, refs);
  if (shadow.variants !== undefined) bad(`${path}.variants`, 'a shadow is one version, without variants');
  if (shadow.segments !== undefined) bad(`${path}.segments`, 'a shadow has no segments');
  const rate = shadow.sampleRate;
  if (typeof rate !== 'number' || !Number.isFinite(rate) || rate <= 0 || rate > 1)
    bad(`${path}.sampleRate`, 'must be a number above 0 and at most 1');
  if (shadow.capture !== undefined && shadow.capture !== true)
    bad(`${path}.capture`, 'must be true when present');
}

/** One version, or a split of variants with weights summing to 100. */
function pinEntryProblems(
  entry: Record<string, unknown>,
  path: string,
  bad: (path: string, message: string) => void,
  refs: boolean,
): void {
  versionProblems(entry, path, bad, refs);
  if (entry.variants === undefined) return;
  if (!Array.isArray(entry.variants) || entry.variants.length === 0) {
    bad(`${path}.variants`, 'must be a non-empty list');
    return;
  }
  let total = 0;
  entry.variants.forEach((variant: unknown, i: number) => {
    const at = `${path}.variants.${i}`;
    if (!isObject(variant)) {
      bad(at, 'must be an object');
      return;
    }
    versionProblems(variant, at, bad, refs);
    const weight = variant.weight;
    if (typeof weight !== 'number' || !Number.isInteger(weight) || weight < 1 || weight > 100) {
      bad(`${at}.weight`, 'must be a whole number from 1 to 100');
    } else total += weight;
  });
  if (total !== 100) bad(`${path}.variants`, `weights must sum to 100, got ${total}`);
}

function versionProblems(
  entry: Record<string, unknown>,
  path: string,
  bad: (path: string, message: string) => void,
  refs: boolean,
): void {
  if (entry.ref !== undefined) versionRefProblems(entry, path, bad, refs);
  else fullVersionProblems(entry, path, bad);
}

/** A version reference: `version` and `ref` only; the version object holds the rest. */
function versionRefProblems(
  entry: Record<string, unknown>,
  path: string,
  bad: (path: string, message: string) => void,
  refs: boolean,
): void {
  if (!refs)
    bad(`${path}.ref`, `a version reference needs schemaVersion ${REFERENCING_MANIFEST_SCHEMA_VERSION}`);
  if (typeof entry.ref !== 'string' || !VERSION_REF.test(entry.ref))
    bad(`${path}.ref`, 'must be the base64url SHA-256 of the version object (43 characters)');
  if (typeof entry.version !== 'string' || entry.version === '')
    bad(`${path}.version`, 'must be a version string');
  for (const field of VERSION_OBJECT_FIELDS) {
    if (entry[field] !== undefined)
      bad(`${path}.${field}`, 'must be absent beside ref (the version object holds it)');
  }
}

/** Problems of a full version; an empty list when the value is a well-formed version object. */
export function fullVersionProblems(
  entry: Record<string, unknown>,
  path: string,
  bad: (path: string, message: string) => void,
): void {
  if (typeof entry.version !== 'string' || entry.version === '')
    bad(`${path}.version`, 'must be a version string');
  if (typeof entry.sha256 !== 'string' || !SHA256.test(entry.sha256))
    bad(`${path}.sha256`, 'must be 64 hex characters');
  if (entry.kind !== 'text' && entry.kind !== 'chat') bad(`${path}.kind`, 'must be "text" or "chat"');
  if (entry.model !== undefined && !isObject(entry.model)) bad(`${path}.model`, 'must be an object');
  if (!isObject(entry.variables)) bad(`${path}.variables`, 'must be an object');
  else {
    for (const [name, spec] of Object.entries(entry.variables)) {
      if (!isObject(spec) || !isVariableType(spec.type) || typeof spec.required !== 'boolean') {
        bad(`${path}.variables.${name}`, 'must be { type, required, default?, description? }');
      }
    }
  }
  const hasBody = typeof entry.body === 'string';
  const ref = entry.bodyRef;
  const hasRef = isObject(ref);
  if (hasBody === hasRef) bad(path, 'must have exactly one of body and bodyRef');
  if (entry.body !== undefined && !hasBody) bad(`${path}.body`, 'must be a string');
  if (ref !== undefined) {
    if (!hasRef || typeof ref.key !== 'string' || typeof ref.size !== 'number') {
      bad(`${path}.bodyRef`, 'must be { bucket?, key, size }');
    } else if (ref.bucket !== undefined && typeof ref.bucket !== 'string') {
      bad(`${path}.bodyRef.bucket`, 'must be a string');
    }
  }
}
