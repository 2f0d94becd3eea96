/** Deploying thousands of prompts (docs/architecture.md, "Ten thousand prompts"): references, version objects, batched reads. */
import { AppConfigClient, CreateHostedConfigurationVersionCommand } from '@aws-sdk/client-appconfig';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { deployPrompts } from '../../../lambda/delivery/deploy.ts';
import type { VersionRecord } from '../../../lambda/model.ts';
import { APPCONFIG, versionObjectKey } from '../../../src/core/contracts.ts';
import { serializePromptDocument } from '../../../src/core/document.ts';
import { LintFailedError, ManifestTooLargeError } from '../../../src/core/errors.ts';
import { sha256Hex } from '../../../src/core/hash.ts';
import { LINT_STAMP } from '../../../src/core/lint/index.ts';
import {
  isValidManifestDocument,
  isVersionRef,
  type ReferencingManifest,
} from '../../../src/core/manifest.ts';
import { readVersionObject } from '../../../src/core/version-object.ts';
import { BOB } from '../../fixtures/api.ts';
import { memoryDelivery } from '../../fixtures/delivery-fakes.ts';
import { type FakeAppConfig, fakeAppConfig } from '../../fixtures/delivery-setup.ts';
import { scaleDocument, scalePromptId, seedDirectly } from '../../fixtures/scale.ts';
import { validateManifestSchema } from '../../fixtures/schema.ts';

const appconfig = mockClient(AppConfigClient);
let setup: ReturnType<typeof memoryDelivery>;
let fake: FakeAppConfig;
let documentReads: number;

afterAll(() => appconfig.restore());
beforeEach(() => {
  appconfig.reset();
  setup = memoryDelivery();
  fake = fakeAppConfig(appconfig);
  documentReads = 0;
  const get = setup.registry.bodies.get.bind(setup.registry.bodies);
  setup.registry.bodies.get = (sha256: string) => {
    documentReads += 1;
    return get(sha256);
  };
});

const COUNT = 3_000;
const ids = Array.from({ length: COUNT }, (_, i) => scalePromptId(i));
const deploy = (pins: Record<string, string>, requestId = 'r1') =>
  deployPrompts(setup.deps, { environment: 'dev', pins, caller: BOB, requestId });
const allPins = () => Object.fromEntries(ids.map((id) => [id, '1.0.0']));

function settle() {
  for (const number of fake.stored.keys()) fake.states.set(number, { State: 'COMPLETE' });
}

