/** The builder past the target size (docs/architecture.md, "Ten thousand prompts"): bodies out, then references. */
import { describe, expect, it } from 'vitest';
import { bodyObjectKey } from '../../../src/core/contracts.ts';
import { documentBody, type PromptDocument } from '../../../src/core/document.ts';
import { ManifestTooLargeError } from '../../../src/core/errors.ts';
import { documentHash } from '../../../src/core/hash.ts';
import { isValidManifest, isValidManifestDocument, isVersionRef } from '../../../src/core/manifest.ts';
import {
  buildEnvironmentManifest,
  buildManifest,
  type ResolvedVariant,
  utf8Bytes,
} from '../../../src/core/manifest-builder.ts';
import { manifestProgramOf } from '../../../src/core/valid-body.ts';
import { readVersionObject } from '../../../src/core/version-object.ts';
import { textDocument } from '../../fixtures/documents.ts';
import { thrownBy } from '../../fixtures/errors.ts';
import { scaleDocument, scaleResolved } from '../../fixtures/scale.ts';
import { validateManifestSchema } from '../../fixtures/schema.ts';

const base = { environment: 'prod', revision: 7, generatedAt: '2026-12-02T10:00:00.000Z' };
const LIMIT = 1024 * 1024;

function resolved(document: PromptDocument, version = '1.0.0', weight = 100): ResolvedVariant {
  return { version, sha256: documentHash(document), document, weight };
}

/** A prompt whose body is `bytes` long. */
function sized(id: string, bytes: number): ResolvedVariant {
  return resolved(textDocument({ id, sections: [{ name: 'instructions', content: 'x'.repeat(bytes) }] }));
}

type Entry = Record<string, unknown> & { body?: string; bodyRef?: unknown; ref?: string };

