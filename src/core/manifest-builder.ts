/**
 * Builds an environment manifest from resolved pins. Bodies at or under the inline threshold travel
 * in the manifest (with their compiled programs, when asked); larger ones by S3 reference. Past the
 * target size (¾ of AppConfig's limit) programs are dropped largest body first, then bodies
 * move to S3 largest first, then (schema 2) whole versions become references to their version
 * objects, largest first (docs/architecture.md, "Ten thousand prompts"). The result must fit
 * AppConfig's hosted configuration limit, checked here before anything is sent.
 */
import { APPCONFIG, bodyObjectKey, LIMITS } from './contracts.ts';
import { documentBody, type PromptDocument, serializePromptDocument } from './document.ts';
import { ManifestTooLargeError, ValidationError } from './errors.ts';
import {
  type AnyManifest,
  MANIFEST_SCHEMA_VERSION,
  type Manifest,
  type ManifestVersion,
  type ManifestVersionRef,
  REFERENCING_MANIFEST_SCHEMA_VERSION,
} from './manifest.ts';
import type { ManifestProgram } from './manifest-program.ts';
import { manifestProgramOf } from './valid-body.ts';
import { type VersionObject, versionObject } from './version-object.ts';

export interface ResolvedVersion {
  readonly version: string;
  readonly sha256: string;
  readonly document: PromptDocument;
  /** Bytes of the canonical document text; computed when absent. */
  readonly size?: number;
  /** The version is deprecated: its manifest entry says so, for the client's DeprecatedServes. */
  readonly deprecated?: boolean;
}

export interface ResolvedVariant extends ResolvedVersion {
  readonly weight: number;
}

/**
 * A version known only by its version object (publish recorded the `ref`), its document not loaded:
 * it always travels as a reference (schema 2).
 */
export interface ReferencedVersion {
  readonly version: string;
  readonly sha256: string;
  readonly ref: string;
  readonly deprecated?: boolean;
}

export interface ReferencedVariant extends ReferencedVersion {
  readonly weight: number;
}

/** What a version position of the environment manifest is built from. */
export type DeployedVersion = ResolvedVersion | ReferencedVersion;
export type DeployedVariant = ResolvedVariant | ReferencedVariant;

export interface BuildManifestInput {
  readonly environment: string;
  readonly revision: number;
  readonly generatedAt: string;
  /** Per prompt id, its variants (one variant of weight 100 for a plain pin). */
  readonly prompts: Readonly<Record<string, readonly ResolvedVariant[]>>;
  /** Per prompt id, segment name -> its variants (docs/segments.md). @default none */
  readonly segments?: Readonly<Record<string, Readonly<Record<string, readonly ResolvedVariant[]>>>>;
  /** Per prompt id, its shadow candidate (docs/shadows.md). @default none */
  readonly shadows?: Readonly<Record<string, ResolvedShadowVersion>>;
}

/** A shadow candidate: a version and the share of calls that also run it. */
export interface ResolvedShadowVersion extends ResolvedVersion {
  readonly sampleRate: number;
}

export interface BuildManifestOptions {
  /** @default LIMITS.inlineBodyThresholdBytes (8 KiB) */
  readonly inlineThresholdBytes?: number;
  /** Bucket written into body references. @default none (readers use their configured bucket) */
  readonly bodyBucket?: string;
  /** @default APPCONFIG.maxHostedConfigurationBytes (1 MiB) */
  readonly maxBytes?: number;
  /** Past this size bodies move to S3, then versions become references. @default ¾ of maxBytes */
  readonly targetBytes?: number;
  /** Mark every shadow `capture: true`: the environment captures shadow outputs (docs/shadows.md). @default false */
  readonly shadowOutputCapture?: boolean;
  /**
   * Write each inline body's compiled program beside it (`program`, manifest-program.ts), so clients
   * render without parsing. Past the target size programs go first, largest body first, before any
   * body moves to S3: they never make a manifest spill. Deploy and `promptops snapshot` set it. @default false
   */
  readonly programs?: boolean;
}

export interface BuiltManifest {
  readonly manifest: Manifest;
  /** The exact JSON sent to AppConfig. */
  readonly json: string;
  readonly bytes: number;
}

/** Input of an environment manifest: pins whose versions may be known only by reference. */
export interface BuildEnvironmentManifestInput {
  readonly environment: string;
  readonly revision: number;
  readonly generatedAt: string;
  readonly prompts: Readonly<Record<string, readonly DeployedVariant[]>>;
  readonly segments?: Readonly<Record<string, Readonly<Record<string, readonly DeployedVariant[]>>>>;
  readonly shadows?: Readonly<Record<string, DeployedVersion & { readonly sampleRate: number }>>;
}

export interface BuiltEnvironmentManifest {
  /** Schema 1 when no version position is a reference, byte for byte what `buildManifest` gives. */
  readonly manifest: AnyManifest;
  readonly json: string;
  readonly bytes: number;
  /** Every ref the manifest names, each once, with its version (for the validator's checks). */
  readonly references: readonly { readonly ref: string; readonly version: string }[];
  /** The version objects built here from loaded documents, each once: deploy makes sure they exist. */
  readonly versionObjects: readonly VersionObject[];
}

