/**
 * Version objects on the server side (docs/architecture.md, "Ten thousand prompts"): publish writes
 * one per version and records its ref on the version item; deploy writes the ones it had to build
 * from documents (versions published before version objects), a bounded number at a time, and then
 * records their refs on the items, so such a version is read once and not at every large deploy.
 */
import { mapBounded } from '../../src/core/bounded.ts';
import { documentBody, type PromptDocument } from '../../src/core/document.ts';
import { utf8Bytes } from '../../src/core/manifest-builder.ts';
import { type VersionObject, versionObject } from '../../src/core/version-object.ts';
import type { PromptRepository, VersionObjectStore } from '../ports.ts';

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

/**
 * A version linted now under the current stamp, or (in a large environment) without a recorded ref
 * and with the facts of the object deploy builds for it: recorded once the deploy wrote its objects.
 */
export interface UnrecordedFacts {
  readonly id: string;
  readonly version: string;
  readonly lintedWith?: string;
  readonly object?: { readonly ref: string; readonly objectBytes: number; readonly bodyBytes: number };
}

/** Item updates in flight at once. */
const FACT_WRITES_IN_FLIGHT = 16;

/**
 * Records on the version items what a deploy learned: a lint stamp it checked, and the ref of an
 * object it wrote (`written`; an item's ref must mean its object exists). The next large deploy then
 * neither reads nor lints those versions. Best effort: a failed write only leaves that work to the
 * next deploy, so it never fails the deploy. Returns how many items were updated.
 */
export async function recordDeployFacts(
  prompts: Pick<PromptRepository, 'recordVersionFacts'>,
  unrecorded: readonly UnrecordedFacts[],
  written: ReadonlySet<string>,
): Promise<number> {
  const record = prompts.recordVersionFacts?.bind(prompts);
  if (!record) return 0;
  const updates = unrecorded
    .map(({ id, version, lintedWith, object }) => ({
      id,
      version,
      facts: {
        ...(lintedWith !== undefined ? { lintedWith } : {}),
        ...(object && written.has(object.ref) ? object : {}),
      },
    }))
    .filter((u) => Object.keys(u.facts).length > 0);
  const outcomes = await mapBounded(updates, FACT_WRITES_IN_FLIGHT, (u) =>
    record(u.id, u.version, u.facts).then(
      (outcome) => outcome === 'recorded',
      () => false,
    ),
  );
  return outcomes.filter(Boolean).length;
}
