/** Publish writes the version object and records its ref (docs/architecture.md, "Ten thousand prompts"). */
import { describe, expect, it } from 'vitest';
import { publishVersion } from '../../../lambda/registry/publish-version.ts';
import { versionObjectKey } from '../../../src/core/contracts.ts';
import { documentBody, parsePromptDocument } from '../../../src/core/document.ts';
import { LINT_STAMP } from '../../../src/core/lint/index.ts';
import { readVersionObject, versionObjectRef } from '../../../src/core/version-object.ts';
import { ALICE } from '../../fixtures/api.ts';
import { promptDocument } from '../../fixtures/delivery-setup.ts';
import { memoryRegistry } from '../../fixtures/registry-fakes.ts';

describe('publishVersion and version objects', () => {
  it('stores the version object before the item, and records its ref and sizes on the item', async () => {
    const registry = memoryRegistry();
    const text = promptDocument('support-reply');
    const { record } = await publishVersion(registry, {
      id: 'support-reply',
      document: text,
      version: '1.0.0',
      caller: ALICE,
      requestId: 'r1',
    });
    const ref = record.ref as string;
    const stored = registry.versionObjects.objects.get(versionObjectKey(ref)) as string;
    expect(versionObjectRef(stored)).toBe(ref);
    const version = readVersionObject(stored, ref, '1.0.0');
    expect(version.sha256).toBe(record.sha256);
    expect(version.body).toBe(documentBody(parsePromptDocument(text)));
    expect(record.objectBytes).toBe(Buffer.byteLength(stored));
    expect(record.bodyBytes).toBe(Buffer.byteLength(version.body as string));
    expect(await registry.prompts.getVersion('support-reply', '1.0.0')).toMatchObject({ ref });
  });

  it('records the lint stamp the document passed with, so deploy need not lint it again', async () => {
    const registry = memoryRegistry();
    const { record } = await publishVersion(registry, {
      id: 'support-reply',
      document: promptDocument('support-reply'),
      version: '1.0.0',
      caller: ALICE,
      requestId: 'r1',
    });
    expect(record.lintedWith).toBe(LINT_STAMP);
    expect((await registry.prompts.getVersion('support-reply', '1.0.0'))?.lintedWith).toBe(LINT_STAMP);
  });

  it('writes nothing when the publish is refused', async () => {
    const registry = memoryRegistry();
    await expect(
      publishVersion(registry, {
        id: 'support-reply',
        document: promptDocument('other-id'),
        version: '1.0.0',
        caller: ALICE,
        requestId: 'r1',
      }),
    ).rejects.toThrow(/does not match the prompt id/);
    expect(registry.versionObjects.objects.size).toBe(0);
    expect(registry.bodies.objects.size).toBe(0);
  });
});
