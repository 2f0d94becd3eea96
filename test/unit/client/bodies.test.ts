/** Bodies stored by reference in S3: fetched once by hash, verified, rejected on mismatch. */
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, type Mock, vi } from 'vitest';
import { type ClientLogger, PromptClient, PromptSourceError } from '../../../src/client/index.ts';
import { bodyObjectKey } from '../../../src/core/contracts.ts';
import {
  APPLICATION,
  ENVIRONMENT,
  FakeAgent,
  storedDocument,
  supportDocument,
  supportManifest,
  testManifest,
  variant,
} from '../../fixtures/client-manifests.ts';

const s3 = mockClient(S3Client);
const BUCKET = 'promptops-bodies';
/** Every body goes by reference. */
const BY_REFERENCE = { inlineThresholdBytes: 0 };

const large = supportDocument('large');
const stored = storedDocument(large);
const referenced = (revision = 1, extra = {}) =>
  testManifest({ 'support-reply': [variant(large, '2.0.0')], ...extra }, { ...BY_REFERENCE, revision });

function s3Object(text: string) {
  const data = new TextEncoder().encode(text);
  return { Body: { transformToByteArray: async () => data } as never };
}

let agent: FakeAgent;
let agentUrl: string;
let warn: Mock<ClientLogger['warn']>;

function client(options: { fallbackPath?: string } = {}): PromptClient {
  return new PromptClient({
    application: APPLICATION,
    environment: ENVIRONMENT,
    source: { type: 'agent', url: agentUrl },
    s3Client: new S3Client({ region: 'eu-west-1' }),
    bodyBucket: BUCKET,
    logger: { warn },
    ...options,
  });
}

const advance = (seconds: number) => vi.setSystemTime(Date.now() + seconds * 1000);

beforeEach(async () => {
  s3.reset();
  vi.useFakeTimers({ toFake: ['Date'], now: new Date('2026-11-22T10:00:00Z') });
  warn = vi.fn<ClientLogger['warn']>();
  agent = new FakeAgent(referenced().json);
  agentUrl = await agent.start();
});

afterEach(async () => {
  vi.useRealTimers();
  await agent.stop();
});

