/**
 * A manifest made ready to serve: every body present and verified, every version compiled, and
 * the objects `get` hands out built up front. Built once per manifest revision; compiled prompts
 * are reused across revisions by hash, since a hash fixes both body and variables. A prompt with a
 * version reference (manifest schema 2, docs/architecture.md) is left to referenced.ts, loaded only
 * by a manifest that has one: it is fetched on its first `get`.
 */

import { type CompiledPrompt, type CompilePromptInput, compileValidPrompt } from '../core/compiled-prompt.ts';
import type { AnyManifest, ManifestPin, ManifestPrompt, ManifestVersion } from '../core/manifest.ts';
import type { BodyStore } from './bodies.ts';
import { Prompt } from './prompt.ts';

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
 * The generated renderer of a body that parses. Otherwise the compiler that words errors is loaded,
 * to throw the error naming the line, or, where the runtime forbids code generation, to build the
 * renderer with the interpreter, loaded then (the manifest load is async, `render` is not, so it is
 * loaded before any prompt is served).
 */
export async function compile(input: CompilePromptInput): Promise<CompiledPrompt> {
  const compiled = compileValidPrompt(input);
  if (compiled !== undefined) return compiled;
  const { compilePromptWith } = await import('../core/prompt-compiler.ts');
  return (
    compilePromptWith(input) ??
    compilePromptWith(input, (await import('../core/template-interpreter.ts')).interpretPromptRenderer)
  );
}

/** Whether a version position is a version reference (schema 2) rather than a full version (core `isVersionRef`). */
function isReference(entry: object): boolean {
  return typeof (entry as { ref?: unknown }).ref === 'string';
}

/**
 * Fetches and verifies referenced bodies, compiles what `previous` has not compiled. Rejects on any
 * failure. Prompts with a version reference are served by referenced.ts, which fetches them later.
 */
export async function loadManifest(
  manifest: AnyManifest,
  bodies: BodyStore,
  previous: LoadedManifest | undefined,
  fromFallback: boolean,
): Promise<LoadedManifest> {
  const versions = new Map<string, ManifestVersion>();
  const eager: [string, ManifestPrompt][] = [];
  const referenced: string[] = [];
  // Typed as full versions; a position that is a reference sends its prompt to referenced.ts.
  for (const entry of Object.entries(manifest.prompts as Readonly<Record<string, ManifestPrompt>>)) {
    const prompt = entry[1];
    const pins = [prompt, ...Object.values(prompt.segments ?? {})];
    const positions = pins.flatMap((pin): readonly ManifestVersion[] => pin.variants ?? [pin]);
    if (prompt.shadow) positions.push(prompt.shadow);
    if (positions.some(isReference) || pins.some(isReference)) referenced.push(entry[0]);
    else {
      eager.push(entry);
      for (const version of positions) versions.set(version.sha256, version);
    }
  }
  const lazy = referenced.length > 0 ? import('./referenced.ts') : undefined;
  const split = eager.some(([, prompt]) =>
    [prompt, ...Object.values(prompt.segments ?? {})].some((pin) => (pin.variants?.length ?? 1) > 1),
  );
  const variants = split ? import('../core/variants.ts') : undefined;
  // shadow.ts (docs/shadows.md), loaded only by a manifest with a shadow.
  const shadows = eager.some(([, prompt]) => prompt.shadow) ? import('./shadow.ts') : undefined;
  const compiled = new Map<string, CompiledPrompt>();
  await Promise.all(
    [...versions].map(async ([sha256, entry]) => {
      const known = previous?.compiled.get(sha256);
      compiled.set(
        sha256,
        known ?? (await compile({ body: await bodies.body(entry), variables: entry.variables })),
      );
    }),
  );
  const chooser = await variants;
  const shadowing = await shadows;
  const prompts = new Map<string, ServedPrompt>();
  for (const [id, prompt] of eager) {
    prompts.set(id, servePrompt(id, prompt, manifest.environment, compiled, chooser, shadowing));
  }
  const loaded: LoadedManifest = { manifest, prompts, compiled, fromFallback };
  return lazy ? (await lazy).withReferencedPrompts(loaded, referenced as string[], bodies, previous) : loaded;
}

/** The served prompt of a manifest entry whose every version is present and compiled in `compiled`. */
export function servePrompt(
  id: string,
  prompt: ManifestPrompt,
  environment: string,
  compiled: ReadonlyMap<string, CompiledPrompt>,
  chooser: Variants | undefined,
  shadowing: typeof import('./shadow.ts') | undefined,
): ServedPrompt {
  const served = (pin: ManifestPin, segment?: string) =>
    (pin.variants ?? [{ ...pin, weight: 100 }]).map(
      (entry) =>
        new ServedVersion(
          id,
          entry,
          environment,
          compiled.get(entry.sha256) as CompiledPrompt,
          entry.weight,
          segment,
        ),
    );
  const segments = prompt.segments
    ? new Map(
        Object.entries(prompt.segments).map(([name, pin]) => [
          name,
          new ServedPrompt(id, served(pin, name), chooser),
        ]),
      )
    : undefined;
  const defaults = served(prompt);
  return prompt.shadow && shadowing
    ? shadowing.shadowedPrompt(id, prompt, environment, defaults, compiled, chooser, segments)
    : new ServedPrompt(id, defaults, chooser, segments);
}
