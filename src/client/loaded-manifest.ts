/**
 * A manifest made ready to serve: every body present and verified, every version compiled, and
 * the objects `get` hands out built up front. Built once per manifest revision; compiled prompts
 * are reused across revisions by hash, since a hash fixes both body and variables.
 */

import { type CompiledPrompt, type CompilePromptInput, compileValidPrompt } from '../core/compiled-prompt.ts';
import type { Manifest, ManifestPin, ManifestVersion } from '../core/manifest.ts';
import type { BodyStore } from './bodies.ts';
import { Prompt } from './prompt.ts';

/** core/variants.ts, loaded only by a manifest that splits a prompt between versions. */
type Variants = typeof import('../core/variants.ts');
/** shadow.ts, loaded only by a manifest with a shadow (docs/shadows.md). */
type Shadows = typeof import('./shadow.ts');

/** What `get` hands out for one pick: the fresh or the stale object, by the client's state. */
export interface ServedPair {
  readonly fresh: Promise<Prompt>;
  readonly stale: Promise<Prompt>;
}

/** A shadow candidate's two objects (fresh and stale), what a sampled call's `p.shadow` is. */
export interface ServedCandidate {
  readonly fresh: Prompt;
  readonly stale: Prompt;
}

/** One version as served: the two objects (fresh and stale) and their settled promises. */
export class ServedVersion implements ServedPair {
  readonly weight: number;
  readonly fresh: Promise<Prompt>;
  readonly stale: Promise<Prompt>;
  /** The same version with `shadow` set, for calls sampled for the prompt's shadow; else undefined. */
  readonly shadowed: ServedPair | undefined;

  constructor(
    id: string,
    entry: ManifestVersion,
    environment: string,
    compiled: CompiledPrompt,
    weight: number,
    segment?: string,
    candidate?: ServedCandidate,
  ) {
    this.weight = weight;
    this.fresh = Promise.resolve(new Prompt(id, entry, environment, compiled, false, segment));
    this.stale = Promise.resolve(new Prompt(id, entry, environment, compiled, true, segment));
    this.shadowed =
      candidate === undefined
        ? undefined
        : {
            fresh: Promise.resolve(
              new Prompt(id, entry, environment, compiled, false, segment, candidate.fresh),
            ),
            stale: Promise.resolve(
              new Prompt(id, entry, environment, compiled, true, segment, candidate.stale),
            ),
          };
  }
}

export class ServedPrompt {
  readonly #id: string;
  readonly #versions: readonly ServedVersion[];
  readonly #variants: Variants | undefined;
  /** Segment name -> its pin (docs/segments.md); undefined when no segment has one. */
  readonly #segments: ReadonlyMap<string, ServedPrompt> | undefined;
  /** The shadow's sampling decision (shadow.ts); undefined when the pin has no shadow. */
  readonly #sampled: ((key: string | undefined) => boolean) | undefined;

  /** `variants` is required when there is more than one version; `sampled` when they have `shadowed`. */
  constructor(
    id: string,
    versions: readonly ServedVersion[],
    variants?: Variants,
    segments?: ReadonlyMap<string, ServedPrompt>,
    sampled?: (key: string | undefined) => boolean,
  ) {
    this.#id = id;
    this.#versions = versions;
    this.#variants = variants;
    this.#segments = segments;
    this.#sampled = sampled;
  }

