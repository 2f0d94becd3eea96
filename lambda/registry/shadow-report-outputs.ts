/**
 * The captured shadow output pairs of a window (docs/shadows.md), read from S3 for
 * GET /prompts/{id}/shadow: the window's day prefixes are listed newest day first (each day's
 * objects newest first) until MAX_SHADOW_OBJECTS_READ keys are known, and those objects are read,
 * a few at a time, keeping at most MAX_SHADOW_PAIRS_READ pairs of the shadow version in the window.
 * The client writes them (src/client/shadow-capture.ts); an object that is not a pair is skipped.
 */
import type { S3Client } from '@aws-sdk/client-s3';
import {
  MAX_SHADOW_PAIRS_READ,
  parseShadowOutputPair,
  type ShadowOutputPair,
  shadowOutputDayPrefix,
  windowDays,
} from '../../src/core/shadow-outputs.ts';
import { resolveS3Client, type S3ClientSource } from '../adapters/s3-client-lazy.ts';

/** Objects read at most per report (pairs of other versions or outside the window are skipped). */
export const MAX_SHADOW_OBJECTS_READ = 2 * MAX_SHADOW_PAIRS_READ;
/** Objects read at once. */
const READ_CONCURRENCY = 8;

export interface ShadowOutputsQuery {
  readonly environment: string;
  readonly promptId: string;
  readonly shadowVersion: string;
  readonly start: Date;
  readonly end: Date;
}

/** Where the shadow report reads captured pairs. */
export interface ShadowOutputsReader {
  pairs(query: ShadowOutputsQuery): Promise<ShadowOutputPair[]>;
}

export interface S3ShadowOutputsOptions {
  /** @default MAX_SHADOW_PAIRS_READ */
  readonly maxPairs?: number;
  /** @default MAX_SHADOW_OBJECTS_READ */
  readonly maxObjects?: number;
}

/** The pairs in the bodies bucket, under shadow-outputs/. */
export function s3ShadowOutputs(
  source: S3ClientSource,
  bucket: string,
  options: S3ShadowOutputsOptions = {},
): ShadowOutputsReader {
  const maxPairs = options.maxPairs ?? MAX_SHADOW_PAIRS_READ;
  const maxListed = options.maxObjects ?? MAX_SHADOW_OBJECTS_READ;
  return {
    async pairs(query) {
      const [client, { GetObjectCommand, ListObjectsV2Command }] = await Promise.all([
        resolveS3Client(source),
        import('@aws-sdk/client-s3'),
      ]);
      const listed: { key: string; at: number }[] = [];
      // Newest day first, so the cap keeps the most recent pairs.
      for (const day of windowDays(query.start, query.end).reverse()) {
        const prefix = shadowOutputDayPrefix(query.environment, query.promptId, day);
        const dayKeys: { key: string; at: number }[] = [];
        let token: string | undefined;
        do {
          const page = await (client as S3Client).send(
            new ListObjectsV2Command({
              Bucket: bucket,
              Prefix: prefix,
              MaxKeys: Math.min(1000, maxListed - listed.length - dayKeys.length),
              ...(token ? { ContinuationToken: token } : {}),
            }),
          );
          for (const object of page.Contents ?? []) {
            if (object.Key) dayKeys.push({ key: object.Key, at: object.LastModified?.getTime() ?? 0 });
          }
          token = page.IsTruncated ? page.NextContinuationToken : undefined;
        } while (token && listed.length + dayKeys.length < maxListed);
        listed.push(...dayKeys.sort((a, b) => b.at - a.at));
        if (listed.length >= maxListed) break;
      }
      const keys = listed.slice(0, maxListed);
      const pairs: ShadowOutputPair[] = [];
      let next = 0;
      const worker = async () => {
        while (next < keys.length && pairs.length < maxPairs) {
          const { key } = keys[next++] as { key: string };
          const object = await (client as S3Client).send(new GetObjectCommand({ Bucket: bucket, Key: key }));
          const pair = parseShadowOutputPair((await object.Body?.transformToString()) ?? '');
          if (
            pair !== undefined &&
            pair.shadowVersion === query.shadowVersion &&
            Date.parse(pair.settledAt) >= query.start.getTime() &&
            Date.parse(pair.settledAt) < query.end.getTime() &&
            pairs.length < maxPairs
          )
            pairs.push(pair);
        }
      };
      await Promise.all(Array.from({ length: READ_CONCURRENCY }, worker));
      return pairs;
    },
  };
}