describe('Class: PromptClient', () => {
  describe('Method: get (bodies stored by reference)', () => {
    it('downloads the document, verifies it and renders its body', async () => {
      s3.on(GetObjectCommand).resolves(s3Object(stored.text));
      expect(referenced().manifest.prompts['support-reply']?.bodyRef).toBeDefined();

      const p = await client().get('support-reply');

      expect(s3.commandCalls(GetObjectCommand)[0]?.args[0].input).toEqual({
        Bucket: BUCKET,
        Key: bodyObjectKey(stored.sha256),
      });
      expect(p).toMatchObject({ version: '2.0.0', sha256: stored.sha256, stale: false });
      expect(p.render({ customer_name: 'Ana', ticket: 'Refund?' })).toBe(
        'You are a support agent for Acme.\n\nCustomer: Ana\n\nlarge: answer in a friendly tone.\nRefund?',
      );
    });

    it('downloads each body once for the life of the client, across revisions', async () => {
      s3.on(GetObjectCommand).resolves(s3Object(stored.text));
      const prompts = client();
      await Promise.all(Array.from({ length: 20 }, () => prompts.get('support-reply')));
      agent.respond = () => ({
        body: referenced(2, { other: [variant(supportDocument('other', { id: 'other' }), '1.0.0')] }).json,
      });
      s3.on(GetObjectCommand, {
        Key: bodyObjectKey(storedDocument(supportDocument('other', { id: 'other' })).sha256),
      }).resolves(s3Object(storedDocument(supportDocument('other', { id: 'other' })).text));
      advance(46);
      await prompts.get('support-reply');
      await prompts.refresh();

      expect((await prompts.get('other')).version).toBe('1.0.0');
      const keys = s3.commandCalls(GetObjectCommand).map((call) => call.args[0].input.Key);
      expect(keys.filter((key) => key === bodyObjectKey(stored.sha256))).toHaveLength(1);
      expect(keys).toHaveLength(2);
    });

    it('rejects a manifest whose body does not match its hash and keeps the previous one', async () => {
      s3.on(GetObjectCommand).resolves(s3Object(stored.text));
      const prompts = client();
      await prompts.get('support-reply');
      const next = supportDocument('next');
      agent.respond = () => ({
        body: testManifest({ 'support-reply': [variant(next, '2.1.0')] }, { ...BY_REFERENCE, revision: 2 })
          .json,
      });
      s3.on(GetObjectCommand, { Key: bodyObjectKey(storedDocument(next).sha256) }).resolves(
        s3Object(`${storedDocument(next).text}tampered`),
      );

      advance(46);
      await prompts.get('support-reply');
      await prompts.refresh();

      expect(await prompts.get('support-reply')).toMatchObject({ version: '2.0.0', stale: true });
      expect(warn).toHaveBeenCalledWith(
        'Prompt refresh failed; serving the last good manifest',
        expect.objectContaining({
          error: 'PromptSourceError',
          message: expect.stringMatching(
            new RegExp(
              `SHA-256 [0-9a-f]{64} but the manifest expects ${storedDocument(next).sha256}: rejected`,
            ),
          ),
        }),
      );
    });

    it('fails the first load on a hash mismatch when there is no fallback', async () => {
      s3.on(GetObjectCommand).resolves(s3Object(stored.text.replace('large', 'LARGE')));

      const error = await client()
        .get('support-reply')
        .catch((e: unknown) => e);

      expect(error).toBeInstanceOf(PromptSourceError);
      expect((error as Error).cause).toMatchObject({ message: expect.stringContaining('rejected') });
    });

    it('keeps the last good manifest when S3 fails, and retries the body later', async () => {
      s3.on(GetObjectCommand).resolves(s3Object(stored.text));
      const prompts = client();
      await prompts.get('support-reply');
      const next = supportDocument('next');
      const nextKey = bodyObjectKey(storedDocument(next).sha256);
      agent.respond = () => ({
        body: testManifest({ 'support-reply': [variant(next, '2.1.0')] }, { ...BY_REFERENCE, revision: 2 })
          .json,
      });
      s3.on(GetObjectCommand, { Key: nextKey })
        .rejectsOnce(new Error('socket hang up'))
        .resolves(s3Object(storedDocument(next).text));

      advance(46);
      await prompts.get('support-reply');
      await prompts.refresh();
      expect(await prompts.get('support-reply')).toMatchObject({ version: '2.0.0', stale: true });

      advance(6);
      await prompts.get('support-reply');
      await prompts.refresh();
      expect(await prompts.get('support-reply')).toMatchObject({ version: '2.1.0', stale: false });
    });

    it('names the missing bucket setting', async () => {
      const prompts = new PromptClient({
        application: APPLICATION,
        environment: ENVIRONMENT,
        source: { type: 'agent', url: agentUrl },
        s3Client: new S3Client({ region: 'eu-west-1' }),
        logger: { warn },
      });
      vi.stubEnv('PROMPTOPS_BODY_BUCKET', '');
      try {
        const error = await prompts.get('support-reply').catch((e: unknown) => e);
        expect((error as Error).cause).toMatchObject({
          message: expect.stringMatching(
            /without a bucket: set the client's bodyBucket option or PROMPTOPS_BODY_BUCKET/,
          ),
        });
        expect(s3.commandCalls(GetObjectCommand)).toHaveLength(0);
      } finally {
        vi.unstubAllEnvs();
      }
    });

    it('serves inline bodies without touching S3', async () => {
      agent.respond = () => ({ body: supportManifest('1.0.0').json });

      await client().get('support-reply');

      expect(s3.commandCalls(GetObjectCommand)).toHaveLength(0);
    });
  });
});
