/**
 * Captured shadow outputs, the client side (docs/shadows.md): where an environment enables capture,
 * one primary/shadow output pair is written to S3 under `shadow-outputs/`, encrypted by the bucket's
 * default encryption (the data key). Capped: one write in flight and at most one pair per
 * `intervalMs` per client, outputs cut to MAX_CAPTURED_OUTPUT_CHARS. Never throws and never delays a
 * caller: `offer` returns at once and a failure is a rate-limited warning naming no output.
 * Loaded only with the first pair to store, and the S3 SDK only with the first write.
 */
import './load-path.ts';
import { randomUUID } from 'node:crypto';
import type { S3Client } from '@aws-sdk/client-s3';
import { CLIENT_ENV } from '../core/client-contract.ts';
import { MAX_CAPTURED_OUTPUT_CHARS, type ShadowOutputPair, shadowOutputKey } from '../core/shadow-outputs.ts';
import type { ClientLogger } from './logger.ts';
import type { AwsSdkClient } from './source-client.ts';

/** At most one pair per this many milliseconds per client. */
export const DEFAULT_CAPTURE_INTERVAL_MS = 1000;
/** How long one write may take. */
const WRITE_TIMEOUT_MS = 5000;
const CONNECTION_TIMEOUT_MS = 1000;

export interface ShadowCaptureOptions {
  /** An S3Client, described by shape (the client's s3Client option). */
  readonly client?: AwsSdkClient | undefined;
  /** @default the client's bodyBucket option, then PROMPTOPS_BODY_BUCKET */
  readonly bucket?: string | undefined;
  readonly log: ClientLogger;
  /** What a warning says of an error (logger.ts errorDetails, passed in so this chunk stays small). */
  readonly errorDetails: (error: unknown) => Record<string, unknown>;
  /** @default DEFAULT_CAPTURE_INTERVAL_MS */
  readonly intervalMs?: number;
  /** @default Date.now */
  readonly now?: () => number;
}

/** What the runner hands over once the candidate settled with an output. */
export interface CapturedOutputs {
  readonly environment: string;
  readonly promptId: string;
  readonly primaryVersion: string;
  readonly shadowVersion: string;
  readonly primaryOutput: string;
  readonly shadowOutput: string;
  readonly startedAt: number;
  readonly settledAt: number;
  readonly latencyMs: number;
}

function cut(text: string): { text: string; cut: boolean } {
  return text.length > MAX_CAPTURED_OUTPUT_CHARS
    ? { text: text.slice(0, MAX_CAPTURED_OUTPUT_CHARS), cut: true }
    : { text, cut: false };
}

/** The stored object of a pair: the outputs cut to size. */
export function pairOf(captured: CapturedOutputs): ShadowOutputPair {
  const primary = cut(captured.primaryOutput);
  const shadow = cut(captured.shadowOutput);
  return {
    environment: captured.environment,
    promptId: captured.promptId,
    primaryVersion: captured.primaryVersion,
    shadowVersion: captured.shadowVersion,
    primaryOutput: primary.text,
    shadowOutput: shadow.text,
    ...(primary.cut || shadow.cut ? { truncated: true as const } : {}),
    startedAt: new Date(captured.startedAt).toISOString(),
    settledAt: new Date(captured.settledAt).toISOString(),
    latencyMs: captured.latencyMs,
  };
}

export class ShadowCapture {
  readonly #options: ShadowCaptureOptions;
  readonly #intervalMs: number;
  readonly #now: () => number;
  #client: AwsSdkClient | undefined;
  #writing = false;
  #last = Number.NEGATIVE_INFINITY;
  /** The write in flight, for tests and for a caller that wants to flush before exiting. */
  #pending: Promise<void> = Promise.resolve();

  constructor(options: ShadowCaptureOptions) {
    this.#options = options;
    this.#client = options.client;
    this.#intervalMs = options.intervalMs ?? DEFAULT_CAPTURE_INTERVAL_MS;
    this.#now = options.now ?? Date.now;
  }

  /** The latest write; resolves when it is done (never rejects). */
  get pending(): Promise<void> {
    return this.#pending;
  }

  /**
   * Stores the pair unless a write is in flight or the last pair was taken less than `intervalMs`
   * ago (then it is skipped, not queued). Returns whether it was taken; never throws.
   */
  offer(captured: CapturedOutputs): boolean {
    try {
      const now = this.#now();
      if (this.#writing || now - this.#last < this.#intervalMs) return false;
      const bucket = this.#options.bucket ?? process.env[CLIENT_ENV.bodyBucket];
      if (!bucket) {
        this.#options.log.warn(
          `Shadow output not captured: no bucket (set the client's bodyBucket option or ${CLIENT_ENV.bodyBucket})`,
          { promptId: captured.promptId, version: captured.shadowVersion },
        );
        return false;
      }
      this.#writing = true;
      this.#last = now;
      this.#pending = this.#write(bucket, pairOf(captured))
        .catch((error: unknown) => {
          this.#options.log.warn('Shadow output capture failed', {
            promptId: captured.promptId,
            version: captured.shadowVersion,
            ...this.#options.errorDetails(error),
          });
        })
        .finally(() => {
          this.#writing = false;
        });
      return true;
    } catch (error) {
      this.#writing = false;
      this.#options.log.warn('Shadow output capture failed', this.#options.errorDetails(error));
      return false;
    }
  }

  async #write(bucket: string, pair: ShadowOutputPair): Promise<void> {
    const sdk = await import('@aws-sdk/client-s3');
    if (this.#client === undefined) {
      const endpoint = process.env[CLIENT_ENV.s3Endpoint];
      this.#client = new sdk.S3Client({
        ...(endpoint ? { endpoint, forcePathStyle: true } : {}),
        requestHandler: {
          connectionTimeout: CONNECTION_TIMEOUT_MS,
          requestTimeout: WRITE_TIMEOUT_MS,
          throwOnRequestTimeout: true,
        },
      }) as AwsSdkClient;
    }
    const key = shadowOutputKey(pair.environment, pair.promptId, new Date(pair.settledAt), randomUUID());
    // No encryption header: the bucket's default encryption (SSE-KMS with the data key) applies.
    await (this.#client as S3Client).send(
      new sdk.PutObjectCommand({
        Bucket: bucket,
        Key: key,
        Body: JSON.stringify(pair),
        ContentType: 'application/json',
      }),
      { abortSignal: AbortSignal.timeout(WRITE_TIMEOUT_MS) },
    );
  }
}
