/** The S3 client, created once per Lambda container; PROMPTOPS_S3_ENDPOINT points it at a local S3. */
import { S3Client } from '@aws-sdk/client-s3';
import { ENV } from '../../src/core/contracts.ts';
import { endpointOverride } from './aws-clients.ts';

let s3Client: S3Client | undefined;

export function sharedS3Client(): S3Client {
  const custom = endpointOverride(ENV.s3Endpoint);
  // Local S3 implementations serve buckets by path, not by virtual host.
  s3Client ??= new S3Client(custom.endpoint ? { ...custom, forcePathStyle: true } : {});
  return s3Client;
}
