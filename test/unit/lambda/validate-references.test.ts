/** The AppConfig validator on schema 2 manifests (docs/architecture.md, "Ten thousand prompts"). */
import { describe, expect, it } from 'vitest';
import {
  VALIDATOR_READS_IN_FLIGHT,
  VerifiedRefs,
  validateManifest,
} from '../../../lambda/delivery/validate-manifest.ts';
import { publishedVersionObject } from '../../../lambda/delivery/version-objects.ts';
import type { VersionObjectStore } from '../../../lambda/ports.ts';
import { serializePromptDocument } from '../../../src/core/document.ts';
import { buildEnvironmentManifest } from '../../../src/core/manifest-builder.ts';
import { MemoryBodyStore, MemoryVersionObjectStore } from '../../fixtures/registry-fakes.ts';
import { scaleDocument, scalePromptId, scaleResolved } from '../../fixtures/scale.ts';

const base = { environment: 'prod', revision: 2, generatedAt: '2026-12-02T10:00:00.000Z' };

/** A schema 2 manifest of `count` prompts, every position a reference, with its stores filled. */
async function referencing(count: number) {
  const prompts = scaleResolved(count, 200);
  const built = buildEnvironmentManifest({ ...base, prompts }, { targetBytes: 1 });
  const bodies = new MemoryBodyStore();
  const objects = new MemoryVersionObjectStore();
  for (const [, [variant]] of Object.entries(prompts)) {
    if (variant) await bodies.put(variant.sha256, serializePromptDocument(variant.document));
  }
  for (const o of built.versionObjects) await objects.put(o.key, o.text);
  return { built, bodies, objects };
}

describe('validateManifest with version references', () => {
  it('accepts a manifest whose every ref names a stored object holding that version', async () => {
    const { built, bodies, objects } = await referencing(5);
    expect(built.manifest.schemaVersion).toBe(2);
    await expect(validateManifest(bodies, built.json, objects)).resolves.toMatchObject({ revision: 2 });
  });

  it('rejects a ref whose object is missing, naming the prompt and the key', async () => {
    const { built, bodies, objects } = await referencing(3);
    const missing = built.versionObjects[1];
    objects.objects.delete(missing?.key as string);
    await expect(validateManifest(bodies, built.json, objects)).rejects.toThrow(
      new RegExp(`${scalePromptId(1)}@1\\.0\\.0: no version object ${missing?.key}`),
    );
  });

  it('rejects an object changed in the store (it no longer hashes to its ref)', async () => {
    const { built, bodies, objects } = await referencing(2);
    const object = built.versionObjects[0];
    objects.objects.set(object?.key as string, (object?.text as string).replace('Prompt 0', 'Prompt 9'));
    await expect(validateManifest(bodies, built.json, objects)).rejects.toThrow(/does not hash to its ref/);
  });

  it('rejects an entry naming another version than its object holds', async () => {
    const { built, bodies, objects } = await referencing(2);
    const tampered = built.json.replace('"version":"1.0.0"', '"version":"1.0.1"');
    await expect(validateManifest(bodies, tampered, objects)).rejects.toThrow(
      /holds version 1\.0\.0, not 1\.0\.1/,
    );
  });

  it("with the container's verified refs, reads no object it verified before and still compares versions", async () => {
    const { built, bodies, objects } = await referencing(4);
    let reads = 0;
    const counted: VersionObjectStore = {
      put: (key, text) => objects.put(key, text),
      get: (key) => {
        reads += 1;
        return objects.get(key);
      },
    };
    const verified = new VerifiedRefs();
    await validateManifest(bodies, built.json, counted, verified);
    expect(reads).toBe(4);
    expect(verified.size).toBe(4);
    await validateManifest(bodies, built.json, counted, verified);
    expect(reads).toBe(4);
    const tampered = built.json.replace('"version":"1.0.0"', '"version":"1.0.1"');
    await expect(validateManifest(bodies, tampered, counted, verified)).rejects.toThrow(
      /holds version 1\.0\.0, not 1\.0\.1/,
    );
    expect(reads).toBe(4);
  });

  it('does not remember a ref whose check failed, and keeps at most its capacity, least recently used out', async () => {
    const { built, bodies, objects } = await referencing(3);
    const object = built.versionObjects[0];
    objects.objects.set(object?.key as string, (object?.text as string).replace('Prompt 0', 'Prompt 9'));
    const verified = new VerifiedRefs(2);
    await expect(validateManifest(bodies, built.json, objects, verified)).rejects.toThrow(/does not hash/);
    expect(verified.get(object?.ref as string)).toBeUndefined();
    expect(verified.size).toBe(2);
    verified.remember('a', '1.0.0');
    verified.remember('b', '1.0.0');
    expect(verified.get('a')).toBe('1.0.0');
    verified.remember('c', '1.0.0');
    expect([verified.size, verified.get('b'), verified.get('a')]).toEqual([2, undefined, '1.0.0']);
  });

  it('rejects references when it has no version object store', async () => {
    const { built, bodies } = await referencing(1);
    await expect(validateManifest(bodies, built.json)).rejects.toThrow(/no version object store/);
  });

  it('checks 10,000 references reading each object once, at most 64 at a time', {
    timeout: 180_000,
  }, async () => {
    const objects = new Map<string, string>();
    let inFlight = 0;
    let most = 0;
    let reads = 0;
    const store: VersionObjectStore = {
      put: async (key, text) => {
        objects.set(key, text);
      },
      get: async (key) => {
        reads += 1;
        inFlight += 1;
        most = Math.max(most, inFlight);
        await new Promise((resolve) => setImmediate(resolve));
        inFlight -= 1;
        return objects.get(key);
      },
    };
    const entries: Record<string, { version: string; ref: string }> = {};
    for (let i = 0; i < 10_000; i++) {
      const { object } = publishedVersionObject('1.0.0', 'a'.repeat(64), scaleDocument(i, 50));
      objects.set(object.key, object.text);
      entries[scalePromptId(i)] = { version: '1.0.0', ref: object.ref };
    }
    // Two prompts naming the same version object: read once.
    entries['scale-prompt-copy'] = entries[scalePromptId(0)] as { version: string; ref: string };
    const manifest = JSON.stringify({ schemaVersion: 2, ...base, prompts: entries });
    await expect(validateManifest(new MemoryBodyStore(), manifest, store)).resolves.toBeDefined();
    expect(reads).toBe(10_000);
    expect(most).toBe(VALIDATOR_READS_IN_FLIGHT);
  });
});
