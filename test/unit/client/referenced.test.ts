/**
 * Versions stored by reference (manifest schema 2): fetched from S3 on a prompt's first get,
 * verified against the ref, kept across revisions; a failed fetch falls back and is retried later.
 */
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, type Mock, vi } from 'vitest';
import { type ClientLogger, PromptClient, PromptSourceError } from '../../../src/client/index.ts';
import { bodyObjectKey, versionObjectKey } from '../../../src/core/contracts.ts';
import { canonicalDocumentText } from '../../../src/core/hash.ts';
import type { ManifestVersion } from '../../../src/core/manifest.ts';
import { buildEnvironmentManifest } from '../../../src/core/manifest-builder.ts';
import { versionObjectKey as clientKey } from '../../../src/core/version-key.ts';
import { versionObject } from '../../../src/core/version-object.ts';
import {
  APPLICATION,
  type BuiltTestManifest,
  ENVIRONMENT,
  FakeAgent,
  supportDocument,
  temporaryDirectory,
  testManifest,
  variant,
} from '../../fixtures/client-manifests.ts';
import { scalePromptId, scaleResolved } from '../../fixtures/scale.ts';

const s3 = mockClient(S3Client);
const BUCKET = 'promptops-bodies';
const VALUES = { customer_name: 'Ana', ticket: 'Refund?' };

function s3Object(text: string) {
  const data = new TextEncoder().encode(text);
  return { Body: { transformToByteArray: async () => data } as never };
}

/** A version object for a full manifest version, as publish writes it. */
function objectOf(entry: ManifestVersion) {
  const { version, sha256, kind, model, variables, body } = entry;
  return versionObject({
    version,
    sha256,
    kind,
    ...(model ? { model } : {}),
    variables,
    body: body as string,
  });
}

/** The schema 1 manifest `built` with every version of `ids` (default: all) turned into a reference. */
function referencing(built: BuiltTestManifest, ids?: string[]) {
  const objects = new Map<string, string>();
  const refOf = <T extends ManifestVersion>(position: T) => {
    const { sha256, kind, model, variables, body, bodyRef, ...rest } = position;
    const object = objectOf(position);
    objects.set(object.key, object.text);
    return { ...rest, ref: object.ref };
  };
  const prompts = Object.fromEntries(
    Object.entries(built.manifest.prompts).map(([id, prompt]) => {
      if (ids !== undefined && !ids.includes(id)) return [id, prompt];
      const { segments, shadow, variants, ...own } = prompt;
      return [
        id,
        {
          ...refOf(own),
          ...(variants ? { variants: variants.map(refOf) } : {}),
          ...(segments
            ? {
                segments: Object.fromEntries(
                  Object.entries(segments).map(([name, pin]) => {
                    const { variants: split, ...pinOwn } = pin;
                    return [name, { ...refOf(pinOwn), ...(split ? { variants: split.map(refOf) } : {}) }];
                  }),
                ),
              }
            : {}),
          ...(shadow ? { shadow: refOf(shadow) } : {}),
        },
      ];
    }),
  );
  const manifest = { ...built.manifest, schemaVersion: 2, prompts };
  return { manifest, json: JSON.stringify(manifest), objects };
}

type Referencing = ReturnType<typeof referencing>;

/** Answers each version object `referenced` holds. */
function serve(...manifests: Referencing[]): void {
  for (const { objects } of manifests) {
    for (const [key, text] of objects) s3.on(GetObjectCommand, { Key: key }).resolves(s3Object(text));
  }
}

const fetchedKeys = () => s3.commandCalls(GetObjectCommand).map((call) => call.args[0].input.Key);

const other = (marker: string) => supportDocument(marker, { id: 'other-reply' });
const two = (revision = 1, version = '2.0.0', marker = 'large') =>
  referencing(
    testManifest(
      {
        'support-reply': [variant(supportDocument(marker), version)],
        'other-reply': [variant(other('other'), '1.0.0')],
      },
      { revision },
    ),
  );

let agent: FakeAgent;
let agentUrl: string;
let warn: Mock<ClientLogger['warn']>;
let files: ReturnType<typeof temporaryDirectory>;

