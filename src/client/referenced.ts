/**
 * Prompts whose versions are stored by reference (manifest schema 2, docs/architecture.md): a
 * version position names a version object by the SHA-256 of its text. The object is fetched from
 * S3 on the prompt's first `get` (or at load, for the `prefetch` option), verified against the ref,
 * checked, compiled, and kept by ref, so a later revision reuses it. A fetch that fails falls back
 * like any other failure: the prompt as the previous manifest served it, else the fallback
 * snapshot's, else `PromptSourceError`; it is forgotten, and a `get` after a short pause retries.
 * Loaded only by a manifest with a reference, so the agent path of an inline manifest bundles none
 * of it.
 */
import './load-path.ts';
import type { CompiledPrompt } from '../core/compiled-prompt.ts';
import type {
  AnyManifest,
  Manifest,
  ManifestPin,
  ManifestPrompt,
  ManifestVersion,
} from '../core/manifest.ts';
import { isObject, isValidFullVersion, MANIFEST_SCHEMA_VERSION } from '../core/manifest-check.ts';
import type { BodyStore } from './bodies.ts';
import { PromptSourceError } from './errors.ts';
import { compile, type LoadedManifest, type Pickable, type ServedPair } from './loaded-manifest.ts';
import { errorDetails } from './logger.ts';
import { loadFullManifest, ServedPrompt } from './pinned-manifest.ts';
import type { Prompt } from './prompt.ts';

/** After a failed fetch, `get` serves the fallback without fetching again for this long. */
const RETRY_AFTER_FAILURE_MS = 1000;

/** A version object fetched, verified, checked and compiled. */
interface FetchedVersion {
  readonly entry: ManifestVersion;
  readonly compiled: CompiledPrompt;
}

/**
 * A version position: a full version, or a reference to one (with the deploy-time fields). Entries
 * are handled as ManifestPrompt whose positions may carry `ref` (core ReferencingManifestPrompt),
 * the version fields of a reference being read only after `withVersion` filled them in.
 */
type Position = ManifestVersion & { readonly ref?: string };

/** The fields of a version object (core version-object.ts): a full version, body inline, no deploy-time fields. */
const OBJECT_FIELDS = new Set(['version', 'sha256', 'kind', 'model', 'variables', 'body']);

/**
 * The version in a version object's text (already verified against its ref), checked as the
 * manifest check checks a full version, with its body inline. Core `readVersionObject` says the
 * same with the server's messages; this one keeps contracts.ts and manifest.ts out of the client.
 */
function versionFromObject(text: string, ref: string): ManifestVersion {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new PromptSourceError(`The version object ${ref} is not JSON (${text.length} characters)`);
  }
  if (
    !isObject(value) ||
    typeof value.body !== 'string' ||
    !Object.keys(value).every((field) => OBJECT_FIELDS.has(field)) ||
    !isValidFullVersion(value)
  ) {
    throw new PromptSourceError(
      `The version object ${ref} is not a prompt version (version, sha256, kind, variables and an inline body): rejected`,
    );
  }
  return value as unknown as ManifestVersion;
}

/** What a client keeps across revisions (on its BodyStore): fetched versions by ref, and the snapshot. */
export class References {
  readonly #bodies: BodyStore;
  readonly #versions = new Map<string, Promise<FetchedVersion>>();
  /** Refs whose fetch succeeded, to resolve a new revision's prompts at load when nothing is missing. */
  readonly #fetched = new Set<string>();
  #snapshot: Promise<LoadedManifest | undefined> | undefined;

  constructor(bodies: BodyStore) {
    this.#bodies = bodies;
  }