describe('buildEnvironmentManifest', () => {
  it('builds 10,000 prompts of 3 KB as references within the limit, every body reachable through a listed version object', {
    timeout: 180_000,
  }, () => {
    const prompts = scaleResolved(10_000);
    const built = buildEnvironmentManifest({ ...base, prompts });
    expect(built.bytes).toBe(utf8Bytes(built.json));
    expect(built.bytes).toBeLessThanOrEqual(LIMIT);
    expect(built.bytes / 10_000).toBeLessThan(200);
    expect(built.manifest.schemaVersion).toBe(2);
    const value = JSON.parse(built.json);
    expect(isValidManifestDocument(value)).toBe(true);
    expect(validateManifestSchema(value)).toBe(true);

    const objects = new Map(built.versionObjects.map((o) => [o.ref, o]));
    expect(new Set(built.references.map((r) => r.ref))).toEqual(new Set(objects.keys()));
    let referenced = 0;
    for (const [id, [variant]] of Object.entries(prompts)) {
      const entry = value.prompts[id] as Entry;
      if (entry.ref === undefined) {
        // Kept in full: its body inline or in S3 under its hash.
        expect(entry.body ?? entry.bodyRef).toBeDefined();
        continue;
      }
      referenced += 1;
      const object = objects.get(entry.ref);
      expect(object?.key).toBe(`versions/${entry.ref}.json`);
      const version = readVersionObject(object?.text ?? '', entry.ref, '1.0.0');
      expect(version.body).toBe(documentBody(variant?.document as PromptDocument));
      expect(version.sha256).toBe(variant?.sha256);
    }
    expect(referenced).toBeGreaterThan(9_000);
  });

  it('keeps 1,000 prompts of 3 KB in schema 1 (about 520 B each with the body in S3), their bodies moved to S3, so clients that read only schema 1 still load it', {
    timeout: 60_000,
  }, () => {
    const built = buildEnvironmentManifest({ ...base, prompts: scaleResolved(1_000) });
    expect(built.manifest.schemaVersion).toBe(1);
    expect(built.bytes).toBeLessThanOrEqual(Math.floor(LIMIT * 0.75));
    expect(built.references).toEqual([]);
    const value = JSON.parse(built.json);
    expect(isValidManifest(value)).toBe(true);
    const entries = Object.values(value.prompts) as Entry[];
    // Only as many bodies moved out as the target needs; every entry keeps one of the two.
    expect(entries.filter((e) => e.bodyRef !== undefined).length).toBeGreaterThan(800);
    expect(entries.every((e) => (e.bodyRef === undefined) !== (e.body === undefined))).toBe(true);
    expect(built.json).toBe(buildManifest({ ...base, prompts: scaleResolved(1_000) }).json);
  });

  it('is byte for byte the schema 1 manifest when it fits under the target: splits, segments and shadows too', () => {
    const doc = textDocument();
    const other = textDocument({ description: 'other' });
    const input = {
      ...base,
      prompts: { 'support-reply': [resolved(doc, '1.0.0', 70), resolved(other, '1.1.0', 30)] },
      segments: { 'support-reply': { beta: [resolved(other, '1.1.0')] } },
      shadows: { 'support-reply': { ...resolved(doc, '2.0.0'), sampleRate: 0.1 } },
    };
    const built = buildEnvironmentManifest(input);
    expect(built.json).toBe(buildManifest(input).json);
    expect(built.manifest.schemaVersion).toBe(1);
    expect(built.versionObjects).toEqual([]);
    // The shape main has always sent, field order included.
    const entry = JSON.parse(built.json).prompts['support-reply'];
    expect(Object.keys(entry)).toEqual([
      'version',
      'sha256',
      'kind',
      'model',
      'variables',
      'body',
      'variants',
      'segments',
      'shadow',
    ]);
  });

  it('moves inline bodies to S3 largest first, only as many as it takes to reach the target', () => {
    const prompts = {
      a: [sized('a', 3000)],
      b: [sized('b', 5000)],
      c: [sized('c', 4000)],
      d: [sized('d', 1000)],
    };
    const inline = buildEnvironmentManifest({ ...base, prompts });
    // The target sits just under the inline size: moving the largest body (b) out is enough.
    const built = buildEnvironmentManifest({ ...base, prompts }, { targetBytes: inline.bytes - 100 });
    const entries = JSON.parse(built.json).prompts as Record<string, Entry>;
    expect(built.manifest.schemaVersion).toBe(1);
    expect(entries.b?.bodyRef).toEqual({
      key: bodyObjectKey(prompts.b[0]?.sha256 as string),
      size: expect.any(Number),
    });
    expect(['a', 'c', 'd'].map((id) => typeof entries[id]?.body)).toEqual(['string', 'string', 'string']);

    // A target that needs three bodies out takes b, c, then a; d stays inline.
    const three = buildEnvironmentManifest({ ...base, prompts }, { targetBytes: inline.bytes - 10_000 });
    const after = JSON.parse(three.json).prompts as Record<string, Entry>;
    expect(['a', 'b', 'c', 'd'].map((id) => (after[id]?.bodyRef ? 'bodyRef' : 'body'))).toEqual([
      'bodyRef',
      'bodyRef',
      'bodyRef',
      'body',
    ]);
  });

  it('turns versions into references largest first once every body is in S3, naming each ref once', () => {
    const big = textDocument({
      id: 'big',
      variables: Object.fromEntries(
        Array.from({ length: 20 }, (_, i) => [`v${i}`, { type: 'string' as const, required: true }]),
      ),
    });
    const prompts = { big: [resolved(big)], small: [sized('small', 10)], again: [resolved(big)] };
    const allBodyRefs = buildEnvironmentManifest({ ...base, prompts }, { inlineThresholdBytes: 0 });
    // Just under all-bodyRef: the largest entries (the two of `big`, the same version object) go first.
    const built = buildEnvironmentManifest(
      { ...base, prompts },
      { inlineThresholdBytes: 0, targetBytes: allBodyRefs.bytes - 1 },
    );
    const entries = JSON.parse(built.json).prompts as Record<string, Entry>;
    expect(built.manifest.schemaVersion).toBe(2);
    expect(isVersionRef(entries.again as Entry)).toBe(true);
    expect(isVersionRef(entries.small as Entry)).toBe(false);
    expect(built.references).toHaveLength(1);
    expect(built.versionObjects).toHaveLength(1);
    expect(isValidManifestDocument(JSON.parse(built.json))).toBe(true);
  });

  it('references every position of a split, a segment and a shadow when it must, keeping weights and sample rates beside them', () => {
    const doc = scaleDocument(1);
    const other = scaleDocument(2);
    const built = buildEnvironmentManifest(
      {
        ...base,
        prompts: { pp: [resolved(doc, '1.0.0', 60), { ...resolved(other, '1.1.0', 40), deprecated: true }] },
        segments: { pp: { beta: [resolved(other, '1.1.0')] } },
        shadows: { pp: { ...resolved(doc, '2.0.0'), sampleRate: 0.25 } },
      },
      { targetBytes: 1 },
    );
    const entry = JSON.parse(built.json).prompts.pp;
    const ref = (version: string) => built.references.find((r) => r.version === version)?.ref;
    expect(entry).toEqual({
      version: '1.0.0',
      ref: ref('1.0.0'),
      variants: [
        { version: '1.0.0', ref: ref('1.0.0'), weight: 60 },
        { version: '1.1.0', ref: ref('1.1.0'), deprecated: true, weight: 40 },
      ],
      segments: { beta: { version: '1.1.0', ref: ref('1.1.0') } },
      shadow: { version: '2.0.0', ref: ref('2.0.0'), sampleRate: 0.25 },
    });
    expect(validateManifestSchema(JSON.parse(built.json))).toBe(true);
  });

  it('takes versions known only by their ref (documents not loaded) as references', () => {
    const known = buildEnvironmentManifest({ ...base, prompts: { p: [sized('p', 10)] } }, { targetBytes: 1 });
    const ref = known.references[0]?.ref as string;
    const built = buildEnvironmentManifest({
      ...base,
      prompts: { p: [{ version: '1.0.0', sha256: 'a'.repeat(64), ref, weight: 100 }], q: [sized('q', 10)] },
    });
    expect(built.manifest.schemaVersion).toBe(2);
    expect(JSON.parse(built.json).prompts.p).toEqual({ version: '1.0.0', ref });
    expect(typeof JSON.parse(built.json).prompts.q.body).toBe('string');
    expect(built.references).toEqual([{ ref, version: '1.0.0' }]);
    // Nothing to write for it: its object was written at publish.
    expect(built.versionObjects).toEqual([]);
  });

  it('fails with MANIFEST_TOO_LARGE when even references do not fit', () => {
    const error = thrownBy(ManifestTooLargeError, () =>
      buildEnvironmentManifest({ ...base, prompts: scaleResolved(200) }, { maxBytes: 10_000 }),
    );
    expect(error.limit).toBe(10_000);
    expect(error.size).toBeGreaterThan(10_000);
  });
});

