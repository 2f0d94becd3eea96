/**
 * The AppConfig configuration validator: a manifest may only be deployed when it matches the
 * schema, every document it names (segment pins' and shadows' included) exists with the right hash and passes lint, and inline bodies
 * and programs are exactly those documents' bodies and the programs compiled from them. A version reference (schema 2, docs/architecture.md "Ten
 * thousand prompts") is checked once per distinct ref: its object exists, hashes to the ref and
 * holds the version the entry names. At most 64 reads are in flight. A validator given a
 * `VerifiedRefs` (the Lambda's, for the container's life) reads a ref it verified before no more. A
 * validator given the registry's `RecordedRefs` reads no object of a ref every naming version's item
 * records (publish and deploy record a ref only after writing its object), save a sample of
 * `REGISTRY_SAMPLE_READS` read in full (docs/architecture.md, "Ten thousand prompts": Validator).
 */
import { isDeepStrictEqual } from 'node:util';
import { mapBounded } from '../../src/core/bounded.ts';
import { bodyObjectKey, versionObjectKey } from '../../src/core/contracts.ts';
import {
  documentBody,
  parsePromptDocument,
  serializePromptDocument,
  sortedKeys,
} from '../../src/core/document.ts';
import { lintDocument } from '../../src/core/lint/index.ts';
import {
  type AnyManifest,
  isVersionRef,
  type ManifestPosition,
  type ManifestVersion,
  type ManifestVersionRef,
  parseManifestDocument,
  type ReferencingManifestPin,
} from '../../src/core/manifest.ts';
import { manifestProgramOf } from '../../src/core/valid-body.ts';
import { readVersionObject } from '../../src/core/version-object.ts';
import type { BodyStore, RecordedRefs, VersionObjectStore } from '../ports.ts';

/** Reads in flight at once: 10,000 S3 reads of ~25 ms at 64 in flight take about 4 s of the validator's 15. */
export const VALIDATOR_READS_IN_FLIGHT = 64;

/**
 * The refs this container verified, each with the version its object holds: a version object is
 * content-addressed and immutable, so a warm validator need not read it again. Least recently used
 * first out past `capacity` entries (134 bytes each, measured: 20,000 are 2.7 MB).
 */
export class VerifiedRefs {
  readonly #versions = new Map<string, string>();
  readonly #capacity: number;

  constructor(capacity = VERIFIED_REFS_CAPACITY) {
    this.#capacity = capacity;
  }

  get size(): number {
    return this.#versions.size;
  }

  /** The version the object under `ref` was verified to hold, if it was. */
  get(ref: string): string | undefined {
    const version = this.#versions.get(ref);
    if (version !== undefined) this.remember(ref, version);
    return version;
  }

