/**
 * Captured shadow outputs, the client side (docs/shadows.md): off unless the manifest's shadow says
 * `capture: true`; then one pair object in S3 per sampled call, under the caps; never a throw into
 * the caller, never an output in a log line.
 */
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeEach, describe, expect, it, type Mock, vi } from 'vitest';
import {
  type ClientLogger,
  type Prompt,
  PromptClient,
  type PromptClientOptions,
} from '../../../src/client/index.ts';
import { errorDetails, RateLimitedLogger } from '../../../src/client/logger.ts';
import { pairOf, ShadowCapture } from '../../../src/client/shadow-capture.ts';
import type { Manifest, ManifestPrompt } from '../../../src/core/manifest.ts';
import {
  MAX_CAPTURED_OUTPUT_CHARS,
  parseShadowOutputPair,
  type ShadowOutputPair,
} from '../../../src/core/shadow-outputs.ts';
import {
  APPLICATION,
  ENVIRONMENT,
  supportDocument,
  temporaryDirectory,
  testManifest,
  variant,
} from '../../fixtures/client-manifests.ts';

const ID = 'support-reply';
const BUCKET = 'promptops-bodies';
const s3 = mockClient(S3Client);

function manifestJson(capture: boolean): string {
  const { manifest } = testManifest({ [ID]: [variant(supportDocument('primary'), '1.0.0')] });
  const candidate = testManifest({ [ID]: [variant(supportDocument('candidate'), '1.1.0')] }).manifest.prompts[
    ID
  ] as ManifestPrompt;
  const entry: ManifestPrompt = {
    ...(manifest.prompts[ID] as ManifestPrompt),
    shadow: { ...candidate, sampleRate: 1, ...(capture ? { capture: true as const } : {}) },
  };
  const withShadow: Manifest = { ...manifest, prompts: { [ID]: entry } };
  return JSON.stringify(withShadow);
}

let files: ReturnType<typeof temporaryDirectory>;
let lines: string[];
let warn: Mock<ClientLogger['warn']>;

function client(capture: boolean, options: Partial<PromptClientOptions> = {}): PromptClient {
  return new PromptClient({
    application: APPLICATION,
    environment: ENVIRONMENT,
    source: { type: 'file', path: files.write(`manifest-${Math.random()}.json`, manifestJson(capture)) },
    logger: { warn },
    writeLine: (line) => lines.push(line),
    s3Client: new S3Client({ region: 'us-east-1' }),
    bodyBucket: BUCKET,
    ...options,
  });
}

const shadowLines = () => lines.filter((line) => line.includes('"Role":"shadow"'));
const puts = () => s3.commandCalls(PutObjectCommand).map((c) => c.args[0].input);
const stored = (i = 0) => parseShadowOutputPair(String(puts()[i]?.Body)) as ShadowOutputPair;

/** Waits until the candidate's line is written and any write it started has been sent. */
async function settled(count = 1): Promise<void> {
  await vi.waitFor(() => expect(shadowLines()).toHaveLength(count));
  for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
}

async function sampled(prompts: PromptClient): Promise<Prompt> {
  const p = await prompts.get(ID, { key: 'user-1' });
  expect(p.shadow).toBeDefined();
  return p;
}

beforeEach(() => {
  s3.reset();
  s3.on(PutObjectCommand).resolves({});
  files = temporaryDirectory();
  lines = [];
  warn = vi.fn<ClientLogger['warn']>();
});

afterEach(() => files.cleanup());
afterAll(() => s3.restore());