describe('programs (docs/architecture.md, "The client\'s bundle")', () => {
  const prompts = {
    a: [sized('a', 3000)],
    b: [sized('b', 5000)],
    c: [sized('c', 4000)],
    d: [sized('d', 1000)],
  };
  const modes = (json: string) =>
    Object.entries(JSON.parse(json).prompts as Record<string, Entry>).map(
      ([id, e]) =>
        `${id}:${e.program ? 'program' : e.body !== undefined ? 'body' : e.bodyRef ? 'bodyRef' : 'ref'}`,
    );

  it('writes beside each inline body its compiled program, after the body, and none beside a body in S3', () => {
    const doc = textDocument();
    const built = buildEnvironmentManifest(
      {
        ...base,
        prompts: { 'support-reply': [resolved(doc)], big: [sized('big', 9000)] },
        shadows: { 'support-reply': { ...resolved(doc, '2.0.0'), sampleRate: 0.1 } },
      },
      { programs: true },
    );
    const value = JSON.parse(built.json);
    const entry = value.prompts['support-reply'];
    expect(Object.keys(entry)).toEqual([
      'version',
      'sha256',
      'kind',
      'model',
      'variables',
      'body',
      'program',
      'shadow',
    ]);
    expect(entry.program).toEqual(manifestProgramOf(documentBody(doc), Object.keys(doc.variables)));
    expect(entry.shadow.program).toEqual(entry.program);
    // Over the inline threshold: by S3 reference, without a program.
    expect(value.prompts.big.bodyRef).toBeDefined();
    expect(value.prompts.big.program).toBeUndefined();
    expect(isValidManifest(value)).toBe(true);
    expect(validateManifestSchema(value)).toBe(true);
  });

  it('writes none unless asked: the manifest is byte for byte what it was', () => {
    const without = buildEnvironmentManifest({ ...base, prompts });
    expect(without.json).not.toContain('"program"');
    expect(buildEnvironmentManifest({ ...base, prompts }, { programs: true }).json).toContain('"program"');
  });

  it('past the target drops programs largest body first, before any body moves to S3', () => {
    const all = buildEnvironmentManifest({ ...base, prompts }, { programs: true });
    const one = buildEnvironmentManifest(
      { ...base, prompts },
      { programs: true, targetBytes: all.bytes - 100 },
    );
    expect(modes(one.json)).toEqual(['a:program', 'b:body', 'c:program', 'd:program']);
    expect(one.bytes).toBeLessThanOrEqual(all.bytes - 100);

    // With every program gone it is the manifest built without them, bodies spilled as before.
    const plain = buildEnvironmentManifest({ ...base, prompts });
    const none = buildEnvironmentManifest({ ...base, prompts }, { programs: true, targetBytes: plain.bytes });
    expect(none.json).toBe(plain.json);
    const spilled = buildEnvironmentManifest(
      { ...base, prompts },
      { programs: true, targetBytes: plain.bytes - 100 },
    );
    expect(modes(spilled.json)).toEqual(['a:body', 'b:bodyRef', 'c:body', 'd:body']);
    expect(spilled.json).toBe(
      buildEnvironmentManifest({ ...base, prompts }, { targetBytes: plain.bytes - 100 }).json,
    );
  });

  it('refuses in the schema a program of the wrong shape', () => {
    const value = JSON.parse(
      buildEnvironmentManifest(
        { ...base, prompts: { 'support-reply': [resolved(textDocument())] } },
        { programs: true },
      ).json,
    );
    const entry = value.prompts['support-reply'];
    expect(validateManifestSchema(value)).toBe(true);
    entry.program.ops.push('x');
    expect(validateManifestSchema(value)).toBe(false);
    entry.program = { ops: [], texts: [], slots: [], extra: 1 };
    expect(validateManifestSchema(value)).toBe(false);
  });
});
