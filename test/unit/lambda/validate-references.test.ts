/** The AppConfig validator on schema 2 manifests (docs/architecture.md, "Ten thousand prompts"). */
import { describe, expect, it } from 'vitest';
import {
  emptyValidationStats,
  REGISTRY_SAMPLE_READS,
  VALIDATOR_READS_IN_FLIGHT,
  VerifiedRefs,
  validateManifest,
} from '../../../lambda/delivery/validate-manifest.ts';
import { publishedVersionObject } from '../../../lambda/delivery/version-objects.ts';
import type { RecordedRefs, VersionObjectStore } from '../../../lambda/ports.ts';
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

/** The registry's refs as a map `id@version` to ref, counting the versions asked for. */
function registryOf(refs: Map<string, string>) {
  const asked: number[] = [];
  const recorded: RecordedRefs = {
    getRecordedRefs: async (versions) => {
      asked.push(versions.length);
      return versions.map((v) => refs.get(`${v.id}@${v.version}`));
    },
  };
  return { recorded, asked };
}

/** A store counting the keys read. */
function counting(objects: MemoryVersionObjectStore) {
  const read: string[] = [];
  const store: VersionObjectStore = {
    put: (key, text) => objects.put(key, text),
    get: (key) => {
      read.push(key);
      return objects.get(key);
    },
  };
  return { store, read };
}

/** Every prompt's ref as the registry records it after publish. */
function recordedRefsOf(built: { manifest: { prompts: Record<string, unknown> } }) {
  return new Map(
    Object.entries(built.manifest.prompts as Record<string, { version: string; ref: string }>).map(
      ([id, entry]) => [`${id}@${entry.version}`, entry.ref],
    ),
  );
}

describe("validateManifest with the registry's recorded refs", () => {
  it('reads only a sample of the refs every naming version records, the smallest first, and remembers all', async () => {
    const { built, bodies, objects } = await referencing(100);
    const { recorded, asked } = registryOf(recordedRefsOf(built));
    const { store, read } = counting(objects);
    const verified = new VerifiedRefs();
    const stats = emptyValidationStats();
    await expect(
      validateManifest(bodies, built.json, store, verified, { recorded, stats }),
    ).resolves.toMatchObject({ revision: 2 });
    const smallest = built.references
      .map((r) => r.ref)
      .sort()
      .slice(0, REGISTRY_SAMPLE_READS);
    expect(read.sort()).toEqual(smallest.map((ref) => `versions/${ref}.json`).sort());
    expect(asked).toEqual([100]);
    expect(stats).toEqual({ refs: 100, verifiedBefore: 0, confirmedByRegistry: 100, objectsRead: 32 });
    expect(verified.size).toBe(100);
    // Warm: the registry is not asked and nothing is read.
    const again = emptyValidationStats();
    await validateManifest(bodies, built.json, store, verified, { recorded, stats: again });
    expect([read.length, asked.length, again.verifiedBefore, again.objectsRead]).toEqual([32, 1, 100, 0]);
  });

  it('reads in full each ref the registry does not record for its version, and rejects a bad one', async () => {
    const { built, bodies, objects } = await referencing(40);
    const refs = recordedRefsOf(built);
    const noRef = scalePromptId(35);
    const otherRef = scalePromptId(36);
    refs.delete(`${noRef}@1.0.0`);
    refs.set(`${otherRef}@1.0.0`, 'A'.repeat(43));
    const { recorded } = registryOf(refs);
    const { store, read } = counting(objects);
    const stats = emptyValidationStats();
    await validateManifest(bodies, built.json, store, undefined, { recorded, stats });
    const entries = built.manifest.prompts as Record<string, { ref: string }>;
    for (const id of [noRef, otherRef]) expect(read).toContain(`versions/${entries[id]?.ref}.json`);
    expect(stats).toMatchObject({ confirmedByRegistry: 38, objectsRead: 2 + REGISTRY_SAMPLE_READS });
    // The unrecorded one's object changed in the bucket: read, so refused.
    const key = `versions/${entries[noRef]?.ref}.json`;
    objects.objects.set(key, (objects.objects.get(key) as string).replace('Prompt 35', 'Prompt 99'));
    await expect(validateManifest(bodies, built.json, store, undefined, { recorded })).rejects.toThrow(
      new RegExp(`${noRef}@1\\.0\\.0: .*does not hash to its ref`),
    );
  });

  it('reads a ref named with another version than the registry records for it, so the mismatch is refused', async () => {
    const { built, bodies, objects } = await referencing(3);
    const { recorded } = registryOf(recordedRefsOf(built));
    const tampered = built.json.replace('"version":"1.0.0"', '"version":"1.0.1"');
    await expect(validateManifest(bodies, tampered, objects, undefined, { recorded })).rejects.toThrow(
      /holds version 1\.0\.0, not 1\.0\.1/,
    );
  });

  it('rejects the manifest when a sampled object the registry records is not in the bucket', async () => {
    const { built, bodies, objects } = await referencing(50);
    const { recorded } = registryOf(recordedRefsOf(built));
    const [smallest] = built.references.map((r) => r.ref).sort();
    objects.objects.delete(`versions/${smallest}.json`);
    await expect(validateManifest(bodies, built.json, objects, undefined, { recorded })).rejects.toThrow(
      new RegExp(`no version object versions/${smallest}\\.json`),
    );
  });

  it('reads every object when the registry fails, and says why', async () => {
    const { built, bodies, objects } = await referencing(40);
    const recorded: RecordedRefs = {
      getRecordedRefs: async () => {
        throw new Error('ProvisionedThroughputExceededException');
      },
    };
    const { store, read } = counting(objects);
    const stats = emptyValidationStats();
    await expect(
      validateManifest(bodies, built.json, store, undefined, { recorded, stats }),
    ).resolves.toBeDefined();
    expect(read).toHaveLength(40);
    expect(stats).toMatchObject({
      confirmedByRegistry: 0,
      objectsRead: 40,
      registryError: 'ProvisionedThroughputExceededException',
    });
  });

  it('confirms a ref two prompts name when both their items record it', async () => {
    const objects = new MemoryVersionObjectStore();
    const { object } = publishedVersionObject('1.0.0', 'a'.repeat(64), scaleDocument(0, 50));
    await objects.put(object.key, object.text);
    const prompts = {
      [scalePromptId(0)]: { version: '1.0.0', ref: object.ref },
      copy: { version: '1.0.0', ref: object.ref },
    };
    const manifest = JSON.stringify({ schemaVersion: 2, ...base, prompts });
    const both = registryOf(
      new Map([
        [`${scalePromptId(0)}@1.0.0`, object.ref],
        ['copy@1.0.0', object.ref],
      ]),
    );
    const stats = emptyValidationStats();
    await validateManifest(new MemoryBodyStore(), manifest, objects, undefined, {
      recorded: both.recorded,
      stats,
    });
    expect(stats).toMatchObject({ refs: 1, confirmedByRegistry: 1 });
    const one = registryOf(new Map([[`${scalePromptId(0)}@1.0.0`, object.ref]]));
    const partly = emptyValidationStats();
    await validateManifest(new MemoryBodyStore(), manifest, objects, undefined, {
      recorded: one.recorded,
      stats: partly,
    });
    expect(partly).toMatchObject({ refs: 1, confirmedByRegistry: 0, objectsRead: 1 });
  });
});