  /** The version object `ref`: fetched once, shared by concurrent callers, forgotten when it fails. */
  version(ref: string): Promise<FetchedVersion> {
    let version = this.#versions.get(ref);
    if (version === undefined) {
      version = this.#fetch(ref);
      const pending = version;
      this.#versions.set(ref, pending);
      pending.then(
        () => this.#fetched.add(ref),
        () => {
          if (this.#versions.get(ref) === pending) this.#versions.delete(ref);
        },
      );
    }
    return version;
  }

  has(ref: string): boolean {
    return this.#fetched.has(ref);
  }

  /** Drops every version not in `refs`: memory stays bounded by the manifests in use. */
  retain(refs: ReadonlySet<string>): void {
    for (const ref of this.#versions.keys()) {
      if (!refs.has(ref)) {
        this.#versions.delete(ref);
        this.#fetched.delete(ref);
      }
    }
  }

  /** The fallback snapshot, loaded once when first needed; undefined when there is none or it fails. */
  snapshot(): Promise<LoadedManifest | undefined> {
    const path = this.#bodies.options.fallbackPath;
    if (path === undefined) return Promise.resolve(undefined);
    this.#snapshot ??= import('./fallback.ts')
      .then((m) => m.readSnapshot(path, this.#bodies.options.timeoutMs ?? 5000, this.#bodies))
      .catch((error: unknown) => {
        this.#bodies.options.log?.warn('The fallback snapshot could not be loaded', {
          fallbackPath: path,
          ...errorDetails(error),
        });
        this.#snapshot = undefined;
        return undefined;
      });
    return this.#snapshot;
  }

  async #fetch(ref: string): Promise<FetchedVersion> {
    const text = await (await this.#bodies.reader()).readVersion(ref);
    const entry = versionFromObject(text, ref);
    return { entry, compiled: await compile({ body: entry.body as string, variables: entry.variables }) };
  }
}

/** Every version position of a prompt entry: pins, their variants, segments' pins, the shadow. */
function positionsOf(prompt: ManifestPrompt): Position[] {
  const positions: Position[] = [];
  for (const pin of [prompt, ...Object.values(prompt.segments ?? {})]) {
    positions.push(pin, ...(pin.variants ?? []));
  }
  if (prompt.shadow) positions.push(prompt.shadow);
  return positions;
}

/**
 * `position` with its version fields from the fetched object and its deploy-time fields (weight,
 * sampleRate, deprecated, variants, segments, shadow) from the manifest.
 */
function withVersion<T extends Position>(position: T, fetched: ReadonlyMap<string, FetchedVersion>): T {
  if (position.ref === undefined) return position;
  const { ref, ...rest } = position;
  const { entry } = fetched.get(ref) as FetchedVersion;
  if (entry.version !== position.version) {
    throw new PromptSourceError(
      `The version object ${ref} holds version ${entry.version} but the manifest names it as ${position.version}: rejected`,
    );
  }
  return { ...rest, ...entry, ...(position.deprecated ? { deprecated: true } : {}) } as T;
}

function fullPin(pin: ManifestPin, fetched: ReadonlyMap<string, FetchedVersion>): ManifestPin {
  const own = withVersion(pin, fetched);
  return pin.variants ? { ...own, variants: pin.variants.map((v) => withVersion(v, fetched)) } : own;
}

/** A referenced prompt before its first `get`: resolves its versions, then replaces itself in the manifest. */
class ReferencedPrompt extends ServedPrompt {
  readonly #id: string;
  readonly #entry: ManifestPrompt;
  readonly #loaded: LoadedManifest;
  readonly #bodies: BodyStore;
  readonly #references: References;
  /** The prompt as the previous manifest served it, if it could. */
  readonly #earlier: Pickable | undefined;
  #served: ServedPrompt | undefined;
  #resolving: Promise<ServedPrompt> | undefined;
  #failure: unknown;
  #retryAt = 0;

  constructor(
    id: string,
    entry: ManifestPrompt,
    loaded: LoadedManifest,
    bodies: BodyStore,
    references: References,
    earlier: Pickable | undefined,
  ) {
    super(id, []);
    this.#id = id;
    this.#entry = entry;
    this.#loaded = loaded;
    this.#bodies = bodies;
    this.#references = references;
    this.#earlier = earlier;
  }

  /** What the next revision may fall back to: this prompt resolved, else what this one falls back to. */
  get usable(): Pickable | undefined {
    return this.#served ?? this.#earlier;
  }

