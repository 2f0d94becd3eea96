import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { problemDetails } from '../../../lambda/runtime/problem-details.ts';
import { ERROR_STATUS } from '../../../src/core/api.ts';
import { bodyObjectKey } from '../../../src/core/contracts.ts';
import { documentBody, type PromptDocument, serializePromptDocument } from '../../../src/core/document.ts';
import { ManifestTooLargeError, ValidationError } from '../../../src/core/errors.ts';
import { documentHash } from '../../../src/core/hash.ts';
import {
  emptyManifest,
  isValidManifest,
  isValidManifestDocument,
  isValidPlainManifest,
  manifestProblems,
  parseManifest,
} from '../../../src/core/manifest.ts';
import { buildManifest, type ResolvedVariant, utf8Bytes } from '../../../src/core/manifest-builder.ts';
import { documentArb, referencingManifestArb } from '../../fixtures/arbitraries.ts';
import { textDocument } from '../../fixtures/documents.ts';
import { thrownBy } from '../../fixtures/errors.ts';
import { validateManifestSchema } from '../../fixtures/schema.ts';

const validateSchema = validateManifestSchema;

function resolved(document: PromptDocument, version = '1.0.0', weight = 100): ResolvedVariant {
  return { version, sha256: documentHash(document), document, weight };
}

/** Five prompts of about 300 KB each: over 1 MiB when inlined. */
function largePrompts(): Record<string, ResolvedVariant[]> {
  const prompts: Record<string, ResolvedVariant[]> = {};
  for (let i = 0; i < 5; i++) {
    const doc = textDocument({
      id: `p${i}`,
      sections: [{ name: 'instructions', content: `${i}`.repeat(300_000) }],
    });
    prompts[`p${i}`] = [resolved(doc)];
  }
  return prompts;
}

const base = { environment: 'prod', revision: 3, generatedAt: '2026-11-22T10:00:00.000Z' };

describe('buildManifest', () => {
  it('inlines small bodies with the version, hash, model and variables', () => {
    const doc = textDocument();
    const { manifest, json, bytes } = buildManifest({
      ...base,
      prompts: { 'support-reply': [resolved(doc, '1.2.0')] },
    });
    expect(manifest).toEqual({
      schemaVersion: 1,
      environment: 'prod',
      revision: 3,
      generatedAt: '2026-11-22T10:00:00.000Z',
      prompts: {
        'support-reply': {
          version: '1.2.0',
          sha256: documentHash(doc),
          kind: 'text',
          model: doc.model,
          variables: doc.variables,
          body: documentBody(doc),
        },
      },
    });
    expect(JSON.parse(json)).toEqual(manifest);
    expect(bytes).toBe(utf8Bytes(json));
    expect(validateSchema(manifest)).toBe(true);
  });

  it('references large bodies in S3 by hash', () => {
    const doc = textDocument({ sections: [{ name: 'instructions', content: 'x'.repeat(9000) }] });
    const { manifest } = buildManifest(
      { ...base, prompts: { big: [resolved(doc)] } },
      { bodyBucket: 'bodies-bucket' },
    );
    const entry = manifest.prompts.big!;
    expect(entry.body).toBeUndefined();
    expect(entry.bodyRef).toEqual({
      bucket: 'bodies-bucket',
      key: bodyObjectKey(documentHash(doc)),
      size: utf8Bytes(serializePromptDocument(doc)),
    });
    expect(validateSchema(manifest)).toBe(true);
  });

  it('honours a custom inline threshold (bytes, not characters)', () => {
    const doc = textDocument({ sections: [{ name: 'instructions', content: 'é'.repeat(40) }] });
    const body = documentBody(doc);
    expect(utf8Bytes(body)).toBeGreaterThan(body.length);
    const atLimit = buildManifest(
      { ...base, prompts: { a: [resolved(doc)] } },
      { inlineThresholdBytes: utf8Bytes(body) },
    );
    expect(atLimit.manifest.prompts.a?.body).toBe(body);
    const below = buildManifest(
      { ...base, prompts: { a: [resolved(doc)] } },
      { inlineThresholdBytes: body.length },
    );
    expect(below.manifest.prompts.a?.bodyRef).toBeDefined();
  });

  it('carries variants, with the first variant as the entry', () => {
    const a = textDocument();
    const b = textDocument({ description: 'B' });
    const { manifest } = buildManifest({
      ...base,
      prompts: { 'support-reply': [resolved(a, '1.0.0', 90), resolved(b, '1.1.0', 10)] },
    });
    const entry = manifest.prompts['support-reply']!;
    expect(entry.version).toBe('1.0.0');
    expect(entry.variants?.map((v) => [v.version, v.weight])).toEqual([
      ['1.0.0', 90],
      ['1.1.0', 10],
    ]);
    expect('weight' in entry).toBe(false);
    expect(validateSchema(manifest)).toBe(true);
    expect(parseManifest(JSON.stringify(manifest))).toEqual(manifest);
  });

  it('fails with MANIFEST_TOO_LARGE naming the size and the largest prompts, when moving bodies out is not enough', () => {
    // Variable descriptions travel in the manifest whatever happens to the bodies.
    const prompts = Object.fromEntries(
      Object.entries(largePrompts()).map(([id, [variant]]) => {
        const document = variant?.document as PromptDocument;
        const variables = {
          topic: { type: 'string' as const, required: true, description: 'd'.repeat(300_000) },
        };
        return [id, [resolved({ ...document, variables })]];
      }),
    );
    const tooLarge = thrownBy(ManifestTooLargeError, () => buildManifest({ ...base, prompts }));
    expect(ERROR_STATUS[tooLarge.code]).toBe(422);
    expect(tooLarge.code).toBe('MANIFEST_TOO_LARGE');
    expect(tooLarge.size).toBeGreaterThan(1_500_000);
    expect(tooLarge.limit).toBe(1024 * 1024);
    expect(tooLarge.largest).toHaveLength(3);
    expect(tooLarge.message).toMatch(
      /over AppConfig's 1048576-byte limit; largest prompts: p\d \(\d+ bytes\)/,
    );
    expect(problemDetails(tooLarge)).toMatchObject({ size: tooLarge.size, largest: tooLarge.largest });
  });

  it('fits the same prompts once large bodies go by reference', () => {
    expect(buildManifest({ ...base, prompts: largePrompts() }).bytes).toBeLessThan(10_000);
  });

  it('builds schema-valid manifests that parse back unchanged (property)', () => {
    const entries = fc.array(fc.tuple(documentArb, fc.constantFrom(8, 200, 8192), fc.boolean()), {
      minLength: 0,
      maxLength: 4,
    });
    fc.assert(
      fc.property(entries, fc.nat(1000), (docs, revision) => {
        const prompts: Record<string, ResolvedVariant[]> = {};
        docs.forEach(([doc, , split], i) => {
          prompts[`${doc.id}-${i}`] = split
            ? [resolved(doc, '1.0.0', 70), resolved({ ...doc, description: 'other' }, '1.1.0', 30)]
            : [resolved(doc)];
        });
        const threshold = docs[0]?.[1] ?? 8192;
        const built = buildManifest(
          { ...base, revision, prompts },
          { inlineThresholdBytes: threshold, bodyBucket: 'bkt' },
        );
        const valid = validateSchema(JSON.parse(built.json));
        expect(validateSchema.errors ?? []).toEqual([]);
        expect(valid).toBe(true);
        expect(parseManifest(built.json)).toEqual(built.manifest);
      }),
      { numRuns: 200 },
    );
  });
});