function client(options: { fallbackPath?: string; prefetch?: string[] } = {}): PromptClient {
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

/** Serves `next` from the agent and lets the client load it. */
async function deploy(prompts: PromptClient, next: Referencing): Promise<void> {
  agent.respond = () => ({ body: next.json });
  advance(46);
  await prompts.get('support-reply').catch(() => undefined);
  await prompts.refresh();
}

beforeEach(async () => {
  s3.reset();
  vi.useFakeTimers({ toFake: ['Date'], now: new Date('2026-11-22T10:00:00Z') });
  warn = vi.fn<ClientLogger['warn']>();
  files = temporaryDirectory();
  agent = new FakeAgent(two().json);
  agentUrl = await agent.start();
});

afterEach(async () => {
  vi.useRealTimers();
  files.cleanup();
  await agent.stop();
});

describe('Class: PromptClient', () => {
  describe('Method: get (versions stored by reference)', () => {
    it('fetches a version object only on the first get of its prompt, then serves it from memory', async () => {
      const manifest = two();
      serve(manifest);
      const prompts = client();

      await prompts.refresh();
      expect(fetchedKeys()).toEqual([]);

      const p = await prompts.get('support-reply');
      const ref = manifest.manifest.prompts['support-reply']?.ref as string;
      expect(s3.commandCalls(GetObjectCommand)[0]?.args[0].input).toEqual({
        Bucket: BUCKET,
        Key: versionObjectKey(ref),
      });
      expect(p).toMatchObject({ id: 'support-reply', version: '2.0.0', kind: 'text', stale: false });
      expect(p.render(VALUES)).toBe(
        'You are a support agent for Acme.\n\nCustomer: Ana\n\nlarge: answer in a friendly tone.\nRefund?',
      );
      expect(await prompts.get('support-reply')).toBe(p);
      expect(fetchedKeys()).toHaveLength(1);

      await prompts.get('other-reply');
      expect(fetchedKeys()).toHaveLength(2);
    });

    it('shares one fetch between concurrent first gets', async () => {
      serve(two());
      const prompts = client();

      const got = await Promise.all(Array.from({ length: 20 }, () => prompts.get('support-reply')));

      expect(new Set(got.map((p) => p.version))).toEqual(new Set(['2.0.0']));
      expect(fetchedKeys()).toHaveLength(1);
    });

    it('reuses every version it has fetched in a new revision, and fetches only the new ones', async () => {
      const first = two(1);
      serve(first);
      const prompts = client();
      await prompts.get('support-reply');
      await prompts.get('other-reply');
      const second = referencing(
        testManifest(
          {
            'support-reply': [variant(supportDocument('large'), '2.0.0')],
            'other-reply': [variant(other('other'), '1.0.0')],
            'third-reply': [variant(supportDocument('third', { id: 'third-reply' }), '1.0.0')],
          },
          { revision: 2 },
        ),
      );
      serve(second);

      await deploy(prompts, second);
      const p = await prompts.get('support-reply');
      await prompts.get('other-reply');
      await prompts.get('third-reply');

      expect(p).toMatchObject({ version: '2.0.0', stale: false });
      expect(fetchedKeys()).toHaveLength(3);
    });

    it('serves the previous revision when a new version fails verification, and retries it later', async () => {
      serve(two(1));
      const prompts = client();
      await prompts.get('support-reply');
      const next = two(2, '2.1.0', 'next');
      const [key, text] = [...next.objects].find(([, t]) => t.includes('"2.1.0"')) as [string, string];
      s3.on(GetObjectCommand, { Key: key })
        .resolvesOnce(s3Object(text.replace('next:', 'evil:')))
        .resolves(s3Object(text));

      await deploy(prompts, next);
      expect(await prompts.get('support-reply')).toMatchObject({ version: '2.0.0', stale: true });
      // Warnings are written asynchronously: the logger's code loads with the first.
      await vi.waitFor(() =>
        expect(warn).toHaveBeenCalledWith(
          'A referenced prompt version could not be fetched',
          expect.objectContaining({
            promptId: 'support-reply',
            error: 'PromptSourceError',
            message: expect.stringContaining('but the manifest references'),
          }),
        ),
      );
      // Within the pause after a failure the fallback is served without another fetch.
      expect(await prompts.get('support-reply')).toMatchObject({ version: '2.0.0', stale: true });
      expect(fetchedKeys().filter((k) => k === key)).toHaveLength(1);

      advance(2);
      expect(await prompts.get('support-reply')).toMatchObject({ version: '2.1.0', stale: false });
      expect(fetchedKeys().filter((k) => k === key)).toHaveLength(2);
    });

    it('rejects a version object holding another version than the manifest names', async () => {
      const manifest = two();
      const entry = manifest.manifest.prompts['support-reply'] as { ref: string };
      const wrong = two(1, '9.9.9').manifest.prompts['support-reply'] as { ref: string };
      const [, wrongText] = [...two(1, '9.9.9').objects].find(([k]) => k === versionObjectKey(wrong.ref)) as [
        string,
        string,
      ];
      // A manifest naming 2.0.0 with the ref of the object holding 9.9.9.
      const lying = JSON.parse(manifest.json.replace(entry.ref, wrong.ref));
      agent.respond = () => ({ body: JSON.stringify(lying) });
      s3.on(GetObjectCommand, { Key: versionObjectKey(wrong.ref) }).resolves(s3Object(wrongText));

      const error = await client()
        .get('support-reply')
        .catch((e: unknown) => e);

      expect(error).toBeInstanceOf(PromptSourceError);
      expect((error as Error).cause).toMatchObject({
        message: expect.stringContaining('holds version 9.9.9 but the manifest names it as 2.0.0'),
      });
    });

    it('rejects with PromptSourceError when nothing earlier can serve it, and fetches again later', async () => {
      const manifest = two();
      const key = versionObjectKey(manifest.manifest.prompts['support-reply']?.ref as string);
      const text = manifest.objects.get(key) as string;
      s3.on(GetObjectCommand, { Key: key }).rejectsOnce(new Error('socket hang up')).resolves(s3Object(text));
      const prompts = client();

      const error = await prompts.get('support-reply').catch((e: unknown) => e);
      expect(error).toBeInstanceOf(PromptSourceError);
      expect((error as Error).message).toMatch(
        /"support-reply" \(version 2\.0\.0\) is stored by reference and could not be fetched \(Error: socket hang up\)/,
      );

      advance(2);
      expect(await prompts.get('support-reply')).toMatchObject({ version: '2.0.0', stale: false });
    });

    it("serves the fallback snapshot's entry when the first fetch fails", async () => {
      const fallbackPath = files.write(
        'snapshot.json',
        testManifest({ 'support-reply': [variant(supportDocument('snap'), '1.0.0')] }).json,
      );
      s3.on(GetObjectCommand).rejects(new Error('AccessDenied'));

      const p = await client({ fallbackPath }).get('support-reply');

      expect(p).toMatchObject({ version: '1.0.0', stale: true });
      expect(p.render(VALUES)).toContain('snap: answer');
    });

    it('serves inline prompts of a schema 2 manifest without S3', async () => {
      const manifest = referencing(
        testManifest({
          'support-reply': [variant(supportDocument('inline'), '1.0.0')],
          'other-reply': [variant(other('other'), '1.0.0')],
        }),
        ['other-reply'],
      );
      agent.respond = () => ({ body: manifest.json });

      const p = await client().get('support-reply');

      expect(p.render(VALUES)).toContain('inline: answer');
      expect(fetchedKeys()).toEqual([]);
    });

    it('splits between referenced variants by weight and keeps deploy-time facts from the manifest', async () => {
      const built = testManifest({
        'support-reply': [
          variant(supportDocument('a'), '1.0.0', 50),
          variant(supportDocument('b'), '2.0.0', 50),
        ],
      });
      const manifest = referencing(built);
      const prompt = manifest.manifest.prompts['support-reply'] as unknown as {
        variants: { deprecated?: true }[];
      };
      (prompt.variants[1] as { deprecated?: true }).deprecated = true;
      const json = JSON.stringify(manifest.manifest);
      agent.respond = () => ({ body: json });
      serve(manifest);
      const prompts = client();

      const versions = new Map<string, boolean>();
      for (let i = 0; i < 40; i++) {
        const p = await prompts.get('support-reply', { key: `user-${i}` });
        versions.set(p.version, p.deprecated);
      }

      expect(versions).toEqual(
        new Map([
          ['1.0.0', false],
          ['2.0.0', true],
        ]),
      );
      expect(fetchedKeys()).toHaveLength(2);
    });
  });

  describe('Method: get (a manifest the builder spilled to references)', () => {
    it('serves prompts of 3 KB past the size target, each fetched on its own first get', async () => {
      // 400 prompts spilled to body references still fit 1 MiB, so a 50 KB target makes references.
      const resolved = scaleResolved(400);
      const built = buildEnvironmentManifest(
        {
          environment: ENVIRONMENT,
          revision: 1,
          generatedAt: '2026-11-22T10:00:00.000Z',
          prompts: resolved,
        },
        { targetBytes: 50_000 },
      );
      expect(built.manifest.schemaVersion).toBe(2);
      agent.respond = () => ({ body: built.json });
      for (const object of built.versionObjects) {
        s3.on(GetObjectCommand, { Key: object.key }).resolves(s3Object(object.text));
      }
      for (const [variant] of Object.values(resolved)) {
        const { document, sha256 } = variant as (typeof resolved)[string][number];
        s3.on(GetObjectCommand, { Key: bodyObjectKey(sha256) }).resolves(
          s3Object(canonicalDocumentText(document)),
        );
      }
      const prompts = client();
      await prompts.refresh();
      // Nothing is downloaded at load: neither version objects nor the bodies spilled to S3.
      expect(fetchedKeys()).toEqual([]);

      const read = [0, 199, 399].map(scalePromptId);
      for (const id of read) {
        const p = await prompts.get(id);
        expect(p).toMatchObject({ id, version: '1.0.0', stale: false });
        expect(p.render({ customer_name: 'Ana', ticket: 'a refund' })).toContain(
          `Prompt ${id.slice(-3).replace(/^0+(?=.)/, '')} answers`,
        );
      }

      // One download per prompt read: its version object, or its body spilled to S3.
      expect(fetchedKeys()).toHaveLength(read.length);
      expect(read.some((id) => 'ref' in (built.manifest.prompts[id] as object))).toBe(true);
    });
  });

  describe('Option: prefetch', () => {
    it('fetches the listed prompts with the manifest, so their first get does not wait on S3', async () => {
      const manifest = two();
      serve(manifest);
      const prompts = client({ prefetch: ['support-reply', 'not-deployed'] });

      await prompts.refresh();
      const ref = manifest.manifest.prompts['support-reply']?.ref as string;
      expect(fetchedKeys()).toEqual([versionObjectKey(ref)]);
      await prompts.get('support-reply');
      expect(fetchedKeys()).toHaveLength(1);
      expect(warn).toHaveBeenCalledWith('A prefetch prompt id is not in the manifest', {
        promptId: 'not-deployed',
        environment: ENVIRONMENT,
      });
    });

    it('loads the manifest even when a prefetch fails, and fetches that prompt on its get', async () => {
      const manifest = two();
      const ref = manifest.manifest.prompts['support-reply']?.ref as string;
      s3.on(GetObjectCommand, { Key: versionObjectKey(ref) })
        .rejectsOnce(new Error('throttled'))
        .resolves(s3Object(manifest.objects.get(versionObjectKey(ref)) as string));
      const prompts = client({ prefetch: ['support-reply'] });

      await prompts.refresh();
      advance(2);

      expect(await prompts.get('support-reply')).toMatchObject({ version: '2.0.0', stale: false });
      expect(fetchedKeys()).toHaveLength(2);
    });

    it('names an invalid prefetch option', () => {
      expect(() => client({ prefetch: 'support-reply' as never })).toThrow(
        /prefetch must be a list of prompt ids, got "support-reply"/,
      );
      expect(() => client({ prefetch: [''] })).toThrow(/prefetch must be a list of prompt ids/);
    });
  });
});

describe('Function: versionObjectKey', () => {
  it('is the key publish and deploy write (core contracts.ts), in the module the client bundles', () => {
    const ref = 'A'.repeat(43);
    expect(clientKey(ref)).toBe(versionObjectKey(ref));
  });
});
