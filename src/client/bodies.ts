/**
 * Prompt bodies: inline in the manifest, or stored by reference in S3. A referenced body is
 * downloaded once per hash and kept for the life of the process (content addressing means it can
 * never change); the S3 code is loaded only when a manifest references a body. The store also
 * holds what referenced.ts keeps across revisions (version objects by ref).
 */
import type { ManifestVersion } from '../core/manifest.ts';
import type { ClientLogger } from './logger.ts';
import type { References } from './referenced.ts';
import type { S3BodyReader } from './s3-body-reader.ts';
import type { AwsSdkClient } from './source-client.ts';

export interface BodyStoreOptions {
  /** An S3Client, described by shape: the published declarations must not name the optional SDK's types. */
  readonly client?: AwsSdkClient | undefined;
  readonly bucket?: string | undefined;
  /** How long one download may take before it is given up (and forgotten, so it is tried again). */
  readonly timeoutMs?: number | undefined;
  /** The fallback snapshot, served for a referenced prompt that cannot be fetched and has no earlier copy. */
  readonly fallbackPath?: string | undefined;
  readonly log?: ClientLogger | undefined;
}

export class BodyStore {
  readonly options: BodyStoreOptions;
  #reader: Promise<S3BodyReader> | undefined;
  /** Created by referenced.ts when a manifest first references a version. */
  references: References | undefined;

  constructor(options: BodyStoreOptions) {
    this.options = options;
  }

  /** The S3 reader, loaded on first use and shared by bodies and version objects. */
  reader(): Promise<S3BodyReader> {
    this.#reader ??= import('./s3-body-reader.ts').then((m) => new m.S3BodyReader(this.options));
    return this.#reader;
  }

  /**
   * The sections text of a version: inline, or downloaded and verified against its SHA-256 (once per
   * hash, by the reader, which keeps it).
   */
  body(entry: ManifestVersion): string | Promise<string> {
    return entry.body ?? this.reader().then((reader) => reader.body(entry));
  }
}
