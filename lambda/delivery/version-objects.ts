/**
 * Version objects on the server side (docs/architecture.md, "Ten thousand prompts"): publish writes
 * one per version and records its ref on the version item; deploy writes the ones it had to build
 * from documents (versions published before version objects), a bounded number at a time.
 */
import { mapBounded } from '../../src/core/bounded.ts';
import { documentBody, type PromptDocument } from '../../src/core/document.ts';
import { utf8Bytes } from '../../src/core/manifest-builder.ts';
import { type VersionObject, versionObject } from '../../src/core/version-object.ts';
import type { VersionObjectStore } from '../ports.ts';

/** Writes in flight at once: S3 takes thousands a second per prefix; this keeps a Lambda's sockets few. */
export const VERSION_OBJECT_WRITES_IN_FLIGHT = 32;

/** The version object of a version being published, and the facts its item records. */
export function publishedVersionObject(
  version: string,
  sha256: string,
  document: PromptDocument,
): { object: VersionObject; facts: { ref: string; objectBytes: number; bodyBytes: number } } {
  const body = documentBody(document);
  const object = versionObject({
    version,
    sha256,
    kind: document.kind,
    ...(document.model ? { model: document.model } : {}),
    variables: document.variables,
    body,
  });
  return {
    object,
    facts: { ref: object.ref, objectBytes: utf8Bytes(object.text), bodyBytes: utf8Bytes(body) },
  };
}

/**
 * Makes sure the objects a manifest references exist before AppConfig sees it: writes each of
 * `objects` whose ref no version item recorded (an item's ref means publish wrote the object first).
 * Writes are idempotent (same key, same text), so a retried deploy repeats them harmlessly.
 */
export async function ensureVersionObjects(
  store: VersionObjectStore,
  objects: readonly VersionObject[],
  recorded: ReadonlySet<string>,
): Promise<number> {
  const missing = objects.filter((o) => !recorded.has(o.ref));
  await mapBounded(missing, VERSION_OBJECT_WRITES_IN_FLIGHT, (o) => store.put(o.key, o.text));
  return missing.length;
}
