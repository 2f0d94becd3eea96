/**
 * Prompt documents in S3, content-addressed by the SHA-256 of their canonical text. The S3 SDK's
 * commands are loaded on the first call, so a function given a lazy client (s3-client-lazy.ts) loads
 * none of the S3 SDK until it reads or writes a body.
 */
import { bodyObjectKey } from '../../src/core/contracts.ts';
import { sha256Hex } from '../../src/core/hash.ts';
import type { BodyStore } from '../ports.ts';
import { resolveS3Client, type S3ClientSource } from './s3-client-lazy.ts';

let commands: Promise<typeof import('@aws-sdk/client-s3')> | undefined;
const s3Sdk = () => {
  commands ??= import('@aws-sdk/client-s3');
  return commands;
};

export class S3BodyStore implements BodyStore {
  private readonly client: S3ClientSource;
  private readonly bucket: string;

  constructor(client: S3ClientSource, bucket: string) {
    this.client = client;
    this.bucket = bucket;
  }

  async put(sha256: string, text: string): Promise<void> {
    const [client, { PutObjectCommand }] = await Promise.all([resolveS3Client(this.client), s3Sdk()]);
    await client.send(
      new PutObjectCommand({
        Bucket: this.bucket,
        Key: bodyObjectKey(sha256),
        Body: text,
        ContentType: 'text/markdown; charset=utf-8',
      }),
    );
  }

  async get(sha256: string): Promise<string | undefined> {
    const [client, { GetObjectCommand }] = await Promise.all([resolveS3Client(this.client), s3Sdk()]);
    let text: string;
    try {
      const object = await client.send(
        new GetObjectCommand({ Bucket: this.bucket, Key: bodyObjectKey(sha256) }),
      );
      text = (await object.Body?.transformToString('utf-8')) ?? '';
    } catch (error) {
      // By name: NoSuchKey is a class of the lazily loaded SDK.
      if ((error as Error).name === 'NoSuchKey') return undefined;
      throw error;
    }
    const actual = sha256Hex(text);
    if (actual !== sha256)
      throw new Error(`Stored document ${bodyObjectKey(sha256)} has SHA-256 ${actual}: it was altered`);
    return text;
  }
}
