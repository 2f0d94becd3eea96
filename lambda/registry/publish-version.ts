/**
 * Publishing a version: lint, decide the version, store the document by hash, then the version item
 * by one conditional put (the commit point), then the prompt summary and the audit event, both
 * idempotent and each tried once more on a store error, so a publish that committed finishes. A
 * retry of the same publish answers with the existing version and repairs whatever a failure after
 * the commit point still left undone (docs/architecture.md, "Cut points: registry").
 */
import { type PromptDocument, serializePromptDocument } from '../../src/core/document.ts';
import { LintFailedError, ValidationError, VersionExistsError } from '../../src/core/errors.ts';
import { sha256Hex } from '../../src/core/hash.ts';
import { assertPromptId } from '../../src/core/ids.ts';
import { LINT_STAMP, lintDocument } from '../../src/core/lint/index.ts';
import { utf8Bytes } from '../../src/core/manifest-builder.ts';
import { assertVersion, type BumpOption, decidePublishVersion } from '../../src/core/versioning.ts';
import { auditEvent } from '../audit-events.ts';
import { publishedVersionObject } from '../delivery/version-objects.ts';
import { refuseArchived } from '../maintenance/archival.ts';
import type { VersionRecord } from '../model.ts';
import type { RegistryDeps } from '../ports.ts';
import { retryOnce } from '../runtime/retry-once.ts';
import { loadDocument, rememberDocument } from './document-cache.ts';

export interface PublishInput {
  readonly id: string;
  /** The `.prompt.md` document text. */
  readonly document: string;
  readonly version?: string;
  readonly bump?: BumpOption;
  readonly message?: string;
  readonly caller: string;
  readonly requestId: string;
  /** The request's key (runtime/request-key.ts), when it carried an Idempotency-Key. */
  readonly publishKey?: string;
}

/** How far back a keyed retry looks for the version its first attempt created. */
const RETRY_LOOKBACK = 20;

export interface PublishResult {
  /** False when the same document was already published as this version (an idempotent retry). */
  readonly created: boolean;
  readonly record: VersionRecord;
}