export function utf8Bytes(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}

/** `program`: inline with its compiled program; then the body alone; then by S3 reference; then a version reference. */
type Mode = 'program' | 'inline' | 'bodyRef' | 'ref';

/** One version position: a pin's version or variant, a segment's, a shadow. */
interface Position {
  readonly resolved: DeployedVersion;
  mode: Mode;
  /** A variant's weight or a shadow's sample rate, written after the version's fields. */
  readonly extra: { readonly weight: number } | { readonly sampleRate: number } | Record<string, never>;
  /** 2 for a split's first variant, whose fields are also the pin's own. */
  readonly copies: number;
  /** Order of appearance, the tie-break that keeps the result deterministic. */
  readonly order: number;
  /** The body text, computed once (empty for a version known only by reference). */
  readonly body: string;
  readonly bodyBytes: number;
  /** The body's compiled program, when programs are written and the body is inline. */
  readonly program?: ManifestProgram;
  object?: VersionObject;
  /** Bytes of the canonical document text, for its bodyRef; computed once when needed. */
  documentBytes?: number;
}

interface PinPositions {
  readonly split: boolean;
  readonly variants: Position[];
}

interface PromptPositions {
  readonly pin: PinPositions;
  readonly segments: readonly (readonly [string, PinPositions])[];
  readonly shadow?: Position;
}

function hasDocument(version: DeployedVersion): version is ResolvedVersion {
  return (version as ResolvedVersion).document !== undefined;
}

/**
 * Builds the schema 1 manifest: bodies over the threshold by S3 reference, and past the target size
 * inline bodies moved to S3 largest first. ManifestTooLargeError when it is still over the limit.
 */
export function buildManifest(input: BuildManifestInput, options: BuildManifestOptions = {}): BuiltManifest {
  const built = build(input, options, false);
  return { manifest: built.manifest as Manifest, json: built.json, bytes: built.bytes };
}

/**
 * Builds the manifest deployed to an environment: as `buildManifest`, and when moving bodies to S3
 * is not enough, version positions become references to their version objects (schema 2), largest
 * first. ManifestTooLargeError when even all references are over the limit.
 */
export function buildEnvironmentManifest(
  input: BuildEnvironmentManifestInput,
  options: BuildManifestOptions = {},
): BuiltEnvironmentManifest {
  return build(input, options, true);
}