describe('deployPrompts at thousands of prompts', () => {
  it('deploys 3,000 prompts of 3 KB in one deployment as a schema 2 manifest whose every ref names a stored, matching version object', {
    timeout: 300_000,
  }, async () => {
    await seedDirectly(setup.registry, ids);
    const started = await deploy(allPins());
    expect(started.revision).toBe(1);
    // Every version is new to the environment (gated), and publish's lint stamp is current: none is read.
    expect(documentReads).toBe(0);
    const manifest = fake.stored.get(1) as ReferencingManifest;
    expect(manifest.schemaVersion).toBe(2);
    const json = JSON.stringify(manifest);
    expect(Buffer.byteLength(json)).toBeLessThanOrEqual(APPCONFIG.maxHostedConfigurationBytes);
    expect(isValidManifestDocument(manifest)).toBe(true);
    expect(validateManifestSchema(manifest)).toBe(true);
    let references = 0;
    for (const id of ids) {
      const entry = manifest.prompts[id];
      if (!entry || !isVersionRef(entry)) continue;
      references += 1;
      const text = setup.registry.versionObjects.objects.get(versionObjectKey(entry.ref));
      expect(readVersionObject(text ?? '', entry.ref, '1.0.0').version).toBe('1.0.0');
    }
    expect(references).toBeGreaterThan(COUNT / 2);
  });

  it('reads the document only of the version a later deployment changes; the rest travel by their recorded ref', {
    timeout: 300_000,
  }, async () => {
    await seedDirectly(setup.registry, ids);
    await deploy(allPins());
    settle();
    documentReads = 0;
    // A redeploy of one prompt whose lint stamp is stale: it is read and linted; the other 2,999 are not read.
    const stale = (await setup.registry.prompts.getVersion(ids[1] as string, '1.0.0')) as VersionRecord;
    setup.registry.prompts.versions.set(`${ids[1]}@1.0.0`, { ...stale, lintedWith: '0-rules-before' });
    await deploy({ [ids[1] as string]: '1.0.0' }, 'r2');
    expect(documentReads).toBe(1);
    expect((await setup.registry.prompts.getVersion(ids[1] as string, '1.0.0'))?.lintedWith).toBe(LINT_STAMP);
    const manifest = fake.stored.get(2) as ReferencingManifest;
    expect(Object.keys(manifest.prompts)).toHaveLength(COUNT);
    expect(isValidManifestDocument(manifest)).toBe(true);
  });

  it('writes the version objects of versions published before them (no ref on the item)', {
    timeout: 300_000,
  }, async () => {
    await seedDirectly(setup.registry, ids);
    // The first 100 as if published before version objects: no ref on the item, no object stored.
    for (const id of ids.slice(0, 100)) {
      const record = await setup.registry.prompts.getVersion(id, '1.0.0');
      const { ref, objectBytes: _o, bodyBytes: _b, ...legacy } = record as NonNullable<typeof record>;
      setup.registry.versionObjects.objects.delete(versionObjectKey(ref as string));
      setup.registry.prompts.versions.set(`${id}@1.0.0`, legacy);
    }
    await deploy(allPins());
    const manifest = fake.stored.get(1) as ReferencingManifest;
    for (const id of ids.slice(0, 100)) {
      const entry = manifest.prompts[id];
      if (entry && isVersionRef(entry))
        expect(setup.registry.versionObjects.objects.has(versionObjectKey(entry.ref))).toBe(true);
    }
    const refs = Object.values(manifest.prompts).filter(isVersionRef);
    expect(refs.every((e) => setup.registry.versionObjects.objects.has(versionObjectKey(e.ref)))).toBe(true);
    // Their items now record the objects written, so the next deployment of all reads no document.
    for (const id of ids.slice(0, 100)) {
      const record = await setup.registry.prompts.getVersion(id, '1.0.0');
      const entry = manifest.prompts[id];
      if (entry && isVersionRef(entry)) expect(record?.ref).toBe(entry.ref);
    }
    settle();
    documentReads = 0;
    await deploy(allPins(), 'r2');
    expect(documentReads).toBe(0);
  });

  it("lints a version again when its stamp is not the current rules' one, and trusts a current stamp", {
    timeout: 300_000,
  }, async () => {
    const few = ids.slice(0, 3);
    await seedDirectly(setup.registry, few);
    // A document the current rules refuse (no output_format section), stored as a version of few[0].
    const failing = serializePromptDocument({
      ...scaleDocument(0),
      sections: scaleDocument(0).sections.filter((s) => s.name !== 'output_format'),
    });
    const sha256 = sha256Hex(failing);
    await setup.registry.bodies.put(sha256, failing);
    const record = (await setup.registry.prompts.getVersion(few[0] as string, '1.0.0')) as VersionRecord;
    const { ref: _r, objectBytes: _o, bodyBytes: _b, ...item } = record;
    setup.registry.prompts.versions.set(`${few[0]}@2.0.0`, {
      ...item,
      version: '2.0.0',
      sha256,
      lintedWith: '0-rules-before',
    });
    const refused = await deploy({ [few[0] as string]: '2.0.0' }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(LintFailedError);
    // The same item with the current stamp is deployed without reading the rules again.
    setup.registry.prompts.versions.set(`${few[0]}@2.0.0`, {
      ...item,
      version: '2.0.0',
      sha256,
      lintedWith: LINT_STAMP,
    });
    await expect(deploy({ [few[0] as string]: '2.0.0' }, 'r2')).resolves.toMatchObject({ revision: 1 });
  });

  it('is MANIFEST_TOO_LARGE before touching AppConfig when even references overflow (8,000 prompts with 64-character ids)', {
    timeout: 300_000,
  }, async () => {
    const long = Array.from({ length: 8_000 }, (_, i) => `${'p'.repeat(58)}${String(i).padStart(6, '0')}`);
    await seedDirectly(setup.registry, long, 100);
    const error = await deploy(Object.fromEntries(long.map((id) => [id, '1.0.0']))).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ManifestTooLargeError);
    expect((error as ManifestTooLargeError).largest).toHaveLength(3);
    expect(setup.environments.writes).toBe(0);
    expect(appconfig.commandCalls(CreateHostedConfigurationVersionCommand)).toHaveLength(0);
  });
});