describe('Class: PromptClient', () => {
  describe('Method: runShadow, output capture', () => {
    it('writes nothing when the manifest does not say capture (the default), outputs or not', async () => {
      const prompts = client(false);
      const p = await sampled(prompts);
      prompts.runShadow(p, async () => ({ output: 'candidate says hi' }), {
        primaryOutput: 'primary says hi',
      });
      await settled();
      expect(puts()).toEqual([]);
      expect(lines.join('')).not.toContain('says hi');
    });

    it('with capture on, writes one pair object under shadow-outputs/<env>/<id>/<day>/<uuid>.json', async () => {
      const prompts = client(true);
      const p = await sampled(prompts);
      const before = Date.now();
      prompts.runShadow(
        p,
        async () => ({ output: 'Hello Ana, your refund is on its way.', outputTokens: 9 }),
        {
          primaryOutput: Promise.resolve('Hello Ana, the refund was sent.'),
        },
      );
      await settled();
      await vi.waitFor(() => expect(puts()).toHaveLength(1));
      const [input] = puts();
      expect(input?.Bucket).toBe(BUCKET);
      const day = new Date().toISOString().slice(0, 10);
      expect(input?.Key).toMatch(
        new RegExp(
          `^shadow-outputs/${ENVIRONMENT}/${ID}/${day}/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\\.json$`,
        ),
      );
      // The bucket's default encryption (the data key) applies: no header overrides it.
      expect(input).not.toHaveProperty('ServerSideEncryption');
      expect(input?.ContentType).toBe('application/json');
      const pair = stored();
      expect(pair).toMatchObject({
        environment: ENVIRONMENT,
        promptId: ID,
        primaryVersion: '1.0.0',
        shadowVersion: '1.1.0',
        primaryOutput: 'Hello Ana, the refund was sent.',
        shadowOutput: 'Hello Ana, your refund is on its way.',
      });
      expect(pair).not.toHaveProperty('truncated');
      expect(Date.parse(pair.startedAt)).toBeGreaterThanOrEqual(before - 1);
      expect(Date.parse(pair.settledAt)).toBeGreaterThanOrEqual(Date.parse(pair.startedAt));
      expect(pair.latencyMs).toBe(Date.parse(pair.settledAt) - Date.parse(pair.startedAt));
      // Nothing of the outputs is logged or put on a metrics line.
      expect(lines.join('')).not.toContain('refund');
      expect(warn).not.toHaveBeenCalled();
    });

    it('captures nothing without both outputs: no primaryOutput, a rejected one, a non-string, or no output returned', async () => {
      const prompts = client(true);
      const p = await sampled(prompts);
      const unhandled = vi.fn();
      process.on('unhandledRejection', unhandled);
      try {
        prompts.runShadow(p, async () => ({ output: 'a' }));
        await settled(1);
        prompts.runShadow(p, async () => ({ output: 'b' }), {
          primaryOutput: Promise.reject(new Error('x')),
        });
        await settled(2);
        prompts.runShadow(p, async () => ({ output: 'c' }), { primaryOutput: 42 as unknown as string });
        await settled(3);
        prompts.runShadow(p, async () => ({ outputTokens: 3 }), { primaryOutput: 'd' });
        await settled(4);
        prompts.runShadow(
          p,
          async () => {
            throw new Error('model down');
          },
          { primaryOutput: 'e' },
        );
        await settled(5);
        expect(puts()).toEqual([]);
        expect(unhandled).not.toHaveBeenCalled();
      } finally {
        process.off('unhandledRejection', unhandled);
      }
    });

    it('never throws and never rejects when S3 fails; the warning names no output', async () => {
      s3.on(PutObjectCommand).rejects(new Error('AccessDenied'));
      const prompts = client(true);
      const p = await sampled(prompts);
      expect(() =>
        prompts.runShadow(p, async () => ({ output: 'secret candidate text' }), {
          primaryOutput: 'secret primary text',
        }),
      ).not.toThrow();
      await settled();
      await vi.waitFor(() =>
        expect(warn).toHaveBeenCalledWith(
          expect.stringContaining('Shadow output capture failed'),
          expect.anything(),
        ),
      );
      expect(JSON.stringify(warn.mock.calls)).not.toContain('secret');
      expect(JSON.stringify(warn.mock.calls)).toContain('AccessDenied');
    });

    it('takes at most one pair per second per client: a second sampled call right after is not captured', async () => {
      const prompts = client(true);
      const p = await sampled(prompts);
      prompts.runShadow(p, async () => ({ output: 'one' }), { primaryOutput: 'one' });
      await settled(1);
      prompts.runShadow(p, async () => ({ output: 'two' }), { primaryOutput: 'two' });
      await settled(2);
      expect(puts()).toHaveLength(1);
      expect(stored().shadowOutput).toBe('one');
    });
  });
});