export async function publishVersion(deps: RegistryDeps, input: PublishInput): Promise<PublishResult> {
  const id = assertPromptId(input.id);
  const requested = input.version === undefined ? undefined : assertVersion(input.version);
  // An archived prompt takes no new versions (docs/maintenance.md); checked before anything is written.
  refuseArchived(id, await deps.prompts.getArchival(id), 'publishing a version');

  const lint = lintDocument(input.document);
  if (!lint.ok || !lint.document) throw new LintFailedError(lint.findings);
  const document = lint.document;
  if (document.id !== id) {
    const message = `the document's id "${document.id}" does not match the prompt id "${id}" in the path`;
    throw new ValidationError(`Invalid document: ${message}`, [{ path: 'document.id', message }]);
  }
  const canonical = serializePromptDocument(document);
  const sha256 = sha256Hex(canonical);

  if (requested !== undefined) {
    const existing = await deps.prompts.getVersion(id, requested);
    if (existing) return answerExisting(deps, existing, sha256, input.requestId);
  }
  // A keyed retry whose first attempt created a version, after later publishes: that version is
  // its answer, not one more (docs/architecture.md, "Cut points: registry").
  const recent =
    requested === undefined && input.publishKey !== undefined
      ? await deps.prompts.recentVersions(id, RETRY_LOOKBACK)
      : undefined;
  const mine = recent?.find((v) => v.publishKey === input.publishKey);
  if (mine) return answerExisting(deps, mine, sha256, input.requestId);
  const latest = recent ? recent[0] : await deps.prompts.getLatestVersion(id);
  // Without a version, the identical document is a retry; with one, a concurrent publish may have
  // created exactly that version between the two reads.
  if (latest && (requested === undefined ? latest.sha256 === sha256 : latest.version === requested)) {
    return answerExisting(deps, latest, sha256, input.requestId);
  }

  let latestDocument: { version: string; document: PromptDocument } | undefined;
  if (latest) {
    const previous = await loadDocument(deps.bodies, latest.sha256);
    if (!previous)
      throw new Error(
        `The document of ${id}@${latest.version} (${latest.sha256}) is missing from the body store`,
      );
    latestDocument = { version: latest.version, document: previous };
  }
  const decision = decidePublishVersion({
    document,
    ...(latestDocument ? { latest: latestDocument } : {}),
    ...(requested !== undefined ? { version: requested } : {}),
    ...(input.bump !== undefined ? { bump: input.bump } : {}),
  });
  if (decision.unchanged && latest) return answerExisting(deps, latest, sha256, input.requestId);

  const published = deps.versionObjects
    ? publishedVersionObject(decision.version, sha256, document)
    : undefined;
  const record: VersionRecord = {
    id,
    version: decision.version,
    sha256,
    size: utf8Bytes(canonical),
    createdBy: input.caller,
    createdAt: deps.now().toISOString(),
    ...(input.message !== undefined ? { message: input.message } : {}),
    bump: decision.bump,
    approvals: [],
    ...(document.description !== undefined ? { description: document.description } : {}),
    ...(document.owner !== undefined ? { owner: document.owner } : {}),
    ...published?.facts,
    ...(input.publishKey !== undefined ? { publishKey: input.publishKey } : {}),
    // Deploy lints this version again only once the rules change (docs/architecture.md, "Ten thousand prompts").
    lintedWith: LINT_STAMP,
  };

  // The body and version object first: until the version item exists nothing refers to them, so a
  // failure here or in the put below leaves nothing visible.
  // Two independent S3 writes, at once: in local mode each is a file write in s3rver.
  await Promise.all([
    deps.bodies.put(sha256, canonical),
    published ? deps.versionObjects?.put(published.object.key, published.object.text) : undefined,
  ]);
  rememberDocument(sha256, document);
  // Tried once more on a store error: the put is conditional, so when the first attempt was applied
  // and answered an error, the second finds this very record (same author and time) and goes on.
  if ((await retryOnce(() => deps.prompts.createVersion(record))) === 'exists') {
    const winner = await deps.prompts.getVersion(id, record.version);
    if (!winner) throw new Error(`${id}@${record.version} was reported as existing but cannot be read`);
    if (!isSameWrite(winner, record)) return answerExisting(deps, winner, sha256, input.requestId);
  }
  await completePublish(deps, record, input.requestId);
  return { created: true, record };
}

/** The same document under the same version is an idempotent retry; a different one is a conflict. */
async function answerExisting(
  deps: RegistryDeps,
  existing: VersionRecord,
  sha256: string,
  requestId: string,
): Promise<PublishResult> {
  if (existing.sha256 !== sha256) {
    throw new VersionExistsError(
      `Version ${existing.version} of ${existing.id} already exists with different content (sha256 ${existing.sha256.slice(0, 12)}…): publish a new version`,
    );
  }
  await completePublish(deps, existing, requestId);
  return { created: false, record: existing };
}

/** Whether the stored version is the one this request wrote (its first attempt was applied). */
function isSameWrite(stored: VersionRecord, record: VersionRecord): boolean {
  return (
    stored.sha256 === record.sha256 &&
    stored.createdBy === record.createdBy &&
    stored.createdAt === record.createdAt
  );
}

/** After the commit point: both writes are idempotent, and each is tried once more on a store error. */
async function completePublish(deps: RegistryDeps, record: VersionRecord, requestId: string): Promise<void> {
  await retryOnce(() => deps.prompts.recordLatest(record));
  const event = auditEvent({
    at: record.createdAt,
    actor: record.createdBy,
    action: 'prompt.publish',
    target: `${record.id}@${record.version}`,
    details: {
      sha256: record.sha256,
      bump: record.bump,
      ...(record.message !== undefined ? { message: record.message } : {}),
    },
    requestId,
    promptId: record.id,
  });
  await retryOnce(() => deps.audit.append(event));
}
