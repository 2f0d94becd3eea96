/** Variant choice, rendering and outcome metrics, with manifests read from files. */
import { Socket } from 'node:net';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  MissingVariableError,
  type Prompt,
  PromptClient,
  UnknownVariableError,
} from '../../../src/client/index.ts';
import { DIMENSION_SETS, METRICS } from '../../../src/core/metrics.ts';
import { chooseVariant } from '../../../src/core/variants.ts';
import {
  APPLICATION,
  chatDocument,
  ENVIRONMENT,
  supportDocument,
  supportManifest,
  temporaryDirectory,
  testManifest,
  variant,
} from '../../fixtures/client-manifests.ts';

let files: ReturnType<typeof temporaryDirectory>;

function fileClient(json: string, options: { writeLine?: (line: string) => void } = {}): PromptClient {
  return new PromptClient({
    application: APPLICATION,
    environment: ENVIRONMENT,
    source: { type: 'file', path: files.write(`manifest-${Math.random()}.json`, json) },
    logger: { warn: vi.fn() },
    ...options,
  });
}

const split = () =>
  testManifest({
    'support-reply': [
      variant(supportDocument('baseline'), '1.0.0', 70),
      variant(supportDocument('candidate'), '1.1.0', 30),
    ],
  });

beforeEach(() => {
  files = temporaryDirectory();
});

afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
  files.cleanup();
});

