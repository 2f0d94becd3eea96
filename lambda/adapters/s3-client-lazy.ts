/**
 * The S3 client made on the first S3 call rather than at init, for functions where only some routes
 * need S3: the deploy function's rollback, status and incident routes never read a body, so a cold
 * rollback during an incident does not wait for the S3 SDK, about a third of that function's import
 * time (docs/architecture.md "Cold starts"). The SDK is imported by package name, so the bundler
 * keeps it a real dynamic import; importing `./s3-client.ts` here would hoist the SDK into the
 * function's static imports.
 */
import type { S3Client } from '@aws-sdk/client-s3';
import { ENV } from '../../src/core/contracts.ts';
import { endpointOverride } from './aws-clients.ts';

/** A client now, or one made on first use. */
export type S3ClientSource = S3Client | (() => Promise<S3Client>);

let client: Promise<S3Client> | undefined;

/** The container's S3 client, created (and its SDK loaded) the first time it is asked for. */
export function lazyS3Client(): Promise<S3Client> {
  client ??= import('@aws-sdk/client-s3').then(({ S3Client }) => {
    const custom = endpointOverride(ENV.s3Endpoint);
    // Local S3 implementations serve buckets by path, not by virtual host.
    return new S3Client(custom.endpoint ? { ...custom, forcePathStyle: true } : {});
  });
  // A failed load (which would be a broken deployment package) is tried again on the next call.
  client.catch(() => {
    client = undefined;
  });
  return client;
}

/** The client a source names: the given one, or the lazy one made on first use. */
export function resolveS3Client(source: S3ClientSource): Promise<S3Client> {
  return typeof source === 'function' ? source() : Promise.resolve(source);
}
