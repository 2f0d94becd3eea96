/**
 * Shadow deployments, the client side (docs/shadows.md): which calls get `p.shadow`, and `runShadow`,
 * which runs the candidate in the background, never throwing into the caller nor holding it, under
 * its concurrency and time caps, recording the candidate's outcome with Role=shadow only.
 */
import { fileURLToPath } from 'node:url';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { build } from 'esbuild';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it, type Mock, vi } from 'vitest';
import {
  type ClientLogger,
  type Prompt,
  PromptClient,
  type PromptClientOptions,
  type ShadowCall,
} from '../../../src/client/index.ts';
import { shadowPoint, shadowSampler } from '../../../src/client/shadow.ts';
import { bodyObjectKey } from '../../../src/core/contracts.ts';
import type { Manifest, ManifestPrompt } from '../../../src/core/manifest.ts';
import { DIMENSION_SETS } from '../../../src/core/metrics.ts';
import { SHADOW_DIMENSION_SETS } from '../../../src/core/outcome-metrics.ts';
import { chooseVariant } from '../../../src/core/variants.ts';
import {
  APPLICATION,
  chatDocument,
  ENVIRONMENT,
  storedDocument,
  supportDocument,
  temporaryDirectory,
  testManifest,
  variant,
} from '../../fixtures/client-manifests.ts';

const ID = 'support-reply';
const VALUES = { customer_name: 'Ana', tone: 'calm', ticket: 'Refund?' };

/** A candidate that differs from the primary in body, a variable and the model. */
const candidateDocument = supportDocument('candidate', {
  variables: {
    customer_name: { type: 'string', required: true },
    tone: { type: 'string', required: false, default: 'friendly' },
    ticket: { type: 'string', required: true },
    locale: { type: 'string', required: false, default: 'en' },
  },
  model: { provider: 'bedrock', id: 'anthropic.claude-haiku-4', temperature: 0 },
  sections: [
    { name: 'role', content: 'You are a support agent for Acme.' },
    { name: 'context', content: 'Customer: {{customer_name}} ({{locale}})' },
    { name: 'instructions', content: 'candidate: answer in a {{tone}} tone.\n{{ticket}}' },
  ],
});

/** The manifest of `primary` for support-reply (plus a chat prompt with no shadow), with a shadow. */
function shadowManifest(
  sampleRate: number,
  {
    primary = [variant(supportDocument('primary'), '1.0.0')],
    byReference = false,
    segments,
  }: {
    primary?: ReturnType<typeof variant>[];
    byReference?: boolean;
    segments?: Manifest['prompts'][string]['segments'];
  } = {},
): { json: string; manifest: Manifest } {
  const { manifest } = testManifest(
    { [ID]: primary, 'triage-chat': [variant(chatDocument(), '1.0.0')] },
    { revision: 3 },
  );
  const candidate = testManifest(
    { [ID]: [variant(candidateDocument, '1.1.0')] },
    byReference ? { inlineThresholdBytes: 0 } : {},
  ).manifest.prompts[ID] as ManifestPrompt;
  const entry: ManifestPrompt = {
    ...(manifest.prompts[ID] as ManifestPrompt),
    ...(segments ? { segments } : {}),
    shadow: { ...candidate, sampleRate },
  };
  const withShadow: Manifest = { ...manifest, prompts: { ...manifest.prompts, [ID]: entry } };
  return { json: JSON.stringify(withShadow), manifest: withShadow };
}

let files: ReturnType<typeof temporaryDirectory>;
let lines: string[];
let warn: Mock<ClientLogger['warn']>;

function client(json: string, options: Partial<PromptClientOptions> = {}): PromptClient {
  return new PromptClient({
    application: APPLICATION,
    environment: ENVIRONMENT,
    source: { type: 'file', path: files.write(`manifest-${Math.random()}.json`, json) },
    logger: { warn },
    writeLine: (line) => lines.push(line),
    ...options,
  });
}

