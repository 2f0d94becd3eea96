/**
 * Builds an environment manifest from resolved pins. Bodies at or under the inline threshold travel
 * in the manifest; larger ones by S3 reference. The result must fit AppConfig's hosted
 * configuration limit, checked here before anything is sent.
 */
import { APPCONFIG, bodyObjectKey, LIMITS } from './contracts.ts';
import { documentBody, type PromptDocument, serializePromptDocument } from './document.ts';
import { ManifestTooLargeError, ValidationError } from './errors.ts';
import {
  MANIFEST_SCHEMA_VERSION,
  type Manifest,
  type ManifestPin,
  type ManifestPrompt,
  type ManifestVersion,
} from './manifest.ts';

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
  /** Mark every shadow `capture: true`: the environment captures shadow outputs (docs/shadows.md). @default false */
  readonly shadowOutputCapture?: boolean;
}

export interface BuiltManifest {
  readonly manifest: Manifest;
  /** The exact JSON sent to AppConfig. */
  readonly json: string;
  readonly bytes: number;
}

export function utf8Bytes(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}

export function buildManifest(input: BuildManifestInput, options: BuildManifestOptions = {}): BuiltManifest {
  const threshold = options.inlineThresholdBytes ?? LIMITS.inlineBodyThresholdBytes;
  const maxBytes = options.maxBytes ?? APPCONFIG.maxHostedConfigurationBytes;

  const entry = (resolved: ResolvedVersion): ManifestVersion => {
    const { document } = resolved;
    const body = documentBody(document);
    const base = {
      version: resolved.version,
      sha256: resolved.sha256,
      kind: document.kind,
      ...(document.model ? { model: document.model } : {}),
      variables: document.variables,
      ...(resolved.deprecated ? { deprecated: true as const } : {}),
    };
    if (utf8Bytes(body) <= threshold) return { ...base, body };
    const size = resolved.size ?? utf8Bytes(serializePromptDocument(document));
    return {
      ...base,
      bodyRef: {
        ...(options.bodyBucket ? { bucket: options.bodyBucket } : {}),
        key: bodyObjectKey(resolved.sha256),
        size,
      },
    };
  };

  const pin = (id: string, variants: readonly ResolvedVariant[]): ManifestPin => {
    const first = variants[0];
    if (!first) throw new ValidationError(`prompt ${id} has no version to deploy`);
    if (variants.length === 1 && first.weight === 100) return entry(first);
    const built = variants.map((v) => ({ ...entry(v), weight: v.weight }));
    const { weight: _weight, ...head } = built[0] as (typeof built)[number];
    return { ...head, variants: built };
  };

  const prompts: Record<string, ManifestPrompt> = {};
  for (const id of Object.keys(input.prompts).sort()) {
    const segments = input.segments?.[id] ?? {};
    const names = Object.keys(segments).sort();
    const shadow = input.shadows?.[id];
    prompts[id] = {
      ...pin(id, input.prompts[id] ?? []),
      ...(names.length > 0
        ? { segments: Object.fromEntries(names.map((name) => [name, pin(id, segments[name] ?? [])])) }
        : {}),
      ...(shadow
        ? {
            shadow: {
              ...entry(shadow),
              sampleRate: shadow.sampleRate,
              ...(options.shadowOutputCapture ? { capture: true as const } : {}),
            },
          }
        : {}),
    };
  }

  const manifest: Manifest = {
    schemaVersion: MANIFEST_SCHEMA_VERSION,
    environment: input.environment,
    revision: input.revision,
    generatedAt: input.generatedAt,
    prompts,
  };
  const json = JSON.stringify(manifest);
  const bytes = utf8Bytes(json);
  if (bytes > maxBytes) {
    const largest = Object.entries(prompts)
      .map(([id, p]) => ({ id, bytes: utf8Bytes(JSON.stringify(p)) }))
      .sort((a, b) => b.bytes - a.bytes)
      .slice(0, 3);
    throw new ManifestTooLargeError(bytes, maxBytes, largest);
  }
  return { manifest, json, bytes };
}