  /** The refs this entry names. */
  get refs(): string[] {
    return positionsOf(this.#entry).flatMap((p) => (p.ref === undefined ? [] : [p.ref]));
  }

  /** Every version is a reference already fetched: building it now costs no download. */
  reusable(references: References): boolean {
    const positions = positionsOf(this.#entry);
    return (
      positions.every((p) => p.bodyRef === undefined) &&
      positions.every((p) => p.ref === undefined || references.has(p.ref))
    );
  }

  override pick(key: string | undefined, segment?: string): ServedPair {
    return new PendingPair(this, key, segment);
  }

  /** The prompt `get` serves, once its versions are fetched; rejects while they cannot be. */
  resolve(): Promise<ServedPrompt> {
    if (this.#resolving !== undefined) return this.#resolving;
    if (Date.now() < this.#retryAt) return Promise.reject(this.#failure);
    const resolving = this.#build().then(
      (served) => {
        this.#served = served;
        // Later gets find the built prompt in the map: the request path is the inline one again.
        const prompts = this.#loaded.prompts as Map<string, ServedPrompt>;
        if (prompts.get(this.#id) === this) prompts.set(this.#id, served);
        return served;
      },
      (error: unknown) => {
        this.#resolving = undefined;
        this.#failure = error;
        this.#retryAt = Date.now() + RETRY_AFTER_FAILURE_MS;
        this.#bodies.options.log?.warn('A referenced prompt version could not be fetched', {
          promptId: this.#id,
          ...errorDetails(error),
        });
        throw error;
      },
    );
    this.#resolving = resolving;
    return resolving;
  }

  /** The pick for `key` and `segment`: from this prompt once fetched, else from its fallback (stale). */
  async serve(key: string | undefined, segment: string | undefined, stale: boolean): Promise<Prompt> {
    let failure: unknown;
    try {
      const pair = (await this.resolve()).pick(key, segment);
      return stale ? pair.stale : pair.fresh;
    } catch (error) {
      failure = error;
    }
    const fallback = this.#earlier ?? (await this.#fromSnapshot());
    if (fallback !== undefined) return fallback.pick(key, segment).stale;
    const { safeReason } = await import('./fallback.ts');
    throw new PromptSourceError(
      `The prompt "${this.#id}" (version ${this.#entry.version}) is stored by reference and could not be fetched (${safeReason(failure)}), and no earlier copy of it${this.#bodies.options.fallbackPath === undefined ? ' nor a fallback snapshot' : ' nor the fallback snapshot'} can serve it. Check that the function may read the body bucket's versions/ objects (s3:GetObject) and that bodyBucket or PROMPTOPS_BODY_BUCKET names it.`,
      { cause: failure },
    );
  }

  async #fromSnapshot(): Promise<Pickable | undefined> {
    if (this.#loaded.fromFallback) return undefined;
    const snapshot = await this.#references.snapshot();
    const prompt = snapshot?.prompts.get(this.#id);
    if (prompt instanceof ReferencedPrompt) return prompt.resolve().catch(() => undefined);
    return prompt;
  }

  async #build(): Promise<ServedPrompt> {
    const entry = this.#entry;
    const refs = new Set(this.refs);
    const fetched = new Map<string, FetchedVersion>();
    await Promise.all(
      [...refs].map(async (ref) => {
        fetched.set(ref, await this.#references.version(ref));
      }),
    );
    const full: ManifestPrompt = {
      ...fullPin(entry, fetched),
      ...(entry.segments
        ? {
            segments: Object.fromEntries(
              Object.entries(entry.segments).map(([name, pin]) => [name, fullPin(pin, fetched)]),
            ),
          }
        : {}),
      ...(entry.shadow ? { shadow: withVersion(entry.shadow, fetched) } : {}),
    };
    // Built as a one-prompt schema 1 manifest, so splits, segments and shadows are served as inline
    // ones are; what is compiled (fetched, or inline in this revision) is reused by hash.
    const compiled = new Map<string, CompiledPrompt>();
    for (const version of fetched.values()) compiled.set(version.entry.sha256, version.compiled);
    for (const position of positionsOf(full)) {
      const known = this.#loaded.compiled.get(position.sha256);
      if (known !== undefined && !compiled.has(position.sha256)) compiled.set(position.sha256, known);
    }
    const { manifest } = this.#loaded;
    const one: Manifest = {
      ...manifest,
      schemaVersion: MANIFEST_SCHEMA_VERSION,
      prompts: { [this.#id]: full },
    };
    const built = await loadFullManifest(one, this.#bodies, compiled, this.#loaded.fromFallback);
    return built.prompts.get(this.#id) as ServedPrompt;
  }
}

/** The pick of a referenced prompt not fetched yet: reading `fresh` or `stale` starts the fetch. */
class PendingPair implements ServedPair {
  readonly #prompt: ReferencedPrompt;
  readonly #key: string | undefined;
  readonly #segment: string | undefined;

  constructor(prompt: ReferencedPrompt, key: string | undefined, segment: string | undefined) {
    this.#prompt = prompt;
    this.#key = key;
    this.#segment = segment;
  }

  get fresh(): Promise<Prompt> {
    return this.#prompt.serve(this.#key, this.#segment, false);
  }

  get stale(): Promise<Prompt> {
    return this.#prompt.serve(this.#key, this.#segment, true);
  }
}

/**
 * Whether the entry needs S3: a version reference, or a body stored by reference. In a schema 2
 * manifest both wait for the prompt's first get, so a load never downloads the bodies the builder
 * spilled before it made references (thousands, at 10,000 prompts).
 */
function needsFetch(prompt: ManifestPrompt): boolean {
  return positionsOf(prompt).some((position) => position.ref !== undefined || position.bodyRef !== undefined);
}

/**
 * A schema 2 manifest ready to serve: its prompts without a reference loaded as schema 1 ones are, a
 * placeholder for each of the others. Rejects when an inline one fails, as for schema 1.
 */
export async function loadReferencingManifest(
  manifest: AnyManifest,
  bodies: BodyStore,
  previous: LoadedManifest | undefined,
  fromFallback: boolean,
): Promise<LoadedManifest> {
  const full: Record<string, ManifestPrompt> = {};
  const referenced: string[] = [];
  for (const [id, prompt] of Object.entries(manifest.prompts as Readonly<Record<string, ManifestPrompt>>)) {
    if (needsFetch(prompt)) referenced.push(id);
    else full[id] = prompt;
  }
  const inline = await loadFullManifest(
    { ...manifest, schemaVersion: MANIFEST_SCHEMA_VERSION, prompts: full },
    bodies,
    previous?.compiled,
    fromFallback,
  );
  return withReferencedPrompts({ ...inline, manifest }, referenced, bodies, previous);
}

/**
 * `loaded` with a placeholder for each of the `ids` that needs S3. Prompts whose versions were all
 * fetched before (an earlier revision) are built now, so a new revision reuses them without a
 * first slow `get`.
 */
async function withReferencedPrompts(
  loaded: LoadedManifest,
  ids: readonly string[],
  bodies: BodyStore,
  previous: LoadedManifest | undefined,
): Promise<LoadedManifest> {
  bodies.references ??= new References(bodies);
  const references = bodies.references;
  const prompts = loaded.prompts as Map<string, ServedPrompt>;
  const placeholders: ReferencedPrompt[] = [];
  const inUse = new Set<string>();
  for (const id of ids) {
    const before = previous?.prompts.get(id);
    const earlier = before instanceof ReferencedPrompt ? before.usable : before;
    const entry = loaded.manifest.prompts[id] as ManifestPrompt;
    const prompt = new ReferencedPrompt(id, entry, loaded, bodies, references, earlier);
    prompts.set(id, prompt);
    placeholders.push(prompt);
    for (const ref of prompt.refs) inUse.add(ref);
  }
  if (!loaded.fromFallback) {
    // The previous revision's versions stay too: a rollback to it fetches nothing.
    for (const prompt of Object.values(
      (previous?.manifest.prompts ?? {}) as Record<string, ManifestPrompt>,
    )) {
      for (const position of positionsOf(prompt)) if (position.ref !== undefined) inUse.add(position.ref);
    }
    references.retain(inUse);
  }
  await Promise.all(
    placeholders
      .filter((prompt) => prompt.reusable(references))
      .map((prompt) => prompt.resolve().catch(() => undefined)),
  );
  return {
    ...loaded,
    prefetch: async (wanted) => {
      await Promise.all(
        wanted.map((id) => {
          const prompt = prompts.get(id);
          if (prompt === undefined) {
            bodies.options.log?.warn('A prefetch prompt id is not in the manifest', {
              promptId: id,
              environment: loaded.manifest.environment,
            });
          }
          return prompt instanceof ReferencedPrompt ? prompt.resolve().catch(() => undefined) : undefined;
        }),
      );
    },
  };
}
