/** Prompt documents in S3, content-addressed by the SHA-256 of their canonical text. */
import { GetObjectCommand, NoSuchKey, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { bodyObjectKey } from '../../src/core/contracts.ts';
import { sha256Hex } from '../../src/core/hash.ts';
import type { BodyStore } from '../ports.ts';

export class S3BodyStore implements BodyStore {
  private readonly client: S3Client;
  private readonly bucket: string;

  constructor(client: S3Client, bucket: string) {
    this.client = client;
    this.bucket = bucket;
  }

  async put(sha256: string, text: string): Promise<void> {
    await this.client.send(
      new PutObjectCommand({
        Bucket: this.bucket,
        Key: bodyObjectKey(sha256),
        Body: text,
        ContentType: 'text/markdown; charset=utf-8',
      }),
    );
  }

  async get(sha256: string): Promise<string | undefined> {
    let text: string;
    try {
      const object = await this.client.send(
        new GetObjectCommand({ Bucket: this.bucket, Key: bodyObjectKey(sha256) }),
      );
      text = (await object.Body?.transformToString('utf-8')) ?? '';
    } catch (error) {
      if (error instanceof NoSuchKey || (error as Error).name === 'NoSuchKey') return undefined;
      throw error;
    }
    const actual = sha256Hex(text);
    if (actual !== sha256)
      throw new Error(`Stored document ${bodyObjectKey(sha256)} has SHA-256 ${actual}: it was altered`);
    return text;
  }
}
