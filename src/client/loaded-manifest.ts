/**
 * A manifest made ready to serve: every body present and verified, every version compiled, and
 * the objects `get` hands out built up front. Built once per manifest revision; compiled prompts
 * are reused across revisions by hash, since a hash fixes both body and variables. A manifest with
 * variants, segments or shadows is left to pinned-manifest.ts, and one with version references
 * (schema 2, docs/architecture.md) to referenced.ts, each loaded only then: its referenced prompts
 * are fetched on their first `get`.
 */

import { type CompiledPrompt, type CompilePromptInput, compiledPrompt } from '../core/compiled-prompt.ts';
import type { AnyManifest, ManifestVersion } from '../core/manifest.ts';
import { MANIFEST_SCHEMA_VERSION } from '../core/manifest-check.ts';
import { programOf } from '../core/manifest-program.ts';
import type { BodyStore } from './bodies.ts';
import { Prompt } from './prompt.ts';
import { clientRenderer } from './renderer.ts';

/** What `get` hands out for one pick: the fresh or the stale object, by the client's state. */
export interface ServedPair {
  readonly fresh: Promise<Prompt>;
  readonly stale: Promise<Prompt>;
}

/** One version as served: the two objects (fresh and stale) and their settled promises. */
export class ServedVersion implements ServedPair, Pickable {
  declare readonly weight: number;
  declare readonly fresh: Promise<Prompt>;
  declare readonly stale: Promise<Prompt>;

  constructor(
    id: string,
    entry: ManifestVersion,
    environment: string,
    compiled: CompiledPrompt,
    weight: number,
    segment?: string,
  ) {
    this.weight = weight;
    this.fresh = Promise.resolve(new Prompt(id, entry, environment, compiled, false, segment));
    this.stale = Promise.resolve(new Prompt(id, entry, environment, compiled, true, segment));
  }

  /** A prompt with one pin and one version serves it whatever the key and segment. */
  pick(): ServedPair {
    return this;
  }
}

/** What `get` finds for a prompt id: the pair to serve for a key and a segment. */
export interface Pickable {
  pick(key: string | undefined, segment?: string): ServedPair;
}

export interface LoadedManifest {
  readonly manifest: AnyManifest;
  /** Prompt id -> served prompt; a referenced prompt's placeholder replaces itself once fetched. */
  readonly prompts: ReadonlyMap<string, Pickable>;
  /** Compiled prompts by SHA-256, handed to the next revision for reuse. */
  readonly compiled: ReadonlyMap<string, CompiledPrompt>;
  /** Loaded from the fallback snapshot rather than fetched from the source. */
  readonly fromFallback: boolean;
  /** Fetches the referenced versions of these prompt ids now (the `prefetch` option); never rejects. Absent without references. */
  readonly prefetch?: (ids: readonly string[]) => Promise<void>;
}

/**
 * The compiled prompt of a body, rendered by the client's renderer (renderer.ts). The body's parser
 * is loaded for it (lazy/compile-body.ts), once per process: a manifest deploy built carries each
 * inline version's program instead (`compileVersion`). Rejects with the error naming the line of a
 * body that does not parse.
 */
export async function compile(input: CompilePromptInput): Promise<CompiledPrompt> {
  return (await import('./lazy/compile-body.ts')).compileBody(input, clientRenderer);
}

/**
 * A version compiled: from the program the manifest carries beside its body, with no parsing
 * (docs/architecture.md, "The client's bundle"), or, for a version without one (or with one that is
 * not a program, manifest-program.ts), from its body, fetched when it is stored by reference.
 */
export async function compileVersion(entry: ManifestVersion, bodies: BodyStore): Promise<CompiledPrompt> {
  const carried = programOf(entry.program, entry.kind === 'chat');
  return carried
    ? compiledPrompt(entry.kind, carried.roles, carried.program, entry.variables, clientRenderer)
    : compile({ body: await bodies.body(entry), variables: entry.variables });
}

/**
 * The manifest ready to serve, built with what `previous` has. A schema 1 manifest whose every
 * prompt has one pin is built here; one with variants, segments or shadows by pinned-manifest.ts,
 * and one with version references by referenced.ts, each loaded only then. Rejects on any failure.
 */
export async function loadManifest(
  manifest: AnyManifest,
  bodies: BodyStore,
  previous: LoadedManifest | undefined,
  fromFallback: boolean,
): Promise<LoadedManifest> {
  if (manifest.schemaVersion !== MANIFEST_SCHEMA_VERSION) {
    return (await import('./referenced.ts')).loadReferencingManifest(
      manifest,
      bodies,
      previous,
      fromFallback,
    );
  }
  const entries = Object.entries(manifest.prompts);
  if (entries.some(([, p]) => p.variants !== undefined || p.segments !== undefined || p.shadow)) {
    const { loadFullManifest } = await import('./pinned-manifest.ts');
    return loadFullManifest(manifest, bodies, previous?.compiled, fromFallback);
  }
  // Each version compiled once, or reused from the previous revision (a hash fixes body and variables).
  const compiling = new Map<string, Promise<CompiledPrompt>>();
  for (const [, entry] of entries) {
    const known = previous?.compiled.get(entry.sha256);
    if (!compiling.has(entry.sha256)) {
      compiling.set(entry.sha256, known ? Promise.resolve(known) : compileVersion(entry, bodies));
    }
  }
  const done = await Promise.all(compiling.values());
  const compiled = new Map([...compiling.keys()].map((sha256, i) => [sha256, done[i] as CompiledPrompt]));
  const prompts = new Map<string, Pickable>();
  for (const [id, entry] of entries) {
    prompts.set(
      id,
      new ServedVersion(id, entry, manifest.environment, compiled.get(entry.sha256) as CompiledPrompt, 100),
    );
  }
  return { manifest, prompts, compiled, fromFallback };
}