const docs = () => lines.map((line) => JSON.parse(line) as Record<string, unknown>);
const shadowDocs = () => docs().filter((doc) => doc.Role === 'shadow');
const dimensionsOf = (doc: Record<string, unknown>) =>
  (doc._aws as { CloudWatchMetrics: { Dimensions: string[][] }[] }).CloudWatchMetrics[0]?.Dimensions;

/** Lets the background work run: the runner's module promise, the call, its line. */
async function settle(): Promise<void> {
  for (let i = 0; i < 20; i++) await Promise.resolve();
  await new Promise((resolve) => setImmediate(resolve));
}

/** A sampled prompt: sampleRate 1 samples every call. */
async function sampled(prompts: PromptClient, key?: string): Promise<Prompt> {
  const p = await prompts.get(ID, key === undefined ? {} : { key });
  expect(p.shadow).toBeDefined();
  return p;
}

beforeEach(() => {
  files = temporaryDirectory();
  lines = [];
  warn = vi.fn<ClientLogger['warn']>();
});

afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
  files.cleanup();
});

describe('Module: shadow.ts', () => {
  it('is loaded only by dynamic import, so an app without a shadow never loads it', async () => {
    const root = fileURLToPath(new URL('../../..', import.meta.url));
    const { metafile } = await build({
      entryPoints: [`${root}src/client/index.ts`],
      absWorkingDir: root,
      bundle: true,
      write: false,
      metafile: true,
      platform: 'node',
      format: 'esm',
      packages: 'external',
      outdir: `${root}dist-unused`,
      logLevel: 'silent',
    });
    const imports = Object.entries(metafile.inputs).flatMap(([from, input]) =>
      input.imports.filter((i) => i.path === 'src/client/shadow.ts').map((i) => ({ from, kind: i.kind })),
    );
    expect(imports.map((i) => i.from).sort()).toEqual([
      'src/client/client.ts',
      'src/client/pinned-manifest.ts',
    ]);
    for (const { kind } of imports) expect(kind).toBe('dynamic-import');
  });
});