function build(
  input: BuildEnvironmentManifestInput,
  options: BuildManifestOptions,
  references: boolean,
): BuiltEnvironmentManifest {
  const threshold = options.inlineThresholdBytes ?? LIMITS.inlineBodyThresholdBytes;
  const maxBytes = options.maxBytes ?? APPCONFIG.maxHostedConfigurationBytes;
  const targetBytes = options.targetBytes ?? Math.floor(maxBytes * 0.75);

  const all: Position[] = [];
  const position = (resolved: DeployedVersion, extra: Position['extra'], copies = 1): Position => {
    if (!hasDocument(resolved) && !references) {
      throw new ValidationError(
        `version ${resolved.version} has no document to build a schema 1 manifest from`,
      );
    }
    const body = hasDocument(resolved) ? documentBody(resolved.document) : '';
    const bodyBytes = utf8Bytes(body);
    const inline = hasDocument(resolved) && bodyBytes <= threshold;
    const program =
      inline && options.programs
        ? manifestProgramOf(body, Object.keys(resolved.document.variables))
        : undefined;
    const mode: Mode = !hasDocument(resolved) ? 'ref' : program ? 'program' : inline ? 'inline' : 'bodyRef';
    const p: Position = {
      resolved,
      mode,
      extra,
      copies,
      order: all.length,
      body,
      bodyBytes,
      ...(program ? { program } : {}),
    };
    all.push(p);
    return p;
  };
  const pin = (id: string, variants: readonly DeployedVariant[]): PinPositions => {
    const first = variants[0];
    if (!first) throw new ValidationError(`prompt ${id} has no version to deploy`);
    if (variants.length === 1 && first.weight === 100)
      return { split: false, variants: [position(first, {})] };
    return {
      split: true,
      variants: variants.map((v, i) => position(v, { weight: v.weight }, i === 0 ? 2 : 1)),
    };
  };
  const prompts: [string, PromptPositions][] = [];
  for (const id of Object.keys(input.prompts).sort()) {
    const segments = input.segments?.[id] ?? {};
    const shadow = input.shadows?.[id];
    prompts.push([
      id,
      {
        pin: pin(id, input.prompts[id] ?? []),
        segments: Object.keys(segments)
          .sort()
          .map((name) => [name, pin(id, segments[name] ?? [])] as const),
        ...(shadow ? { shadow: position(shadow, { sampleRate: shadow.sampleRate }) } : {}),
      },
    ]);
  }

  const objectOf = (p: Position): VersionObject => {
    const resolved = p.resolved as ResolvedVersion;
    p.object ??= versionObject({
      version: resolved.version,
      sha256: resolved.sha256,
      kind: resolved.document.kind,
      ...(resolved.document.model ? { model: resolved.document.model } : {}),
      variables: resolved.document.variables,
      body: p.body,
    });
    return p.object;
  };
  const refOf = (p: Position): string => (hasDocument(p.resolved) ? objectOf(p).ref : p.resolved.ref);

  const render = (p: Position, mode: Mode = p.mode): ManifestVersion | ManifestVersionRef => {
    const resolved = p.resolved;
    const deprecated = resolved.deprecated ? { deprecated: true as const } : {};
    if (mode === 'ref') return { version: resolved.version, ref: refOf(p), ...deprecated };
    const { document } = resolved as ResolvedVersion;
    const base = {
      version: resolved.version,
      sha256: resolved.sha256,
      kind: document.kind,
      ...(document.model ? { model: document.model } : {}),
      variables: document.variables,
      ...deprecated,
    };
    if (mode === 'program') return { ...base, body: p.body, program: p.program as ManifestProgram };
    if (mode === 'inline') return { ...base, body: p.body };
    p.documentBytes ??= (resolved as ResolvedVersion).size ?? utf8Bytes(serializePromptDocument(document));
    const size = p.documentBytes;
    return {
      ...base,
      bodyRef: {
        ...(options.bodyBucket ? { bucket: options.bodyBucket } : {}),
        key: bodyObjectKey(resolved.sha256),
        size,
      },
    };
  };
  const renderPin = (positions: PinPositions) => {
    if (!positions.split) return render(positions.variants[0] as Position);
    const built = positions.variants.map((v) => ({ ...render(v), ...v.extra }));
    const { weight: _weight, ...head } = built[0] as (typeof built)[number] & { weight: number };
    return { ...head, variants: built };
  };
  const assemble = (): AnyManifest => {
    const entries: Record<string, unknown> = {};
    for (const [id, p] of prompts) {
      entries[id] = {
        ...renderPin(p.pin),
        ...(p.segments.length > 0
          ? { segments: Object.fromEntries(p.segments.map(([name, s]) => [name, renderPin(s)])) }
          : {}),
        ...(p.shadow
          ? {
              shadow: {
                ...render(p.shadow),
                ...p.shadow.extra,
                ...(options.shadowOutputCapture ? { capture: true as const } : {}),
              },
            }
          : {}),
      };
    }
    const referencing = all.some((p) => p.mode === 'ref');
    return {
      schemaVersion: referencing ? REFERENCING_MANIFEST_SCHEMA_VERSION : MANIFEST_SCHEMA_VERSION,
      environment: input.environment,
      revision: input.revision,
      generatedAt: input.generatedAt,
      prompts: entries,
    } as AnyManifest;
  };

  let manifest = assemble();
  let json = JSON.stringify(manifest);
  let bytes = utf8Bytes(json);
  if (bytes > targetBytes) {
    // A position's text is a part of the manifest's, so a change of mode changes the total by the
    // difference of the two texts (times two for a split's first variant, copied into the pin).
    const sizeOf = (p: Position, mode: Mode) => utf8Bytes(JSON.stringify(render(p, mode))) * p.copies;
    const moveTo = (mode: Mode, candidates: Position[]) => {
      for (const p of candidates) {
        if (bytes <= targetBytes) return;
        bytes -= sizeOf(p, p.mode) - sizeOf(p, mode);
        p.mode = mode;
      }
    };
    const largestFirst = (key: (p: Position) => number) => (a: Position, b: Position) =>
      key(b) - key(a) || a.order - b.order;
    moveTo('inline', all.filter((p) => p.mode === 'program').sort(largestFirst((p) => p.bodyBytes)));
    moveTo('bodyRef', all.filter((p) => p.mode === 'inline').sort(largestFirst((p) => p.bodyBytes)));
    if (references && bytes > targetBytes) {
      const current = new Map(all.map((p) => [p, sizeOf(p, p.mode)]));
      moveTo('ref', all.filter((p) => p.mode !== 'ref').sort(largestFirst((p) => current.get(p) ?? 0)));
    }
    manifest = assemble();
    json = JSON.stringify(manifest);
    bytes = utf8Bytes(json);
  }
  if (bytes > maxBytes) {
    const largest = Object.entries(manifest.prompts)
      .map(([id, p]) => ({ id, bytes: utf8Bytes(JSON.stringify(p)) }))
      .sort((a, b) => b.bytes - a.bytes)
      .slice(0, 3);
    throw new ManifestTooLargeError(bytes, maxBytes, largest);
  }
  const refs = new Map<string, string>();
  const objects = new Map<string, VersionObject>();
  for (const p of all) {
    if (p.mode !== 'ref') continue;
    refs.set(refOf(p), p.resolved.version);
    if (p.object) objects.set(p.object.ref, p.object);
  }
  return {
    manifest,
    json,
    bytes,
    references: [...refs].map(([ref, version]) => ({ ref, version })),
    versionObjects: [...objects.values()],
  };
}