  /**
   * The segment's pin when it has one, the default otherwise; then, with a key, the sticky variant
   * (core `chooseVariant`, salted by the prompt id); without, by weight. With a shadow, a sampled
   * call gets the variant's `shadowed` objects.
   */
  pick(key: string | undefined, segment?: string): ServedPair {
    if (segment !== undefined && this.#segments !== undefined) {
      const pinned = this.#segments.get(segment);
      if (pinned !== undefined) return pinned.pick(key);
    }
    const versions = this.#versions;
    let chosen: ServedVersion;
    if (versions.length === 1) chosen = versions[0] as ServedVersion;
    else {
      const { chooseVariant, variantAt } = this.#variants as Variants;
      chosen =
        key === undefined
          ? variantAt(versions, Math.floor(Math.random() * 100))
          : chooseVariant(versions, key, this.#id);
    }
    return this.#sampled?.(key) ? (chosen.shadowed as ServedPair) : chosen;
  }
}

export interface LoadedManifest {
  readonly manifest: Manifest;
  readonly prompts: ReadonlyMap<string, ServedPrompt>;
  /** Compiled prompts by SHA-256, handed to the next revision for reuse. */
  readonly compiled: ReadonlyMap<string, CompiledPrompt>;
  /** Loaded from the fallback snapshot rather than fetched from the source. */
  readonly fromFallback: boolean;
}

/**
 * The generated renderer of a body that parses. Otherwise the compiler that words errors is loaded,
 * to throw the error naming the line, or, where the runtime forbids code generation, to build the
 * renderer with the interpreter, loaded then (the manifest load is async, `render` is not, so it is
 * loaded before any prompt is served).
 */
async function compile(input: CompilePromptInput): Promise<CompiledPrompt> {
  const compiled = compileValidPrompt(input);
  if (compiled !== undefined) return compiled;
  const { compilePromptWith } = await import('../core/prompt-compiler.ts');
  return (
    compilePromptWith(input) ??
    compilePromptWith(input, (await import('../core/template-interpreter.ts')).interpretPromptRenderer)
  );
}

/** Fetches and verifies referenced bodies, compiles what `previous` has not compiled. Rejects on any failure. */
export async function loadManifest(
  manifest: Manifest,
  bodies: BodyStore,
  previous: ReadonlyMap<string, CompiledPrompt> | undefined,
  fromFallback: boolean,
): Promise<LoadedManifest> {
  const versions = new Map<string, ManifestVersion>();
  for (const prompt of Object.values(manifest.prompts)) {
    for (const pin of [prompt, ...Object.values(prompt.segments ?? {})])
      for (const entry of pin.variants ?? [pin]) versions.set(entry.sha256, entry);
    if (prompt.shadow !== undefined) versions.set(prompt.shadow.sha256, prompt.shadow);
  }
  const split = Object.values(manifest.prompts).some((prompt) =>
    [prompt, ...Object.values(prompt.segments ?? {})].some((pin) => (pin.variants?.length ?? 1) > 1),
  );
  const variants = split ? import('../core/variants.ts') : undefined;
  const shadows = Object.values(manifest.prompts).some((prompt) => prompt.shadow !== undefined)
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
  const sampler: Shadows | undefined = await shadows;
  const prompts = new Map<string, ServedPrompt>();
  const served = (id: string, pin: ManifestPin, segment?: string, candidate?: ServedCandidate) =>
    (pin.variants ?? [{ ...pin, weight: 100 }]).map(
      (entry) =>
        new ServedVersion(
          id,
          entry,
          manifest.environment,
          compiled.get(entry.sha256) as CompiledPrompt,
          entry.weight,
          segment,
          candidate,
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
    const shadow = prompt.shadow;
    if (shadow === undefined || sampler === undefined) {
      prompts.set(id, new ServedPrompt(id, served(id, prompt), chooser, segments));
      continue;
    }
    // Only the default pin has the shadow: a caller a segment's pin serves is never sampled.
    const candidateCompiled = compiled.get(shadow.sha256) as CompiledPrompt;
    const candidate = (stale: boolean) =>
      new Prompt(id, shadow, manifest.environment, candidateCompiled, stale, undefined, undefined, 'shadow');
    const versionsWithShadow = served(id, prompt, undefined, {
      fresh: candidate(false),
      stale: candidate(true),
    });
    const sampled = sampler.shadowSampler(id, shadow.sampleRate);
    prompts.set(id, new ServedPrompt(id, versionsWithShadow, chooser, segments, sampled));
  }
  return { manifest, prompts, compiled, fromFallback };
}