describe('Function: shadowSampler', () => {
  it('samples a share of keys close to sampleRate, and the same key always the same way', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0.05, max: 1, noNaN: true }),
        fc.string({ minLength: 1, maxLength: 20 }),
        (rate, salt) => {
          const isSampled = shadowSampler(ID, rate);
          const keys = Array.from({ length: 2000 }, (_, i) => `${salt}-${i}`);
          const share = keys.filter((key) => isSampled(key)).length / keys.length;
          // Four standard deviations of a binomial share over 2000 keys.
          expect(Math.abs(share - rate)).toBeLessThanOrEqual(
            4 * Math.sqrt((rate * (1 - rate)) / 2000) + 1e-9,
          );
          for (const key of keys.slice(0, 50)) expect(isSampled(key)).toBe(isSampled(key));
          // Another sampler for the same prompt (another process) decides the same.
          const again = shadowSampler(ID, rate);
          for (const key of keys.slice(0, 50)) expect(again(key)).toBe(isSampled(key));
        },
      ),
      { numRuns: 40 },
    );
  });

  it('keeps a key in at a higher rate once in at a lower one (raising the rate only adds keys)', () => {
    fc.assert(
      fc.property(
        fc.string({ minLength: 1 }),
        fc.double({ min: 0.001, max: 1, noNaN: true }),
        fc.double({ min: 0.001, max: 1, noNaN: true }),
        (key, a, b) => {
          const [low, high] = a < b ? [a, b] : [b, a];
          if (shadowSampler(ID, low)(key)) expect(shadowSampler(ID, high)(key)).toBe(true);
        },
      ),
    );
  });

  it('samples every key at sampleRate 1, places each key in [0, 1), and decides by the point', () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), (key, id) => {
        const point = shadowPoint(key, id);
        expect(point).toBeGreaterThanOrEqual(0);
        expect(point).toBeLessThan(1);
        expect(shadowSampler(id, 1)(key)).toBe(true);
      }),
    );
    fc.assert(
      fc.property(
        fc.string(),
        fc.string(),
        fc.double({ min: 0.001, max: 1, noNaN: true }),
        (key, id, rate) => {
          expect(shadowSampler(id, rate)(key)).toBe(shadowPoint(key, id) < rate);
        },
      ),
    );
  });

  it('is Murmur3 (x86, 32-bit) of the UTF-16LE bytes of the padded prefix and the key, as other clients can compute', () => {
    // Vectors from an independent Murmur3 implementation over (id + "\0shadow\0", padded to an even
    // length with \0, + key).encode("utf-16-le"), seed 0x2f6ba9c1, divided by 2^32.
    expect(shadowPoint('user-1001', 'support-reply')).toBe(0.9303443611133844);
    expect(shadowPoint('x', 'ab')).toBe(0.6199402995407581);
    expect(shadowPoint('', 'abc')).toBe(0.8271213863044977);
    expect(shadowPoint('héllo✓', 'p')).toBe(0.7626386824995279);
    expect(shadowPoint('abcd', 'a')).toBe(0.5194087706040591);
  });

  it('is independent of the variant split: each variant gets the same sampled share', () => {
    const variants = [
      { version: 'a', weight: 50 },
      { version: 'b', weight: 50 },
    ];
    const isSampled = shadowSampler(ID, 0.3);
    const counts = { a: [0, 0], b: [0, 0] } as Record<string, [number, number]>;
    for (let i = 0; i < 20_000; i++) {
      const key = `user-${i}`;
      const tally = counts[chooseVariant(variants, key, ID).version] as [number, number];
      tally[0]++;
      if (isSampled(key)) tally[1]++;
    }
    for (const [total, hits] of Object.values(counts)) {
      expect(total).toBeGreaterThan(9000);
      expect(Math.abs(hits / total - 0.3)).toBeLessThan(0.02);
    }
  });

  it('samples each keyless call at random, at about sampleRate', () => {
    const isSampled = shadowSampler(ID, 0.25);
    const share = Array.from({ length: 20_000 }, () => isSampled(undefined)).filter(Boolean).length / 20_000;
    expect(Math.abs(share - 0.25)).toBeLessThan(0.02);
  });

  it('samples a different set of keys for each prompt', () => {
    const keys = Array.from({ length: 2000 }, (_, i) => `user-${i}`);
    const a = shadowSampler('support-reply', 0.5);
    const b = shadowSampler('triage-chat', 0.5);
    const agree = keys.filter((key) => a(key) === b(key)).length / keys.length;
    expect(Math.abs(agree - 0.5)).toBeLessThan(0.05);
  });
});

