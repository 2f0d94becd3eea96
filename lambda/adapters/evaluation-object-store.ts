/** Suite texts and large run results in the body bucket, content-addressed by SHA-256 (docs/evaluations.md). */
import { GetObjectCommand, NoSuchKey, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { EVALUATION_OUTPUT_KEY_PREFIX, SUITE_KEY_PREFIX } from '../../src/core/contracts.ts';
import { sha256Hex } from '../../src/core/hash.ts';
import type { EvaluationObjectStore } from '../evaluation/ports.ts';

export function suiteObjectKey(sha256: string): string {
  return `${SUITE_KEY_PREFIX}${sha256}.eval.yaml`;
}

export function evaluationOutputKey(sha256: string): string {
  return `${EVALUATION_OUTPUT_KEY_PREFIX}${sha256}.json`;
}

export class S3EvaluationObjectStore implements EvaluationObjectStore {
  private readonly client: S3Client;
  private readonly bucket: string;

  constructor(client: S3Client, bucket: string) {
    this.client = client;
    this.bucket = bucket;
  }

  putSuite(sha256: string, text: string): Promise<void> {
    return this.put(suiteObjectKey(sha256), text, 'application/yaml; charset=utf-8');
  }

  getSuite(sha256: string): Promise<string | undefined> {
    return this.get(suiteObjectKey(sha256), sha256);
  }

  putOutputs(sha256: string, json: string): Promise<void> {
    return this.put(evaluationOutputKey(sha256), json, 'application/json');
  }

  getOutputs(sha256: string): Promise<string | undefined> {
    return this.get(evaluationOutputKey(sha256), sha256);
  }

  private async put(key: string, body: string, contentType: string): Promise<void> {
    await this.client.send(
      new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: body, ContentType: contentType }),
    );
  }

  private async get(key: string, sha256: string): Promise<string | undefined> {
    let text: string;
    try {
      const object = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
      text = (await object.Body?.transformToString('utf-8')) ?? '';
    } catch (error) {
      if (error instanceof NoSuchKey || (error as Error).name === 'NoSuchKey') return undefined;
      throw error;
    }
    const actual = sha256Hex(text);
    if (actual !== sha256) throw new Error(`Stored object ${key} has SHA-256 ${actual}: it was altered`);
    return text;
  }
}
