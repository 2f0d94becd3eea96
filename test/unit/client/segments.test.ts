/** Segments (docs/segments.md): a caller in a pinned segment gets that segment's pin, everyone else the default. */
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { loadPrompts, PromptClient, type WithPrompts } from '../../../src/client/index.ts';
import { buildManifest } from '../../../src/core/manifest-builder.ts';
import { chooseVariant } from '../../../src/core/variants.ts';
import {
  APPLICATION,
  chatDocument,
  ENVIRONMENT,
  supportDocument,
  temporaryDirectory,
  variant,
} from '../../fixtures/client-manifests.ts';

let files: ReturnType<typeof temporaryDirectory>;
let client: PromptClient;

const betaSplit = [
  variant(supportDocument('beta-a'), '1.2.0', 50),
  variant(supportDocument('beta-b'), '1.3.0', 50),
];
const { json, manifest } = buildManifest({
  environment: ENVIRONMENT,
  revision: 4,
  generatedAt: '2026-11-22T10:00:00.000Z',
  prompts: {
    'support-reply': [variant(supportDocument('default'), '1.1.0')],
    'triage-chat': [variant(chatDocument(), '1.0.0')],
  },
  segments: {
    'support-reply': {
      beta: betaSplit,
      internal: [variant(supportDocument('internal'), '1.2.0')],
    },
  },
});

beforeEach(() => {
  files = temporaryDirectory();
  client = new PromptClient({
    application: APPLICATION,
    environment: ENVIRONMENT,
    source: { type: 'file', path: files.write('manifest.json', json) },
    logger: { warn: vi.fn() },
  });
});

afterEach(() => files.cleanup());

describe('Class: PromptClient', () => {
  describe('Method: get (segments)', () => {
    it('serves the default pin to a caller in no segment, and says no segment served', async () => {
      const p = await client.get('support-reply');
      expect(p.version).toBe('1.1.0');
      expect(p.segment).toBeUndefined();
      expect(p.render({ customer_name: 'Ana', tone: 'calm', ticket: 't' })).toContain('default:');
    });

    it("serves a pinned segment's pin, and says which segment served", async () => {
      const p = await client.get('support-reply', { segment: 'internal' });
      expect(p.version).toBe('1.2.0');
      expect(p.segment).toBe('internal');
      expect(p.render({ customer_name: 'Ana', tone: 'calm', ticket: 't' })).toContain('internal:');
    });

    it('serves the default to a segment without a pin of its own, and for a prompt without segments', async () => {
      const other = await client.get('support-reply', { segment: 'eu' });
      expect([other.version, other.segment]).toEqual(['1.1.0', undefined]);
      const chat = await client.get('triage-chat', { segment: 'beta' });
      expect([chat.version, chat.segment]).toEqual(['1.0.0', undefined]);
    });

    it("splits a segment's variants by key, the same key always getting the same variant", async () => {
      const variants = manifest.prompts['support-reply']?.segments?.beta?.variants ?? [];
      const seen = new Set<string>();
      for (let i = 0; i < 100; i++) {
        const key = `user-${i}`;
        const p = await client.get('support-reply', { key, segment: 'beta' });
        expect(p.version).toBe(chooseVariant(variants, key, 'support-reply').version);
        expect(p.segment).toBe('beta');
        expect((await client.get('support-reply', { key, segment: 'beta' })).version).toBe(p.version);
        seen.add(p.version);
      }
      expect([...seen].sort()).toEqual(['1.2.0', '1.3.0']);
    });
  });
});

describe('Method: record (segments)', () => {
  it('adds a per-version Segment dimension set when a segment pin served, never on the environment roll-up', async () => {
    const lines: string[] = [];
    const recording = new PromptClient({
      application: APPLICATION,
      environment: ENVIRONMENT,
      source: { type: 'file', path: files.write('recording.json', json) },
      logger: { warn: vi.fn() },
      writeLine: (line) => lines.push(line),
    });
    recording.record(await recording.get('support-reply', { segment: 'internal' }), { latencyMs: 5 });
    recording.record(await recording.get('support-reply'), { latencyMs: 5 });
    const [segmented, plain] = lines.map((line) => JSON.parse(line));
    expect(segmented._aws.CloudWatchMetrics[0].Dimensions).toEqual([
      ['Environment', 'PromptId', 'PromptVersion'],
      ['Environment'],
      ['Environment', 'PromptId', 'PromptVersion', 'Segment'],
    ]);
    expect(segmented).toMatchObject({ PromptVersion: '1.2.0', Segment: 'internal' });
    expect(plain._aws.CloudWatchMetrics[0].Dimensions).toEqual([
      ['Environment', 'PromptId', 'PromptVersion'],
      ['Environment'],
    ]);
    expect(plain.Segment).toBeUndefined();
  });
});

describe('Function: loadPrompts (segments)', () => {
  it('takes the segment from the event', async () => {
    const served: (string | undefined)[][] = [];
    const handler = middy<{ group?: string }, void, Error, WithPrompts<Context, 'reply'>>()
      .use(
        loadPrompts(client, {
          prompts: { reply: 'support-reply' },
          segment: (event: { group?: string }) => event.group,
        }),
      )
      .handler(async (_event, context) => {
        served.push([context.prompts.reply.version, context.prompts.reply.segment]);
      });
    const lambdaContext = { getRemainingTimeInMillis: () => 30_000 } as never;
    await handler({ group: 'internal' }, lambdaContext);
    await handler({}, lambdaContext);
    expect(served).toEqual([
      ['1.2.0', 'internal'],
      ['1.1.0', undefined],
    ]);
  });
});