describe('Class: PromptClient', () => {
  describe('Property: shadow', () => {
    it('is the candidate for a sampled call: its own version, body, variables and model', async () => {
      const prompts = client(shadowManifest(1).json);
      const p = await sampled(prompts, 'user-1');
      const candidate = p.shadow as Prompt;
      expect(p).toMatchObject({ id: ID, version: '1.0.0', role: 'primary' });
      expect(candidate).toMatchObject({
        id: ID,
        version: '1.1.0',
        environment: ENVIRONMENT,
        role: 'shadow',
        stale: false,
        segment: undefined,
        shadow: undefined,
        model: { provider: 'bedrock', id: 'anthropic.claude-haiku-4', temperature: 0 },
      });
      expect(Object.keys(candidate.variables)).toContain('locale');
      expect(p.render(VALUES)).toContain('primary: answer in a calm tone.');
      expect(candidate.render(VALUES)).toBe(
        'You are a support agent for Acme.\n\nCustomer: Ana (en)\n\ncandidate: answer in a calm tone.\nRefund?',
      );
      expect(() => p.render({ ...VALUES, locale: 'pt' })).toThrow(/locale/);
    });

    it('is undefined for an unsampled call, and always for a prompt without a shadow', async () => {
      const { json } = shadowManifest(0.3);
      const prompts = client(json);
      const isSampled = shadowSampler(ID, 0.3);
      for (let i = 0; i < 200; i++) {
        const key = `user-${i}`;
        const p = await prompts.get(ID, { key });
        expect(p.shadow !== undefined, key).toBe(isSampled(key));
        expect(p.version).toBe('1.0.0');
      }
      for (let i = 0; i < 50; i++)
        expect((await prompts.get('triage-chat', { key: `user-${i}` })).shadow).toBe(undefined);
      const plain = client(testManifest({ [ID]: [variant(supportDocument('primary'), '1.0.0')] }).json);
      for (let i = 0; i < 50; i++) expect((await plain.get(ID, { key: `user-${i}` })).shadow).toBeUndefined();
    });

    it('keeps one user in or out on every call and every client, and samples keyless calls at the rate', async () => {
      const { json } = shadowManifest(0.5);
      const first = client(json);
      const second = client(json);
      let sampledKeys = 0;
      for (let i = 0; i < 100; i++) {
        const key = `tenant-${i}`;
        const inFirst = (await first.get(ID, { key })).shadow !== undefined;
        for (let call = 0; call < 3; call++) {
          expect((await first.get(ID, { key })).shadow !== undefined).toBe(inFirst);
          expect((await second.get(ID, { key })).shadow !== undefined).toBe(inFirst);
        }
        if (inFirst) sampledKeys++;
      }
      expect(sampledKeys).toBeGreaterThan(30);
      expect(sampledKeys).toBeLessThan(70);
      let keyless = 0;
      for (let i = 0; i < 2000; i++) if ((await first.get(ID)).shadow !== undefined) keyless++;
      expect(keyless).toBeGreaterThan(850);
      expect(keyless).toBeLessThan(1150);
    });

    it('keeps the variant split by key as it is, a sampled call getting the same variant', async () => {
      const primary = [
        variant(supportDocument('baseline'), '1.0.0', 70),
        variant(supportDocument('challenger'), '1.0.1', 30),
      ];
      const { json, manifest } = shadowManifest(0.5, { primary });
      const prompts = client(json);
      const variants = manifest.prompts[ID]?.variants ?? [];
      for (let i = 0; i < 100; i++) {
        const key = `user-${i}`;
        const p = await prompts.get(ID, { key });
        expect(p.version).toBe(chooseVariant(variants, key, ID).version);
        if (p.shadow) expect(p.shadow.version).toBe('1.1.0');
      }
    });

    it("gives a caller a segment's pin serves no shadow, and a caller in an unpinned segment the default's", async () => {
      const { json } = shadowManifest(1, {
        segments: {
          beta: testManifest({ [ID]: [variant(supportDocument('beta'), '1.2.0')] }).manifest.prompts[
            ID
          ] as ManifestPrompt,
        },
      });
      const prompts = client(json);
      const beta = await prompts.get(ID, { key: 'user-1', segment: 'beta' });
      expect([beta.version, beta.segment, beta.shadow]).toEqual(['1.2.0', 'beta', undefined]);
      const other = await prompts.get(ID, { key: 'user-1', segment: 'eu' });
      expect(other.shadow?.version).toBe('1.1.0');
    });

    it('reads a candidate stored by reference from S3, as any body, and verifies it', async () => {
      const s3 = mockClient(S3Client);
      try {
        const stored = storedDocument(candidateDocument);
        s3.on(GetObjectCommand).resolves({
          Body: { transformToByteArray: async () => new TextEncoder().encode(stored.text) } as never,
        });
        const { json, manifest } = shadowManifest(1, { byReference: true });
        expect(manifest.prompts[ID]?.shadow?.bodyRef).toBeDefined();
        const prompts = client(json, {
          s3Client: new S3Client({ region: 'eu-west-1' }),
          bodyBucket: 'bodies',
        });
        const p = await sampled(prompts, 'user-1');
        expect(s3.commandCalls(GetObjectCommand)[0]?.args[0].input).toEqual({
          Bucket: 'bodies',
          Key: bodyObjectKey(stored.sha256),
        });
        expect(p.shadow?.render(VALUES)).toContain('candidate: answer in a calm tone.');
      } finally {
        s3.restore();
      }
    });
  });

  describe('Method: runShadow', () => {
    it('returns undefined at once, runs the call with the candidate and records its outcome with Role=shadow', async () => {
      const prompts = client(shadowManifest(1).json);
      const p = await sampled(prompts, 'user-1');
      const call = vi.fn<ShadowCall>(async (candidate) => {
        expect(candidate.render(VALUES)).toContain('candidate:');
        return { output: 'Hello Ana', inputTokens: 410, outputTokens: 80, costUsd: 0.0021 };
      });
      expect(prompts.runShadow(p, call)).toBeUndefined();
      expect(call).not.toHaveBeenCalled();
      await vi.waitFor(() => expect(shadowDocs()).toHaveLength(1));
      expect(call).toHaveBeenCalledTimes(1);
      expect(call.mock.calls[0]?.[0]).toBe(p.shadow);
      expect(call.mock.calls[0]?.[1]).toBeInstanceOf(AbortSignal);
      const [doc] = shadowDocs() as [Record<string, unknown>];
      expect(doc).toMatchObject({
        Environment: ENVIRONMENT,
        PromptId: ID,
        PromptVersion: '1.1.0',
        Role: 'shadow',
        Invocations: 1,
        Errors: 0,
        InputTokens: 410,
        OutputTokens: 80,
        Cost: 0.0021,
      });
      expect(doc.Latency).toEqual(expect.any(Number));
      expect(dimensionsOf(doc)).toEqual(SHADOW_DIMENSION_SETS);
      expect(dimensionsOf(doc)).toEqual([['Environment', 'PromptId', 'PromptVersion', 'Role']]);
      // The output text goes nowhere: output capture is off (docs/shadows.md).
      expect(lines.join('')).not.toContain('Hello Ana');
      expect(doc).not.toHaveProperty('Segment');
    });

    it('never puts a shadow line on the per-version set or the roll-up the alarms read', async () => {
      const prompts = client(shadowManifest(1).json);
      const p = await sampled(prompts, 'user-1');
      prompts.record(p, { latencyMs: 500 });
      prompts.runShadow(p, async () => ({ inputTokens: 1 }));
      prompts.runShadow(p, async () => {
        throw new Error('model down');
      });
      await vi.waitFor(() => expect(shadowDocs()).toHaveLength(2));
      const [primary] = docs().filter((doc) => doc.Role === undefined);
      expect(primary).toMatchObject({ PromptVersion: '1.0.0', Latency: 500 });
      expect(dimensionsOf(primary as Record<string, unknown>)).toEqual(DIMENSION_SETS);
      for (const doc of shadowDocs()) {
        const sets = dimensionsOf(doc) ?? [];
        expect(sets).not.toContainEqual(['Environment']);
        expect(sets).not.toContainEqual(['Environment', 'PromptId', 'PromptVersion']);
        expect(sets.every((set) => set.includes('Role'))).toBe(true);
      }
    });

    it('records the outcome of a candidate the caller records itself with Role=shadow too', async () => {
      const prompts = client(shadowManifest(1).json);
      const p = await sampled(prompts, 'user-1');
      prompts.record(p.shadow as Prompt, { latencyMs: 700 });
      expect(docs()[0]).toMatchObject({ Role: 'shadow', PromptVersion: '1.1.0', Latency: 700 });
      expect(dimensionsOf(docs()[0] as Record<string, unknown>)).toEqual(SHADOW_DIMENSION_SETS);
    });

    it('does nothing for an unsampled call, a prompt without a shadow or a call that is not a function', async () => {
      const prompts = client(shadowManifest(1).json);
      const call = vi.fn<ShadowCall>(async () => undefined);
      const chat = await prompts.get('triage-chat');
      expect(prompts.runShadow(chat, call)).toBeUndefined();
      expect(prompts.runShadow(undefined as unknown as Prompt, call)).toBeUndefined();
      expect(prompts.runShadow(await sampled(prompts), 'nope' as unknown as ShadowCall)).toBeUndefined();
      await settle();
      expect(call).not.toHaveBeenCalled();
      expect(lines).toEqual([]);
    });

    it('never throws into the caller: a call that throws at once or rejects is counted as an error', async () => {
      const prompts = client(shadowManifest(1).json);
      const p = await sampled(prompts, 'user-1');
      const unhandled = vi.fn();
      process.on('unhandledRejection', unhandled);
      try {
        expect(() =>
          prompts.runShadow(p, () => {
            throw new TypeError('sync failure');
          }),
        ).not.toThrow();
        expect(() => prompts.runShadow(p, () => Promise.reject(new Error('model 500')))).not.toThrow();
        await vi.waitFor(() => expect(shadowDocs()).toHaveLength(2));
        await settle();
      } finally {
        process.off('unhandledRejection', unhandled);
      }
      expect(unhandled).not.toHaveBeenCalled();
      for (const doc of shadowDocs()) {
        expect(doc).toMatchObject({ Role: 'shadow', PromptVersion: '1.1.0', Invocations: 1, Errors: 1 });
        expect(doc).not.toHaveProperty('Latency');
      }
      expect(warn).toHaveBeenCalledWith(
        'Shadow call failed',
        expect.objectContaining({ promptId: ID, version: '1.1.0', error: 'TypeError' }),
      );
    });

    it('never blocks: a hung candidate leaves the caller free, and is abandoned at the time cap with its signal aborted', async () => {
      const prompts = client(shadowManifest(1).json, { shadowTimeoutSeconds: 30 });
      const p = await sampled(prompts, 'user-1');
      vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
      let signal: AbortSignal | undefined;
      const hung = vi.fn<ShadowCall>((_candidate, s) => {
        signal = s;
        return new Promise<undefined>(() => undefined);
      });
      // The caller's own work completes while the candidate hangs.
      const primaryResponse = (async () => {
        prompts.runShadow(p, hung);
        return p.render(VALUES);
      })();
      await expect(primaryResponse).resolves.toContain('primary:');
      await vi.advanceTimersByTimeAsync(0);
      expect(hung).toHaveBeenCalledTimes(1);
      await vi.advanceTimersByTimeAsync(29_999);
      expect(shadowDocs()).toEqual([]);
      expect(signal?.aborted).toBe(false);
      await vi.advanceTimersByTimeAsync(1);
      expect(signal?.aborted).toBe(true);
      expect(shadowDocs()).toHaveLength(1);
      expect(shadowDocs()[0]).toMatchObject({ Invocations: 1, Errors: 1, ShadowTimeouts: 1, Role: 'shadow' });
      expect(shadowDocs()[0]).not.toHaveProperty('Latency');
      expect(warn).toHaveBeenCalledWith(
        'Shadow call abandoned: it ran past the shadow time cap',
        expect.objectContaining({ promptId: ID, shadowTimeoutMs: 30_000 }),
      );
    });

    it('records a candidate that settles after it was abandoned only once, as the timeout', async () => {
      const prompts = client(shadowManifest(1).json, { shadowTimeoutSeconds: 1 });
      const p = await sampled(prompts, 'user-1');
      vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
      prompts.runShadow(
        p,
        () => new Promise((resolve) => setTimeout(() => resolve({ inputTokens: 5 }), 5000)),
      );
      await vi.advanceTimersByTimeAsync(10_000);
      expect(shadowDocs()).toHaveLength(1);
      expect(shadowDocs()[0]).toMatchObject({ ShadowTimeouts: 1, Errors: 1 });
    });

    it('caps concurrency at 2 by default: a call over the cap is dropped and counted, a freed slot is reused', async () => {
      const prompts = client(shadowManifest(1).json);
      const p = await sampled(prompts, 'user-1');
      const release: (() => void)[] = [];
      const started = vi.fn();
      const slow: ShadowCall = () =>
        new Promise<undefined>((resolve) => {
          started();
          release.push(() => resolve(undefined));
        });
      for (let i = 0; i < 5; i++) prompts.runShadow(p, slow);
      await settle();
      expect(started).toHaveBeenCalledTimes(2);
      const drops = shadowDocs().filter((doc) => doc.ShadowDrops === 1);
      expect(drops).toHaveLength(3);
      expect(drops[0]).toMatchObject({ Role: 'shadow', PromptVersion: '1.1.0' });
      expect(drops[0]).not.toHaveProperty('Invocations');
      expect(warn).toHaveBeenCalledWith(
        'Shadow call dropped: the shadow concurrency cap is reached',
        expect.objectContaining({ promptId: ID, shadowConcurrency: 2 }),
      );
      release.shift()?.();
      await settle();
      prompts.runShadow(p, slow);
      await settle();
      expect(started).toHaveBeenCalledTimes(3);
      expect(shadowDocs().filter((doc) => doc.Invocations === 1)).toHaveLength(1);
      for (const done of release) done();
    });

    it('takes its caps from the client options, and frees an abandoned call’s slot', async () => {
      const prompts = client(shadowManifest(1).json, { shadowConcurrency: 1, shadowTimeoutSeconds: 2 });
      const p = await sampled(prompts, 'user-1');
      vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
      const started = vi.fn();
      const hang: ShadowCall = () => {
        started();
        return new Promise<undefined>(() => undefined);
      };
      prompts.runShadow(p, hang);
      prompts.runShadow(p, hang);
      await vi.advanceTimersByTimeAsync(0);
      expect(started).toHaveBeenCalledTimes(1);
      expect(shadowDocs().filter((doc) => doc.ShadowDrops === 1)).toHaveLength(1);
      await vi.advanceTimersByTimeAsync(2000);
      prompts.runShadow(p, hang);
      await vi.advanceTimersByTimeAsync(0);
      expect(started).toHaveBeenCalledTimes(2);
    });

    it('ignores reported figures that are not counts or costs', async () => {
      const prompts = client(shadowManifest(1).json);
      const p = await sampled(prompts, 'user-1');
      prompts.runShadow(p, async () => ({
        inputTokens: -1,
        outputTokens: Number.NaN,
        costUsd: 'x' as never,
      }));
      await vi.waitFor(() => expect(shadowDocs()).toHaveLength(1));
      const [doc] = shadowDocs() as [Record<string, unknown>];
      expect(doc).toMatchObject({ Invocations: 1, Errors: 0 });
      for (const name of ['InputTokens', 'OutputTokens', 'Cost']) expect(doc).not.toHaveProperty(name);
    });

    it('keeps calling back when the line writer throws', async () => {
      const prompts = new PromptClient({
        application: APPLICATION,
        environment: ENVIRONMENT,
        source: { type: 'file', path: files.write('m.json', shadowManifest(1).json) },
        logger: { warn },
        writeLine: () => {
          throw new Error('stdout closed');
        },
      });
      const p = await sampled(prompts, 'user-1');
      const call = vi.fn<ShadowCall>(async () => undefined);
      expect(() => prompts.runShadow(p, call)).not.toThrow();
      await vi.waitFor(() =>
        expect(warn).toHaveBeenCalledWith('Could not write the shadow metrics line', expect.anything()),
      );
      prompts.runShadow(p, call);
      await vi.waitFor(() => expect(call).toHaveBeenCalledTimes(2));
    });
  });

  describe('Constructor: shadow options', () => {
    it.each([
      [{ shadowConcurrency: 0 }, /shadowConcurrency must be a whole number of at least 1, got 0/],
      [{ shadowConcurrency: 1.5 }, /shadowConcurrency must be a whole number of at least 1, got 1.5/],
      [{ shadowConcurrency: '2' as never }, /shadowConcurrency .* got "2"/],
      [{ shadowTimeoutSeconds: 0 }, /shadowTimeoutSeconds must be a number above 0 and at most 900, got 0/],
      [{ shadowTimeoutSeconds: 901 }, /shadowTimeoutSeconds .* got 901/],
      [{ shadowTimeoutSeconds: Number.NaN }, /shadowTimeoutSeconds .* got null/],
    ])('rejects %o', (options, message) => {
      expect(() => client(shadowManifest(1).json, options)).toThrow(message);
    });
  });
});