describe('parseManifest', () => {
  it('accepts the initial empty manifest', () => {
    const empty = emptyManifest('dev', '2026-01-01T00:00:00Z');
    expect(parseManifest(JSON.stringify(empty))).toEqual(empty);
    expect(validateSchema(empty)).toBe(true);
  });

  it('rejects malformed JSON', () => {
    expect(() => parseManifest('{not json')).toThrow(/not valid JSON/);
  });

  const good = buildManifest({ ...base, prompts: { 'support-reply': [resolved(textDocument())] } }).manifest;
  const entry = good.prompts['support-reply']!;

  it.each<[string, unknown, string]>([
    ['a wrong schema version', { ...good, schemaVersion: 3 }, 'schemaVersion'],
    ['a negative revision', { ...good, revision: -1 }, 'revision'],
    ['a missing hash', { ...good, prompts: { x: { ...entry, sha256: 'abc' } } }, 'prompts.x.sha256'],
    [
      'both body and bodyRef',
      { ...good, prompts: { x: { ...entry, bodyRef: { key: 'k', size: 1 } } } },
      'prompts.x',
    ],
    ['neither body nor bodyRef', { ...good, prompts: { x: { ...entry, body: undefined } } }, 'prompts.x'],
    ['an unknown kind', { ...good, prompts: { x: { ...entry, kind: 'poem' } } }, 'prompts.x.kind'],
    [
      'a bad variable',
      { ...good, prompts: { x: { ...entry, variables: { v: { type: 'date', required: true } } } } },
      'prompts.x.variables.v',
    ],
    [
      'weights not summing to 100',
      { ...good, prompts: { x: { ...entry, variants: [{ ...entry, weight: 50 }] } } },
      'prompts.x.variants',
    ],
  ])('rejects %s, naming the field, as the schema does', (_label, manifest, path) => {
    const json = JSON.parse(JSON.stringify(manifest));
    expect(thrownBy(ValidationError, () => parseManifest(json)).errors?.map((e) => e.path)).toContain(path);
    if (path !== 'prompts.x.variants') expect(validateSchema(json)).toBe(false);
  });
});

/** Every prompt of a (valid) manifest has one pin: no variants, segments or shadow. */
function onePinEach(manifest: unknown): boolean {
  return Object.values((manifest as { prompts: Record<string, Record<string, unknown>> }).prompts).every(
    (prompt) => prompt.variants === undefined && prompt.segments === undefined && prompt.shadow === undefined,
  );
}