describe('Class: ShadowCapture', () => {
  const captured = (text: string) => ({
    environment: 'prod',
    promptId: ID,
    primaryVersion: '1.0.0',
    shadowVersion: '1.1.0',
    primaryOutput: text,
    shadowOutput: text,
    startedAt: Date.UTC(2026, 11, 2, 10),
    settledAt: Date.UTC(2026, 11, 2, 10, 0, 1),
    latencyMs: 1000,
  });
  const log = () => new RateLimitedLogger({ warn });

  it('skips a pair while a write is in flight or within the interval, and takes the next one after it', async () => {
    let clock = 0;
    let release: () => void = () => undefined;
    s3.on(PutObjectCommand).callsFake(() => new Promise((resolve) => (release = () => resolve({}))));
    const capture = new ShadowCapture({
      client: new S3Client({ region: 'us-east-1' }),
      bucket: BUCKET,
      log: log(),
      errorDetails,
      intervalMs: 1000,
      now: () => clock,
    });
    expect(capture.offer(captured('first'))).toBe(true);
    clock = 5000;
    // Past the interval, but the first write has not finished: skipped, not queued.
    expect(capture.offer(captured('in flight'))).toBe(false);
    await vi.waitFor(() => expect(puts()).toHaveLength(1));
    release();
    await capture.pending;
    clock = 5500;
    expect(capture.offer(captured('second'))).toBe(true);
    clock = 6000;
    await vi.waitFor(() => expect(puts()).toHaveLength(2));
    release();
    await capture.pending;
    expect(capture.offer(captured('within the interval'))).toBe(false);
    clock = 6500;
    expect(capture.offer(captured('third'))).toBe(true);
    await vi.waitFor(() => expect(puts()).toHaveLength(3));
    release();
    await capture.pending;
    expect(puts().map((input) => parseShadowOutputPair(String(input.Body))?.shadowOutput)).toEqual([
      'first',
      'second',
      'third',
    ]);
  });

  it('cuts each output to MAX_CAPTURED_OUTPUT_CHARS and marks the pair truncated', () => {
    const long = 'x'.repeat(MAX_CAPTURED_OUTPUT_CHARS + 10);
    const pair = pairOf({ ...captured('short'), shadowOutput: long });
    expect(pair.shadowOutput).toHaveLength(MAX_CAPTURED_OUTPUT_CHARS);
    expect(pair.primaryOutput).toBe('short');
    expect(pair.truncated).toBe(true);
    expect(pairOf(captured('x'.repeat(MAX_CAPTURED_OUTPUT_CHARS)))).not.toHaveProperty('truncated');
  });

  it('writes nothing and warns when no bucket is known', () => {
    const previous = process.env.PROMPTOPS_BODY_BUCKET;
    delete process.env.PROMPTOPS_BODY_BUCKET;
    try {
      const capture = new ShadowCapture({
        client: new S3Client({ region: 'us-east-1' }),
        log: log(),
        errorDetails,
      });
      expect(capture.offer(captured('text'))).toBe(false);
      expect(puts()).toEqual([]);
      expect(warn).toHaveBeenCalledWith(expect.stringContaining('no bucket'), expect.anything());
    } finally {
      if (previous !== undefined) process.env.PROMPTOPS_BODY_BUCKET = previous;
    }
  });
});
