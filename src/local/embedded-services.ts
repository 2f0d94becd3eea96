/**
 * Real DynamoDB and S3 implementations embedded in this process: dynalite and s3rver. Used by
 * local mode and by the integration tests, always on loopback.
 */
import { mkdir } from 'node:fs/promises';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import dynalite from 'dynalite';
import S3rver from 's3rver';

export interface EmbeddedService {
  readonly endpoint: string;
  close(): Promise<void>;
}

const LOOPBACK = '127.0.0.1';

/** dynalite; persisted under `directory` when given, in memory otherwise. Port 0 picks a free one. */
export async function startDynamoDb(
  options: { port?: number; directory?: string } = {},
): Promise<EmbeddedService> {
  if (options.directory) await mkdir(options.directory, { recursive: true });
  const server: Server = dynalite({
    ...(options.directory ? { path: options.directory } : {}),
    createTableMs: 0,
    deleteTableMs: 0,
    updateTableMs: 0,
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, LOOPBACK, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://${LOOPBACK}:${port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections?.();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

/** s3rver storing objects under `directory`, with the given buckets created. */
export async function startS3(options: {
  port?: number;
  directory: string;
  buckets: readonly string[];
}): Promise<EmbeddedService> {
  await mkdir(options.directory, { recursive: true });
  const s3 = new S3rver({
    address: LOOPBACK,
    port: options.port ?? 0,
    silent: true,
    directory: options.directory,
    configureBuckets: options.buckets.map((name) => ({ name })),
  });
  const { port } = await s3.run();
  return { endpoint: `http://${LOOPBACK}:${port}`, close: () => s3.close() };
}