describe('isValidManifest', () => {
  /** Every path to a value inside `value` (objects and arrays), the root included. */
  function paths(value: unknown, at: readonly (string | number)[] = []): (string | number)[][] {
    const found: (string | number)[][] = [[...at]];
    if (typeof value === 'object' && value !== null) {
      for (const [key, child] of Object.entries(value)) {
        found.push(...paths(child, [...at, Array.isArray(value) ? Number(key) : key]));
      }
    }
    return found;
  }

  /** `value` with the value at `path` replaced (or, with `remove`, deleted). */
  function mutate(value: unknown, path: readonly (string | number)[], replacement: unknown, remove: boolean) {
    if (path.length === 0) return replacement;
    const copy = structuredClone(value) as Record<string | number, unknown>;
    let parent = copy;
    for (const key of path.slice(0, -1)) parent = parent[key] as Record<string | number, unknown>;
    const last = path.at(-1) as string | number;
    if (remove) delete parent[last];
    else parent[last] = replacement;
    return copy;
  }

  const replacementArb = fc.oneof(
    fc.constantFrom(
      null,
      0,
      -1,
      1,
      1.5,
      30,
      50,
      70,
      100,
      101,
      '',
      'x',
      'text',
      'chat',
      'string',
      'number',
      'date',
      true,
      false,
      [],
      {},
      [{}],
      { key: 'k', size: 1 },
      { key: 'k', size: 1, bucket: 3 },
      { type: 'string', required: true },
      'a'.repeat(64),
      2,
      'A'.repeat(43),
      'B'.repeat(43),
      { version: '1.0.0', ref: 'A'.repeat(43) },
    ),
    fc.jsonValue({ maxDepth: 2 }),
  );

  const inlineManifestArb = fc
    .array(fc.tuple(documentArb, fc.constantFrom(8, 200, 8192), fc.boolean()), { maxLength: 3 })
    .map((docs) => {
      const prompts: Record<string, ResolvedVariant[]> = {};
      docs.forEach(([doc, , split], i) => {
        prompts[`${doc.id}-${i}`] = split
          ? [resolved(doc, '1.0.0', 70), resolved({ ...doc, description: 'other' }, '1.1.0', 30)]
          : [resolved(doc)];
      });
      const threshold = docs[0]?.[1] ?? 8192;
      return JSON.parse(
        buildManifest({ ...base, prompts }, { inlineThresholdBytes: threshold, bodyBucket: 'bkt' }).json,
      ) as unknown;
    });

  const manifestArb = fc.oneof(inlineManifestArb, inlineManifestArb.chain(referencingManifestArb));

  const mutatedArb = manifestArb.chain((manifest) => {
    const all = paths(manifest);
    const mutation = fc.tuple(fc.nat(all.length - 1), replacementArb, fc.boolean());
    return fc.array(mutation, { minLength: 1, maxLength: 3 }).map((mutations) =>
      mutations.reduce<unknown>((value, [index, replacement, remove]) => {
        const path = all[index] as (string | number)[];
        try {
          return mutate(value, path, replacement, remove && path.length > 0);
        } catch {
          return value; // An earlier mutation removed the path.
        }
      }, manifest),
    );
  });

  it('accepts exactly what manifestProblems finds no problem in, on valid and mutated manifests of both schemas (property)', {
    timeout: 120_000,
  }, () => {
    fc.assert(
      fc.property(fc.oneof(manifestArb, mutatedArb), (manifest) => {
        const valid = manifestProblems(manifest).length === 0;
        expect(isValidManifestDocument(manifest)).toBe(valid);
        // The schema 1 check: the same, and no version references.
        expect(isValidManifest(manifest)).toBe(
          valid && (manifest as { schemaVersion: number }).schemaVersion === 1,
        );
        // The client's check of every load: the same, where every prompt has one pin.
        expect(isValidPlainManifest(manifest)).toBe(isValidManifest(manifest) && onePinEach(manifest));
      }),
      { numRuns: 2000 },
    );
  });

  it('accepts the valid manifests it is generated from, and rejects most mutations (the test has teeth)', () => {
    const valid = fc.sample(manifestArb, 50);
    expect(valid.every((m) => isValidManifestDocument(m))).toBe(true);
    // Both sides of the client's one-pin check are met.
    const plain = valid.filter((m) => isValidPlainManifest(m)).length;
    expect(plain).toBeGreaterThan(3);
    expect(plain).toBeLessThan(47);
    const referencing = fc.sample(inlineManifestArb.chain(referencingManifestArb), 50);
    expect(referencing.filter((m) => JSON.stringify(m).includes('"ref":')).length).toBeGreaterThan(10);
    expect(referencing.every((m) => isValidManifestDocument(m) && validateSchema(m))).toBe(true);
    const mutated = fc.sample(mutatedArb, 300);
    expect(mutated.filter((m) => !isValidManifestDocument(m)).length).toBeGreaterThan(100);
  });
});
