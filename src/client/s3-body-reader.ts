/**
 * Reads a body stored by reference: the S3 object holds the full canonical document, whose SHA-256
 * must equal the version's hash. The body is the text after the front matter (no YAML parser needed).
 * Also reads version objects (manifest schema 2): `versions/<ref>.json`, whose base64url SHA-256
 * must equal the ref.
 * Each download is aborted after `timeoutMs`, and a client created here also has connection and
 * request timeouts, so a hung S3 endpoint cannot hold a manifest load forever.
 */
import './load-path.ts';
import { createHash } from 'node:crypto';
import type { S3Client } from '@aws-sdk/client-s3';
import { CLIENT_ENV } from '../core/client-contract.ts';
import { splitFrontMatter } from '../core/front-matter.ts';
import type { BodyRef, ManifestVersion } from '../core/manifest.ts';
import { versionObjectKey } from '../core/version-key.ts';
import type { BodyStoreOptions } from './bodies.ts';
import { PromptSourceError } from './errors.ts';

/** How long one download may take, unless the client says otherwise. */
const DEFAULT_TIMEOUT_MS = 5000;
/** The longest a client created here waits for a connection (within the request timeout). */
const CONNECTION_TIMEOUT_MS = 1000;

export class S3BodyReader {
  readonly #bucket: string | undefined;
  readonly #timeoutMs: number;
  #client: S3Client | undefined;
  readonly #bodies = new Map<string, Promise<string>>();

  constructor(options: BodyStoreOptions) {
    this.#client = options.client as S3Client | undefined;
    this.#bucket = options.bucket;
    this.#timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  }

  /** The body of `entry` (stored by reference), downloaded once per hash and kept for the life of the process. */
  body(entry: ManifestVersion): Promise<string> {
    const { sha256 } = entry;
    let body = this.#bodies.get(sha256);
    if (body === undefined) {
      body = this.read(entry.bodyRef as BodyRef, sha256);
      this.#bodies.set(sha256, body);
      // A failed download is forgotten, so the next manifest load tries again.
      body.catch(() => {
        if (this.#bodies.get(sha256) === body) this.#bodies.delete(sha256);
      });
    }
    return body;
  }

  async read(ref: BodyRef, sha256: string): Promise<string> {
    const bucket = this.#bucketOf(ref.bucket, ref.key);
    const bytes = await this.#get(bucket, ref.key);
    const actual = createHash('sha256').update(bytes).digest('hex');
    if (actual !== sha256) {
      throw new PromptSourceError(
        `The body s3://${bucket}/${ref.key} has SHA-256 ${actual} but the manifest expects ${sha256}: rejected`,
      );
    }
    const split = splitFrontMatter(new TextDecoder().decode(bytes));
    if (!split) {
      throw new PromptSourceError(`s3://${bucket}/${ref.key} is not a prompt document (no front matter)`);
    }
    return split.body;
  }

  /** The text of the version object `ref`, verified: its base64url SHA-256 is `ref`. */
  async readVersion(ref: string): Promise<string> {
    const key = versionObjectKey(ref);
    const bucket = this.#bucketOf(undefined, key);
    const bytes = await this.#get(bucket, key);
    const actual = createHash('sha256').update(bytes).digest('base64url');
    if (actual !== ref) {
      throw new PromptSourceError(
        `The version object s3://${bucket}/${key} has SHA-256 ${actual} (base64url) but the manifest references ${ref}: rejected`,
      );
    }
    return new TextDecoder().decode(bytes);
  }

  #bucketOf(named: string | undefined, key: string): string {
    const bucket = named ?? this.#bucket ?? process.env[CLIENT_ENV.bodyBucket];
    if (!bucket) {
      throw new PromptSourceError(
        `The manifest references ${key} without a bucket: set the client's bodyBucket option or ${CLIENT_ENV.bodyBucket}`,
      );
    }
    return bucket;
  }

  async #get(bucket: string, key: string): Promise<Uint8Array> {
    const sdk = await import('@aws-sdk/client-s3');
    const timeoutMs = this.#timeoutMs;
    if (this.#client === undefined) {
      const endpoint = process.env[CLIENT_ENV.s3Endpoint];
      this.#client = new sdk.S3Client({
        ...(endpoint ? { endpoint, forcePathStyle: true } : {}),
        requestHandler: {
          connectionTimeout: Math.min(CONNECTION_TIMEOUT_MS, timeoutMs),
          requestTimeout: timeoutMs,
          throwOnRequestTimeout: true,
        },
      });
    }
    // The signal also ends a body that stops arriving after the response headers.
    const out = await this.#client.send(new sdk.GetObjectCommand({ Bucket: bucket, Key: key }), {
      abortSignal: AbortSignal.timeout(timeoutMs),
    });
    const bytes = await out.Body?.transformToByteArray();
    if (!bytes) throw new PromptSourceError(`s3://${bucket}/${key} has no content`);
    return bytes;
  }
}
