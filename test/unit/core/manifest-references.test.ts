/** Manifest schema 2: version references and version objects (docs/architecture.md, "Ten thousand prompts"). */
import { describe, expect, it } from 'vitest';
import { versionObjectKey } from '../../../src/core/contracts.ts';
import { documentBody } from '../../../src/core/document.ts';
import { ValidationError } from '../../../src/core/errors.ts';
import { documentHash } from '../../../src/core/hash.ts';
import {
  isValidManifest,
  isValidManifestDocument,
  isVersionRef,
  manifestProblems,
  parseManifest,
  parseManifestDocument,
} from '../../../src/core/manifest.ts';
import { MANIFEST_JSON_SCHEMA } from '../../../src/core/manifest-schema.ts';
import {
  readVersionObject,
  versionObject,
  versionObjectRef,
  versionObjectText,
} from '../../../src/core/version-object.ts';
import { textDocument } from '../../fixtures/documents.ts';
import { thrownBy } from '../../fixtures/errors.ts';
import { validateManifestSchema } from '../../fixtures/schema.ts';

const doc = textDocument();
const content = {
  version: '1.2.0',
  sha256: documentHash(doc),
  kind: doc.kind,
  ...(doc.model ? { model: doc.model } : {}),
  variables: doc.variables,
  body: documentBody(doc),
};
const object = versionObject(content);
const base = { environment: 'prod', revision: 3, generatedAt: '2026-11-22T10:00:00.000Z' };
const full = { ...content };
const reference = { version: '1.2.0', ref: object.ref };

function manifest(schemaVersion: number, entry: unknown) {
  return JSON.parse(JSON.stringify({ schemaVersion, ...base, prompts: { 'support-reply': entry } }));
}

describe('version objects', () => {
  it('are the full version with the body inline, keyed by the base64url SHA-256 of their text', () => {
    expect(object.ref).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(object.key).toBe(`versions/${object.ref}.json`);
    expect(versionObjectKey(object.ref)).toBe(object.key);
    expect(JSON.parse(object.text)).toEqual(content);
    expect(versionObjectRef(object.text)).toBe(object.ref);
  });

  it('give the same text and ref whatever order the variables and model keys come in', () => {
    const reordered = {
      ...content,
      variables: Object.fromEntries(Object.entries(content.variables).reverse()),
      model: Object.fromEntries(Object.entries(content.model ?? {}).reverse()),
    };
    expect(Object.keys(content.variables).length).toBeGreaterThan(1);
    expect(versionObjectText(reordered)).toBe(object.text);
  });

  it('read back the version they hold when the text hashes to the ref and the version matches', () => {
    expect(readVersionObject(object.text, object.ref, '1.2.0')).toEqual(content);
  });

  it.each<[string, string, string, string, RegExp]>([
    [
      'a changed text',
      object.text.replace('1.2.0', '1.2.1'),
      object.ref,
      '1.2.0',
      /does not hash to its ref/,
    ],
    ['another version', object.text, object.ref, '1.3.0', /holds version 1\.2\.0, not 1\.3\.0/],
    ['text that is not JSON', 'nope', versionObjectRef('nope'), '1.2.0', /is not JSON/],
    ['a reference-only body', versionObject0({ bodyRef: { key: 'k', size: 1 } }), '', '1.2.0', /inline/],
    ['a bad hash', versionObject0({ sha256: 'x' }), '', '1.2.0', /sha256/],
  ])('reject %s', (_label, text, ref, version, message) => {
    const checkedRef = ref || versionObjectRef(text);
    expect(thrownBy(ValidationError, () => readVersionObject(text, checkedRef, version)).message).toMatch(
      message,
    );
  });
});

/** A version object's text with `change` applied to the full version (body removed for a bodyRef). */
function versionObject0(change: Record<string, unknown>): string {
  const { body, ...rest } = content;
  return JSON.stringify('bodyRef' in change ? { ...rest, ...change } : { ...rest, body, ...change });
}

describe('schema 2 manifests', () => {
  it('accept a reference in every version position, with the deploy-time fields beside it', () => {
    const entry = {
      ...reference,
      deprecated: true,
      variants: [
        { ...reference, weight: 70 },
        { ...full, version: '1.3.0', weight: 30 },
      ],
      segments: { enterprise: reference, beta: { ...full } },
      shadow: { version: '2.0.0', ref: object.ref, sampleRate: 0.1 },
    };
    const value = manifest(2, entry);
    expect(manifestProblems(value)).toEqual([]);
    expect(isValidManifestDocument(value)).toBe(true);
    expect(validateManifestSchema(value)).toBe(true);
    expect(parseManifestDocument(JSON.stringify(value))).toEqual(value);
    expect(isVersionRef(value.prompts['support-reply'])).toBe(true);
    expect(isVersionRef(value.prompts['support-reply'].segments.beta)).toBe(false);
  });

  it('are refused by the schema 1 reader, which names schemaVersion and says to upgrade', () => {
    const value = manifest(2, reference);
    expect(isValidManifest(value)).toBe(false);
    const error = thrownBy(ValidationError, () => parseManifest(value));
    expect(error.errors?.map((e) => e.path)).toEqual(['schemaVersion']);
    expect(error.message).toMatch(/upgrade the reader/);
  });

  it.each<[string, number, unknown, string]>([
    ['a reference in a schema 1 manifest', 1, reference, 'prompts.support-reply.ref'],
    ['a ref that is not base64url SHA-256', 2, { ...reference, ref: 'abc' }, 'prompts.support-reply.ref'],
    [
      'a ref ending in a character no SHA-256 gives',
      2,
      { ...reference, ref: `${'A'.repeat(42)}B` },
      'prompts.support-reply.ref',
    ],
    ['a reference without a version', 2, { ref: object.ref }, 'prompts.support-reply.version'],
    ['a reference carrying a body', 2, { ...reference, body: 'x' }, 'prompts.support-reply.body'],
    [
      'a reference carrying a hash',
      2,
      { ...reference, sha256: content.sha256 },
      'prompts.support-reply.sha256',
    ],
    ['a reference carrying variables', 2, { ...reference, variables: {} }, 'prompts.support-reply.variables'],
    [
      'a referenced variant without a weight',
      2,
      { ...reference, variants: [reference] },
      'prompts.support-reply.variants.0.weight',
    ],
    [
      'a referenced shadow without a sample rate',
      2,
      { ...full, shadow: reference },
      'prompts.support-reply.shadow.sampleRate',
    ],
    [
      'a referenced segment with segments',
      2,
      { ...full, segments: { beta: { ...reference, segments: {} } } },
      'prompts.support-reply.segments.beta.segments',
    ],
  ])('reject %s, naming the field, as the yes/no check and the JSON Schema do', (_label, schema, entry, path) => {
    const value = manifest(schema, entry);
    expect(manifestProblems(value).map((p) => p.path)).toContain(path);
    expect(isValidManifestDocument(value)).toBe(false);
    expect(validateManifestSchema(value)).toBe(false);
  });

  it('keep the JSON Schema under the 32,768 characters AppConfig takes for a validator', () => {
    expect(JSON.stringify(MANIFEST_JSON_SCHEMA).length).toBeLessThan(32_768);
  });
});
