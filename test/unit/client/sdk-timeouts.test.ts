/**
 * The real AWS SDK clients the client library uses, against an endpoint that accepts connections and
 * never answers: a client PromptClient creates gives up on its own (request timeouts), and a client
 * the app gives is stopped by the abort signal. No SDK mock here: the request handlers run for real.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { AppConfigDataClient } from '@aws-sdk/client-appconfigdata';
import { S3Client } from '@aws-sdk/client-s3';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { S3BodyReader } from '../../../src/client/s3-body-reader.ts';
import { SdkSource } from '../../../src/client/sources/sdk.ts';
import { ENV } from '../../../src/core/contracts.ts';
import { APPLICATION, ENVIRONMENT, PROFILE } from '../../fixtures/client-manifests.ts';

const target = { application: APPLICATION, environment: ENVIRONMENT, profile: PROFILE };
const REGION = 'eu-west-1';

let server: Server;
let sockets: Socket[];
let endpoint: string;

/** The error `promise` rejects with, or a failure when it is still pending after `ms` (it hangs). */
async function rejection(promise: Promise<unknown>, ms = 8000): Promise<Error> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const hung = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`still pending after ${ms} ms`)), ms);
  });
  try {
    await Promise.race([promise, hung]);
  } catch (error) {
    if ((error as Error).message === `still pending after ${ms} ms`) throw error;
    return error as Error;
  } finally {
    clearTimeout(timer);
  }
  throw new Error('resolved, but a rejection was expected');
}

beforeEach(async () => {
  sockets = [];
  server = createServer((socket) => {
    sockets.push(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});

afterEach(async () => {
  vi.unstubAllEnvs();
  for (const socket of sockets) socket.destroy();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

describe('Class: SdkSource', () => {
  it('times out the requests of the AppConfigData client it creates', async () => {
    vi.stubEnv(ENV.appConfigDataEndpoint, endpoint);
    const source = new SdkSource(target, undefined, 45, 200);

    const error = await rejection(source.fetch());

    expect(error.name).toBe('TimeoutError');
    expect(sockets.length).toBeGreaterThan(0);
  });

  it("aborts the calls of the app's own AppConfigData client when the signal aborts", async () => {
    const client = new AppConfigDataClient({ endpoint, region: REGION });
    const source = new SdkSource(target, client, 45);

    const error = await rejection(source.fetch(AbortSignal.timeout(200)));

    expect(error.name).toBe('AbortError');
    client.destroy();
  });
});

describe('Class: S3BodyReader', () => {
  const ref = { bucket: 'promptops-bodies', key: 'bodies/abc.prompt.md', size: 100 };

  it('times out the requests of the S3 client it creates', async () => {
    vi.stubEnv(ENV.s3Endpoint, endpoint);
    const reader = new S3BodyReader({ timeoutMs: 200 });

    const error = await rejection(reader.read(ref, 'abc'));

    expect(['TimeoutError', 'AbortError']).toContain(error.name);
    expect(sockets.length).toBeGreaterThan(0);
  });

  it("aborts a download by the app's own S3 client after timeoutMs", async () => {
    const client = new S3Client({ endpoint, forcePathStyle: true, region: REGION });
    const reader = new S3BodyReader({ client, timeoutMs: 200 });

    const error = await rejection(reader.read(ref, 'abc'));

    expect(error.name).toBe('AbortError');
    client.destroy();
  });
});
