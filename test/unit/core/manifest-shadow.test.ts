/** The manifest's shadow entries (docs/shadows.md): builder, manifestProblems, isValidManifest, schema. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { PromptDocument } from '../../../src/core/document.ts';
import { documentHash } from '../../../src/core/hash.ts';
import { isValidManifest, manifestProblems } from '../../../src/core/manifest.ts';
import { buildManifest, type ResolvedVariant } from '../../../src/core/manifest-builder.ts';
import { documentArb } from '../../fixtures/arbitraries.ts';
import { validateManifestSchema } from '../../fixtures/schema.ts';

const base = { environment: 'prod', revision: 3, generatedAt: '2026-12-01T10:00:00.000Z' };
const resolved = (document: PromptDocument, version = '1.0.0', weight = 100): ResolvedVariant => ({
  version,
  sha256: documentHash(document),
  document,
  weight,
});

const manifestArb = fc
  .array(fc.tuple(documentArb, fc.constantFrom(8, 8192), fc.constantFrom(0.01, 0.5, 1), fc.boolean()), {
    minLength: 1,
    maxLength: 3,
  })
  .map((docs) => {
    const prompts: Record<string, ResolvedVariant[]> = {};
    const shadows: Record<string, ResolvedVariant & { sampleRate: number }> = {};
    docs.forEach(([doc, , sampleRate, withShadow], i) => {
      const id = `${doc.id}-${i}`;
      prompts[id] = [resolved(doc)];
      if (withShadow || i === 0)
        shadows[id] = { ...resolved({ ...doc, description: 'candidate' }, '1.1.0'), sampleRate };
    });
    return JSON.parse(
      buildManifest({ ...base, prompts, shadows }, { inlineThresholdBytes: docs[0]?.[1] ?? 8192 }).json,
    ) as { prompts: Record<string, { shadow?: Record<string, unknown> }> };
  });

const shadowOf = (manifest: { prompts: Record<string, { shadow?: Record<string, unknown> }> }) =>
  Object.values(manifest.prompts).find((p) => p.shadow)?.shadow as Record<string, unknown>;

describe('Manifest shadows', () => {
  it('builds a shadow entry with the sample rate, accepted by all three checks', () => {
    fc.assert(
      fc.property(manifestArb, (manifest) => {
        const shadow = shadowOf(manifest);
        expect(shadow).toMatchObject({ version: '1.1.0', kind: expect.any(String) });
        expect(typeof shadow.sampleRate).toBe('number');
        expect(manifestProblems(manifest)).toEqual([]);
        expect(isValidManifest(manifest)).toBe(true);
        expect(validateManifestSchema(manifest)).toBe(true);
      }),
      { numRuns: 50 },
    );
  });

  it.each<[string, (shadow: Record<string, unknown>) => void, string]>([
    ['sampleRate 0', (s) => (s.sampleRate = 0), 'sampleRate'],
    ['sampleRate above 1', (s) => (s.sampleRate = 1.01), 'sampleRate'],
    ['sampleRate missing', (s) => delete s.sampleRate, 'sampleRate'],
    ['sampleRate a string', (s) => (s.sampleRate = '0.5'), 'sampleRate'],
    ['variants on a shadow', (s) => (s.variants = [{ ...s, weight: 100 }]), 'variants'],
    ['segments on a shadow', (s) => (s.segments = {}), 'segments'],
    ['capture false', (s) => (s.capture = false), 'capture'],
    ['capture a string', (s) => (s.capture = 'yes'), 'capture'],
    ['a bad hash', (s) => (s.sha256 = 'x'), 'sha256'],
    [
      'neither body nor bodyRef',
      (s) => {
        delete s.body;
        delete s.bodyRef;
      },
      'shadow',
    ],
  ])('rejects %s in manifestProblems, isValidManifest and the schema alike', (_label, change, field) => {
    const manifest = fc.sample(manifestArb, 1)[0] as Parameters<typeof shadowOf>[0];
    change(shadowOf(manifest));
    const problems = manifestProblems(manifest);
    expect(problems.map((p) => p.path).join(' ')).toContain(field);
    expect(isValidManifest(manifest)).toBe(false);
    expect(validateManifestSchema(manifest)).toBe(false);
  });

  it('isValidManifest accepts exactly what manifestProblems does, with any shadow field replaced or removed (property)', () => {
    const fields = [
      'version',
      'sha256',
      'kind',
      'variables',
      'body',
      'bodyRef',
      'sampleRate',
      'capture',
      'variants',
      'model',
    ];
    const value = fc.oneof(
      fc.constantFrom(null, 0, -1, 0.5, 1, 1.5, '', 'text', '0.5', [], {}, 'a'.repeat(64), {
        key: 'k',
        size: 1,
      }),
      fc.jsonValue({ maxDepth: 2 }),
    );
    fc.assert(
      fc.property(
        manifestArb,
        fc.constantFrom(...fields),
        value,
        fc.boolean(),
        (manifest, field, v, remove) => {
          const shadow = shadowOf(manifest);
          if (remove) delete shadow[field];
          else shadow[field] = v;
          expect(isValidManifest(manifest)).toBe(manifestProblems(manifest).length === 0);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('rejects a shadow that is not an object', () => {
    const manifest = fc.sample(manifestArb, 1)[0] as { prompts: Record<string, Record<string, unknown>> };
    const entry = Object.values(manifest.prompts).find((p) => p.shadow) as Record<string, unknown>;
    for (const bad of ['1.1.0', [], null]) {
      entry.shadow = bad;
      expect(manifestProblems(manifest).some((p) => p.path.endsWith('.shadow'))).toBe(true);
      expect(isValidManifest(manifest)).toBe(false);
    }
  });

  it('marks every shadow capture: true only when the environment captures outputs, accepted by all three checks', () => {
    const [doc] = fc.sample(documentArb, 1) as [PromptDocument];
    const input = {
      ...base,
      prompts: { 'support-reply': [resolved(doc)] },
      shadows: {
        'support-reply': { ...resolved({ ...doc, description: 'candidate' }, '1.1.0'), sampleRate: 0.5 },
      },
    };
    const off = JSON.parse(buildManifest(input).json);
    expect(off.prompts['support-reply'].shadow).not.toHaveProperty('capture');
    const on = JSON.parse(buildManifest(input, { shadowOutputCapture: true }).json);
    expect(on.prompts['support-reply'].shadow.capture).toBe(true);
    expect(manifestProblems(on)).toEqual([]);
    expect(isValidManifest(on)).toBe(true);
    expect(validateManifestSchema(on)).toBe(true);
    // The primary pin never carries it.
    expect(on.prompts['support-reply']).not.toHaveProperty('capture');
  });
});
