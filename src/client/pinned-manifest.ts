/**
 * A schema 1 manifest with variants (A/B splits), segments' pins (docs/segments.md) or shadows
 * (docs/shadows.md) made ready to serve, as loaded-manifest.ts makes one whose every prompt has one
 * pin: loaded only for such a manifest, and by referenced.ts. Through load-path.ts it reaches the
 * client's load path, so its chunk shares that one chunk (load-path.ts).
 */
import './load-path.ts';
import type { CompiledPrompt } from '../core/compiled-prompt.ts';
import type { Manifest, ManifestPin, ManifestVersion } from '../core/manifest.ts';
import type { BodyStore } from './bodies.ts';
import {
  compileVersion,
  type LoadedManifest,
  type Pickable,
  type ServedPair,
  ServedVersion,
} from './loaded-manifest.ts';

/** core/variants.ts, loaded only by a manifest that splits a prompt between versions. */
type Variants = typeof import('../core/variants.ts');

export class ServedPrompt implements Pickable {
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
      compiled.set(sha256, known ?? (await compileVersion(entry, bodies)));
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
