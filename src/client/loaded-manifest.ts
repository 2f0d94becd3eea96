/**
 * A manifest made ready to serve: every body present and verified, every version compiled, and
 * the objects `get` hands out built up front. Built once per manifest revision; compiled prompts
 * are reused across revisions by hash, since a hash fixes both body and variables. A manifest with
 * version references (schema 2, docs/architecture.md) is left to referenced.ts, loaded only then:
 * its referenced prompts are fetched on their first `get`.
 */

import { type CompiledPrompt, type CompilePromptInput, compileValidPrompt } from '../core/compiled-prompt.ts';
import type { AnyManifest, Manifest, ManifestPin, ManifestVersion } from '../core/manifest.ts';
import { MANIFEST_SCHEMA_VERSION } from '../core/manifest-check.ts';
import type { BodyStore } from './bodies.ts';
import { Prompt } from './prompt.ts';
import { clientRenderer } from './renderer.ts';

/** core/variants.ts, loaded only by a manifest that splits a prompt between versions. */
type Variants = typeof import('../core/variants.ts');

/** What `get` hands out for one pick: the fresh or the stale object, by the client's state. */
export interface ServedPair {
  readonly fresh: Promise<Prompt>;
  readonly stale: Promise<Prompt>;
}

/** One version as served: the two objects (fresh and stale) and their settled promises. */
export class ServedVersion implements ServedPair {
  readonly weight: number;
  readonly fresh: Promise<Prompt>;
  readonly stale: Promise<Prompt>;

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
}

export class ServedPrompt {
  readonly #id: string;
  readonly #versions: readonly ServedVersion[];
  readonly #variants: Variants | undefined;
  /** Segment name -> its pin (docs/segments.md); undefined when no segment has one. */
  readonly #segments: ReadonlyMap<string, ServedPrompt> | undefined;

  /** `variants` is required when there is more than one version. */
  constructor(
    id: string,
    versions: readonly ServedVersion[],
    variants?: Variants,
    segments?: ReadonlyMap<string, ServedPrompt>,
  ) {
    this.#id = id;
    this.#versions = versions;
    this.#variants = variants;
    this.#segments = segments;
  }

  /**
   * The segment's pin when it has one, the default otherwise; then, with a key, the sticky variant
   * (core `chooseVariant`, salted by the prompt id); without, by weight.
   */
  pick(key: string | undefined, segment?: string): ServedPair {
    if (segment !== undefined && this.#segments !== undefined) {
      const pinned = this.#segments.get(segment);
      if (pinned !== undefined) return pinned.pick(key);
    }
    const versions = this.#versions;
    if (versions.length === 1) return versions[0] as ServedVersion;
    const { chooseVariant, variantAt } = this.#variants as Variants;
    return key === undefined
      ? variantAt(versions, Math.floor(Math.random() * 100))
      : chooseVariant(versions, key, this.#id);
  }
}

export interface LoadedManifest {
  readonly manifest: AnyManifest;
  /** Prompt id -> served prompt; a referenced prompt's placeholder replaces itself once fetched. */
  readonly prompts: ReadonlyMap<string, ServedPrompt>;
  /** Compiled prompts by SHA-256, handed to the next revision for reuse. */
  readonly compiled: ReadonlyMap<string, CompiledPrompt>;
  /** Loaded from the fallback snapshot rather than fetched from the source. */
  readonly fromFallback: boolean;
  /** Fetches the referenced versions of these prompt ids now (the `prefetch` option); never rejects. Absent without references. */
  readonly prefetch?: (ids: readonly string[]) => Promise<void>;
}

/**
 * The compiled prompt of a body that parses, rendered by the client's renderer (renderer.ts).
 * Otherwise the compiler that words errors is loaded, to throw the error naming the line.
 */
export async function compile(input: CompilePromptInput): Promise<CompiledPrompt> {
  return (
    compileValidPrompt(input, clientRenderer) ??
    (await import('./lazy/compiler.ts')).compilePromptWith(input, clientRenderer)
  );
}

/** The manifest ready to serve, built with what `previous` has. Rejects on any failure. */
export async function loadManifest(
  manifest: AnyManifest,
  bodies: BodyStore,
  previous: LoadedManifest | undefined,
  fromFallback: boolean,
): Promise<LoadedManifest> {
  return manifest.schemaVersion === MANIFEST_SCHEMA_VERSION
    ? loadFullManifest(manifest, bodies, previous?.compiled, fromFallback)
    : (await import('./referenced.ts')).loadReferencingManifest(manifest, bodies, previous, fromFallback);
}

/** Fetches and verifies referenced bodies, compiles what `previous` has not compiled. Rejects on any failure. */
export async function loadFullManifest(
  manifest: Manifest,
  bodies: BodyStore,
  previous: ReadonlyMap<string, CompiledPrompt> | undefined,
  fromFallback: boolean,
): Promise<LoadedManifest> {
  const versions = new Map<string, ManifestVersion>();
  for (const prompt of Object.values(manifest.prompts)) {
    for (const pin of [prompt, ...Object.values(prompt.segments ?? {})])
      for (const entry of pin.variants ?? [pin]) versions.set(entry.sha256, entry);
    if (prompt.shadow) versions.set(prompt.shadow.sha256, prompt.shadow);
  }
  const split = Object.values(manifest.prompts).some((prompt) =>
    [prompt, ...Object.values(prompt.segments ?? {})].some((pin) => (pin.variants?.length ?? 1) > 1),
  );
  const variants = split ? import('./lazy/variants.ts') : undefined;
  // shadow.ts (docs/shadows.md), loaded only by a manifest with a shadow.
  const shadows = Object.values(manifest.prompts).some((prompt) => prompt.shadow)
    ? import('./shadow.ts')
    : undefined;
  const compiled = new Map<string, CompiledPrompt>();
  await Promise.all(
    [...versions].map(async ([sha256, entry]) => {
      const known = previous?.get(sha256);
      compiled.set(
        sha256,
        known ?? (await compile({ body: await bodies.body(entry), variables: entry.variables })),
      );
    }),
  );
  const chooser = await variants;
  const shadowing = await shadows;
  const prompts = new Map<string, ServedPrompt>();
  const served = (id: string, pin: ManifestPin, segment?: string) =>
    (pin.variants ?? [{ ...pin, weight: 100 }]).map(
      (entry) =>
        new ServedVersion(
          id,
          entry,
          manifest.environment,
          compiled.get(entry.sha256) as CompiledPrompt,
          entry.weight,
          segment,
        ),
    );
  for (const [id, prompt] of Object.entries(manifest.prompts)) {
    const segments = prompt.segments
      ? new Map(
          Object.entries(prompt.segments).map(([name, pin]) => [
            name,
            new ServedPrompt(id, served(id, pin, name), chooser),
          ]),
        )
      : undefined;
    const defaults = served(id, prompt);
    prompts.set(
      id,
      prompt.shadow && shadowing
        ? shadowing.shadowedPrompt(id, prompt, manifest.environment, defaults, compiled, chooser, segments)
        : new ServedPrompt(id, defaults, chooser, segments),
    );
  }
  return { manifest, prompts, compiled, fromFallback };
}