describe('Class: PromptClient', () => {
  describe('Method: get (variants)', () => {
    it('gives a key the same variant on every call and in every client instance', async () => {
      const { json, manifest } = split();
      const first = fileClient(json);
      const second = fileClient(json);
      const variants = manifest.prompts['support-reply']?.variants ?? [];
      const keys = Array.from({ length: 200 }, (_, i) => `user-${i}`);

      const seen = new Set<string>();
      for (const key of keys) {
        const a = await first.get('support-reply', { key });
        const b = await second.get('support-reply', { key });
        const again = await first.get('support-reply', { key });
        expect(b.version).toBe(a.version);
        expect(again.version).toBe(a.version);
        expect(a.version).toBe(chooseVariant(variants, key, 'support-reply').version);
        seen.add(a.version);
      }
      expect(seen).toEqual(new Set(['1.0.0', '1.1.0']));
    });

    it('renders the chosen variant', async () => {
      const prompts = fileClient(split().json);
      for (let i = 0; i < 50; i++) {
        const p = await prompts.get('support-reply', { key: `user-${i}` });
        const text = p.render({ customer_name: 'Ana', ticket: 't' }) as string;
        expect(text).toContain(p.version === '1.0.0' ? 'baseline:' : 'candidate:');
      }
    });

    it('chooses by weight on each call when no key is given', async () => {
      const prompts = fileClient(split().json);
      const random = vi.spyOn(Math, 'random');

      random.mockReturnValue(0.69);
      const low = await prompts.get('support-reply');
      random.mockReturnValue(0.7);
      const high = await prompts.get('support-reply');

      expect(low.version).toBe('1.0.0');
      expect(high.version).toBe('1.1.0');
    });
  });

  describe('Method: render', () => {
    it('throws MissingVariableError naming the missing variable', async () => {
      const p = await fileClient(supportManifest().json).get('support-reply');

      expect(() => p.render({ customer_name: 'Ana' })).toThrow(MissingVariableError);
      expect(() => p.render({ customer_name: 'Ana' })).toThrow(/"ticket"/);
    });

    it('refuses undeclared variables unless told to allow them', async () => {
      const p = await fileClient(supportManifest().json).get('support-reply');
      const values = { customer_name: 'Ana', ticket: 't', tone: 'warm', mood: 'x' };

      expect(() => p.render(values)).toThrow(UnknownVariableError);
      expect(p.render(values, { allowExtra: true })).toContain('warm tone');
    });

    it('renders chat prompts to messages', async () => {
      const prompts = fileClient(testManifest({ 'triage-chat': [variant(chatDocument(), '1.0.0')] }).json);
      const p = await prompts.get('triage-chat');

      expect(p.kind).toBe('chat');
      expect(p.render({ question: 'Where is my parcel?' })).toEqual([
        { role: 'system', content: 'You triage questions.' },
        { role: 'user', content: 'Where is my parcel?' },
      ]);
    });
  });

  describe('Method: record', () => {
    let lines: string[];
    let p: Prompt;
    let prompts: PromptClient;

    beforeEach(async () => {
      vi.useFakeTimers({ toFake: ['Date'], now: new Date('2026-11-22T10:00:00Z') });
      lines = [];
      prompts = fileClient(supportManifest('1.4.2').json, { writeLine: (line) => lines.push(line) });
      p = await prompts.get('support-reply');
    });

    it('writes one EMF line with the core metric names, units and dimensions', () => {
      prompts.record(p, { latencyMs: 812, inputTokens: 420, outputTokens: 95, costUsd: 0.0031, score: 0.8 });

      expect(lines).toHaveLength(1);
      expect(lines[0]?.endsWith('\n')).toBe(true);
      expect(lines[0]?.indexOf('\n')).toBe((lines[0]?.length ?? 0) - 1);
      expect(JSON.parse(lines[0] as string)).toEqual({
        _aws: {
          Timestamp: Date.parse('2026-11-22T10:00:00Z'),
          CloudWatchMetrics: [
            {
              Namespace: 'PromptOps',
              Dimensions: DIMENSION_SETS,
              Metrics: [
                { Name: 'Invocations', Unit: 'Count' },
                { Name: 'Errors', Unit: 'Count' },
                { Name: 'Latency', Unit: 'Milliseconds' },
                { Name: 'InputTokens', Unit: 'Count' },
                { Name: 'OutputTokens', Unit: 'Count' },
                { Name: 'Cost', Unit: 'None' },
                { Name: 'Score', Unit: 'None' },
                { Name: 'StaleServes', Unit: 'Count' },
              ],
            },
          ],
        },
        Environment: 'prod',
        PromptId: 'support-reply',
        PromptVersion: '1.4.2',
        Invocations: 1,
        Errors: 0,
        Latency: 812,
        InputTokens: 420,
        OutputTokens: 95,
        Cost: 0.0031,
        Score: 0.8,
        StaleServes: 0,
      });
      expect(DIMENSION_SETS).toEqual([['Environment', 'PromptId', 'PromptVersion'], ['Environment']]);
    });

    it('counts an error and leaves out the figures it was not given', () => {
      prompts.record(p, { error: true });

      const doc = JSON.parse(lines[0] as string);
      expect(doc._aws.CloudWatchMetrics[0].Metrics.map((m: { Name: string }) => m.Name)).toEqual([
        METRICS.invocations.name,
        METRICS.errors.name,
        METRICS.staleServes.name,
      ]);
      expect(doc).toMatchObject({ Invocations: 1, Errors: 1, StaleServes: 0 });
      expect(doc).not.toHaveProperty('Latency');
    });

    it('counts a stale serve', async () => {
      const prompts = new PromptClient({
        application: APPLICATION,
        environment: ENVIRONMENT,
        source: { type: 'file', path: `${files.dir}/missing.json` },
        fallbackPath: files.write('snapshot.json', supportManifest('1.0.0').json),
        logger: { warn: vi.fn() },
        writeLine: (line) => lines.push(line),
      });
      const stale = await prompts.get('support-reply');

      prompts.record(stale, { latencyMs: 5 });

      expect(stale.stale).toBe(true);
      expect(JSON.parse(lines[0] as string)).toMatchObject({ StaleServes: 1, PromptVersion: '1.0.0' });
    });

    it('writes to stdout by default and makes no network call', async () => {
      const write = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
      const connect = vi.spyOn(Socket.prototype, 'connect');
      const plain = fileClient(supportManifest('2.0.0').json);
      const served = await plain.get('support-reply');

      plain.record(served, { latencyMs: 1 });

      expect(write).toHaveBeenCalledTimes(1);
      expect(JSON.parse(String(write.mock.calls[0]?.[0]))).toMatchObject({
        PromptVersion: '2.0.0',
        Latency: 1,
      });
      expect(connect).not.toHaveBeenCalled();
    });

    it('never throws, even when the writer does, and warns (asynchronously: the logger loads with the first warning)', async () => {
      const warn = vi.fn();
      const broken = new PromptClient({
        application: APPLICATION,
        environment: ENVIRONMENT,
        source: { type: 'file', path: `${files.dir}/unused.json` },
        logger: { warn },
        writeLine: () => {
          throw new Error('EPIPE');
        },
      });

      expect(() => broken.record(p, { latencyMs: 1 })).not.toThrow();
      expect(warn).not.toHaveBeenCalled();
      await vi.waitFor(() =>
        expect(warn).toHaveBeenCalledWith(
          'Could not write the prompt metrics line',
          expect.objectContaining({ message: 'EPIPE' }),
        ),
      );
    });
  });
});
