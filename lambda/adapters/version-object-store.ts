/**
 * Version objects in the body bucket (`versions/<ref>.json`, docs/architecture.md "Ten thousand
 * prompts"), encrypted by the bucket's default like the documents. The S3 SDK loads on first use.
 */
import type { VersionObjectStore } from '../ports.ts';
import { resolveS3Client, type S3ClientSource } from './s3-client-lazy.ts';

let commands: Promise<typeof import('@aws-sdk/client-s3')> | undefined;
const s3Sdk = () => {
  commands ??= import('@aws-sdk/client-s3');
  return commands;
};

export class S3VersionObjectStore implements VersionObjectStore {
  private readonly client: S3ClientSource;
  private readonly bucket: string;

  constructor(client: S3ClientSource, bucket: string) {
    this.client = client;
    this.bucket = bucket;
  }

  async put(key: string, text: string): Promise<void> {
    const [client, { PutObjectCommand }] = await Promise.all([resolveS3Client(this.client), s3Sdk()]);
    await client.send(
      new PutObjectCommand({
        Bucket: this.bucket,
        Key: key,
        Body: text,
        ContentType: 'application/json; charset=utf-8',
      }),
    );
  }

  async get(key: string): Promise<string | undefined> {
    const [client, { GetObjectCommand }] = await Promise.all([resolveS3Client(this.client), s3Sdk()]);
    try {
      const object = await client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
      return (await object.Body?.transformToString('utf-8')) ?? '';
    } catch (error) {
      // By name: NoSuchKey is a class of the lazily loaded SDK.
      if ((error as Error).name === 'NoSuchKey') return undefined;
      throw error;
    }
  }
}
