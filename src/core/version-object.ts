/**
 * Version objects (docs/architecture.md, "Ten thousand prompts"): the full ManifestVersion of one
 * published version, body inline, stored at `versions/<ref>.json` in the body bucket. `ref` is the
 * base64url SHA-256 of the text, so the object is immutable, writes are idempotent and readers cache
 * it by ref. Deploy-time facts (deprecated, weight, sampleRate) are not in it: they stay in the
 * manifest beside the reference. Publish, deploy, the validator and the client all use this module.
 */
import { createHash } from 'node:crypto';
import { versionObjectKey } from './contracts.ts';
import type { ModelSettings } from './document.ts';
import { ValidationError } from './errors.ts';
import { fullVersionProblems, type ManifestVersion } from './manifest.ts';
import { isObject } from './manifest-check.ts';
import type { PromptKind } from './sections.ts';
import type { VariableSpec } from './variables.ts';

/** What a version object holds: a full version with its body inline. */
export interface VersionObjectContent {
  readonly version: string;
  readonly sha256: string;
  readonly kind: PromptKind;
  readonly model?: ModelSettings;
  readonly variables: Readonly<Record<string, VariableSpec>>;
  readonly body: string;
}

export interface VersionObject {
  readonly ref: string;
  /** `versions/<ref>.json` */
  readonly key: string;
  readonly text: string;
}

/** Keys sorted at every level, so equal content always gives the same text (and ref). */
function sortedKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortedKeys);
  if (!isObject(value)) return value;
  return Object.fromEntries(
    Object.keys(value)
      .sort()
      .map((key) => [key, sortedKeys(value[key])]),
  );
}

/** The canonical text of a version object: fields in a fixed order, nested keys sorted. */
export function versionObjectText(content: VersionObjectContent): string {
  return JSON.stringify({
    version: content.version,
    sha256: content.sha256,
    kind: content.kind,
    ...(content.model ? { model: sortedKeys(content.model) } : {}),
    variables: sortedKeys(content.variables),
    body: content.body,
  });
}

/** base64url SHA-256 (43 characters) of a version object's text. */
export function versionObjectRef(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('base64url');
}

export function versionObject(content: VersionObjectContent): VersionObject {
  const text = versionObjectText(content);
  const ref = versionObjectRef(text);
  return { ref, key: versionObjectKey(ref), text };
}

/**
 * The version a version object's text holds, checked against the reference that named it: the text
 * hashes to `ref`, it is a well-formed full version with its body inline, and its version is
 * `version`. Throws `ValidationError` saying which check failed.
 */
export function readVersionObject(text: string, ref: string, version: string): ManifestVersion {
  if (versionObjectRef(text) !== ref) {
    throw new ValidationError(`version object ${ref} does not hash to its ref (the object was changed)`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new ValidationError(`version object ${ref} is not JSON`);
  }
  if (!isObject(value)) throw new ValidationError(`version object ${ref} is not a JSON object`);
  const problems: string[] = [];
  fullVersionProblems(value, 'object', (path, message) => problems.push(`${path}: ${message}`));
  if (typeof value.body !== 'string') problems.push('object.body: must be inline in a version object');
  if (problems.length > 0) {
    throw new ValidationError(`version object ${ref} is not a valid version: ${problems.join('; ')}`);
  }
  if (value.version !== version) {
    throw new ValidationError(`version object ${ref} holds version ${String(value.version)}, not ${version}`);
  }
  return value as unknown as ManifestVersion;
}