  remember(ref: string, version: string): void {
    this.#versions.delete(ref);
    this.#versions.set(ref, version);
    if (this.#versions.size > this.#capacity)
      this.#versions.delete(this.#versions.keys().next().value as string);
  }
}

/** Two environments of 10,000 prompts each. */
export const VERIFIED_REFS_CAPACITY = 20_000;

/**
 * Refs the registry confirmed that are still read and checked in full, the smallest first (refs are
 * hashes, so that is a spread the manifest's author does not choose): a bucket that does not hold
 * what the registry records (another bucket, a lost prefix, a key the validator may not use) shows
 * at the cost of a few reads.
 */
export const REGISTRY_SAMPLE_READS = 32;

/** What one validation did, for the validator's log line. */
export interface ValidationStats {
  /** Distinct refs the manifest names. */
  refs: number;
  /** Refs this container verified before. */
  verifiedBefore: number;
  /** Refs every naming version's item records (not read, but for the sample). */
  confirmedByRegistry: number;
  /** Version objects read and checked in full. */
  objectsRead: number;
  /** Why the registry was not asked or did not answer, when it was given and not used. */
  registryError?: string;
}

/** Stats before a validation has done anything. */
export function emptyValidationStats(): ValidationStats {
  return { refs: 0, verifiedBefore: 0, confirmedByRegistry: 0, objectsRead: 0 };
}

/** What a validation may use beyond the body store and the version objects. */
export interface ValidationOptions {
  /** The refs the registry records, so a confirmed ref is not read (see REGISTRY_SAMPLE_READS). */
  readonly recorded?: RecordedRefs;
  /** Filled with what the validation did. */
  readonly stats?: ValidationStats;
}

export class ManifestRejectedError extends Error {
  readonly problems: readonly string[];
  constructor(problems: readonly string[]) {
    super(
      `PromptOps rejected the manifest: ${problems.slice(0, 10).join('; ')}${problems.length > 10 ? ` (and ${problems.length - 10} more)` : ''}`,
    );
    this.name = 'ManifestRejectedError';
    this.problems = problems;
  }
}

export async function validateManifest(
  bodies: BodyStore,
  content: string,
  versionObjects?: VersionObjectStore,
  verified?: VerifiedRefs,
  options: ValidationOptions = {},
): Promise<AnyManifest> {
  let manifest: AnyManifest;
  try {
    manifest = parseManifestDocument(content);
  } catch (error) {
    const fields = (error as { errors?: { path: string; message: string }[] }).errors;
    throw new ManifestRejectedError(
      fields?.length ? fields.map((f) => `${f.path}: ${f.message}`) : [(error as Error).message],
    );
  }
  const checks: { id: string; at: string; entry: ManifestVersion }[] = [];
  // Each ref once, with every place that names it (the version must be the same in all).
  const references = new Map<string, Naming[]>();
  const check = (id: string, at: string, entry: ManifestPosition) => {
    if (!isVersionRef(entry)) {
      checks.push({ id, at, entry });
      return;
    }
    const named = references.get(entry.ref) ?? [];
    named.push({ id, at, entry });
    references.set(entry.ref, named);
  };
  const pin = (id: string, entry: ReferencingManifestPin, segment?: string) => {
    const where = (version: string) =>
      `${id}@${version}${segment === undefined ? '' : ` (segment ${segment})`}`;
    check(id, where(entry.version), entry);
    for (const variant of entry.variants ?? []) check(id, where(variant.version), variant);
  };
  for (const [id, entry] of Object.entries(manifest.prompts)) {
    pin(id, entry);
    // Segment pins (docs/segments.md) are checked like the default.
    for (const [segment, segmentPin] of Object.entries(entry.segments ?? {})) pin(id, segmentPin, segment);
    // The shadow runs on production inputs (docs/shadows.md): checked like any pinned version.
    if (entry.shadow) check(id, `${id}@${entry.shadow.version} (shadow)`, entry.shadow);
  }
  const problems = (
    await mapBounded(checks, VALIDATOR_READS_IN_FLIGHT, ({ id, at, entry }) =>
      checkEntry(bodies, id, at, entry),
    )
  ).flat();
  if (references.size > 0 && !versionObjects)
    problems.push('the manifest has version references and this validator has no version object store');
  else if (versionObjects) {
    problems.push(...(await checkReferences(versionObjects, references, verified, options)));
  }
  if (problems.length > 0) throw new ManifestRejectedError(problems);
  return manifest;
}

/** A place in the manifest that names a ref: the prompt, where (for messages), and the position. */
interface Naming {
  readonly id: string;
  readonly at: string;
  readonly entry: ManifestVersionRef;
}

/**
 * Each distinct ref once: verified before by this container (only versions compared), confirmed by
 * the registry (remembered; a sample read in full), or read and checked in full.
 */
async function checkReferences(
  store: VersionObjectStore,
  references: ReadonlyMap<string, readonly Naming[]>,
  verified: VerifiedRefs | undefined,
  { recorded, stats }: ValidationOptions,
): Promise<string[]> {
  const problems: string[] = [];
  const pending: [string, readonly Naming[]][] = [];
  for (const [ref, named] of references) {
    // Verified before by this container: the object cannot have changed (it hashes to its ref, and
    // readers check that hash too), so only the versions the entries name are compared.
    const known = verified?.get(ref);
    if (known === undefined) pending.push([ref, named]);
    else problems.push(...versionMismatches(ref, known, named));
  }
  let confirmed: [string, readonly Naming[]][] = [];
  let unconfirmed = pending;
  if (recorded && pending.length > 0) {
    try {
      const split = await confirmByRegistry(recorded, pending);
      confirmed = split.confirmed;
      unconfirmed = split.unconfirmed;
    } catch (error) {
      // The objects can still answer: every pending ref is read, as without a registry.
      if (stats) stats.registryError = (error as Error).message;
    }
  }
  confirmed.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const sampled = confirmed.slice(0, REGISTRY_SAMPLE_READS);
  for (const [ref, named] of confirmed.slice(REGISTRY_SAMPLE_READS))
    verified?.remember(ref, (named[0] as Naming).entry.version);
  const reads = [...unconfirmed, ...sampled];
  const found = await mapBounded(reads, VALIDATOR_READS_IN_FLIGHT, ([ref, named]) =>
    checkReference(store, ref, named, verified),
  );
  problems.push(...found.flat());
  if (stats) {
    stats.refs = references.size;
    stats.verifiedBefore = references.size - pending.length;
    stats.confirmedByRegistry = confirmed.length;
    stats.objectsRead = reads.length;
  }
  return problems;
}

/**
 * Splits refs into those every naming version's item records (publish writes the object before the
 * item, deploy records a ref only for an object it wrote, and neither removes one) and the rest: a
 * version the registry does not hold, an item without a ref or with another one.
 */
async function confirmByRegistry(
  recorded: RecordedRefs,
  pending: readonly [string, readonly Naming[]][],
): Promise<{ confirmed: [string, readonly Naming[]][]; unconfirmed: [string, readonly Naming[]][] }> {
  const versions = new Map<string, { id: string; version: string }>();
  for (const [, named] of pending)
    for (const { id, entry } of named) versions.set(`${id}@${entry.version}`, { id, version: entry.version });
  const asked = [...versions.values()];
  const refs = await recorded.getRecordedRefs(asked);
  const recordedRef = new Map(asked.map((v, i) => [`${v.id}@${v.version}`, refs[i]]));
  const confirmed: [string, readonly Naming[]][] = [];
  const unconfirmed: [string, readonly Naming[]][] = [];
  for (const pair of pending) {
    const [ref, named] = pair;
    const all = named.every(({ id, entry }) => recordedRef.get(`${id}@${entry.version}`) === ref);
    // One ref named with two versions cannot be right: read, so the mismatch is reported.
    const oneVersion = named.every(({ entry }) => entry.version === (named[0] as Naming).entry.version);
    (all && oneVersion ? confirmed : unconfirmed).push(pair);
  }
  return { confirmed, unconfirmed };
}

function versionMismatches(ref: string, known: string, named: readonly Naming[]): string[] {
  return named
    .filter(({ entry }) => entry.version !== known)
    .map(({ at, entry }) => `${at}: version object ${ref} holds version ${known}, not ${entry.version}`);
}

/** A version object exists under the ref, hashes to it, and holds the version every entry names. */
async function checkReference(
  store: VersionObjectStore,
  ref: string,
  named: readonly Naming[],
  verified: VerifiedRefs | undefined,
): Promise<string[]> {
  const first = named[0] as Naming;
  const key = versionObjectKey(ref);
  const text = await store.get(key);
  if (text === undefined) return [`${first.at}: no version object ${key} in the body store`];
  const problems: string[] = [];
  for (const { at, entry } of named) {
    try {
      readVersionObject(text, ref, entry.version);
      verified?.remember(ref, entry.version);
    } catch (error) {
      problems.push(`${at}: ${(error as Error).message}`);
    }
  }
  return problems;
}

async function checkEntry(
  bodies: BodyStore,
  id: string,
  at: string,
  entry: ManifestVersion,
): Promise<string[]> {
  // Read from the store every time (never a cache): the point is that the object is there now.
  let text: string | undefined;
  try {
    text = await bodies.get(entry.sha256);
  } catch (error) {
    return [`${at}: the stored document does not match sha256 ${entry.sha256} (${(error as Error).message})`];
  }
  if (text === undefined) return [`${at}: no document with sha256 ${entry.sha256} in the body store`];
  const document = parsePromptDocument(text);
  const problems: string[] = [];
  if (document.id !== id)
    problems.push(`${at}: the document with sha256 ${entry.sha256} is prompt ${document.id}`);
  const lint = lintDocument(serializePromptDocument(document));
  for (const finding of lint.findings.filter((f) => f.severity === 'error')) {
    problems.push(
      `${at}: lint ${finding.rule}${finding.line ? ` line ${finding.line}` : ''}: ${finding.message}`,
    );
  }
  const body = documentBody(document);
  if (entry.body !== undefined && entry.body !== body)
    problems.push(`${at}: the inline body differs from the stored document`);
  // A client renders the program without reading the body: it must be exactly the body's.
  if (
    entry.program !== undefined &&
    !isDeepStrictEqual(entry.program, manifestProgramOf(body, Object.keys(entry.variables)))
  )
    problems.push(`${at}: the program is not the one compiled from the stored document`);
  if (entry.bodyRef && entry.bodyRef.key !== bodyObjectKey(entry.sha256)) {
    problems.push(
      `${at}: bodyRef.key ${entry.bodyRef.key} is not the document's key ${bodyObjectKey(entry.sha256)}`,
    );
  }
  // Key order means nothing (manifests built before documents were key-sorted keep theirs).
  if (JSON.stringify(sortedKeys(entry.variables)) !== JSON.stringify(sortedKeys(document.variables)))
    problems.push(`${at}: variables differ from the stored document`);
  return problems;
}
