/**
 * Resolves pins to the documents a manifest carries, checking what a deployment requires: every
 * version exists (segment pins' and the shadow's too, docs/shadows.md), (in a protected environment) is approved by someone other than its publisher, (in
 * an environment with the release gate) has a PASSED evaluation run against its prompt's current
 * suite, and passes lint, in that order: the first gate that refuses answers. A version whose item
 * records the current lint stamp (publish linted it with these rules) is not linted again.
 */

import type { DeprecatedVersionRef } from '../../src/core/api.ts';
import { mapBounded } from '../../src/core/bounded.ts';
import { APPCONFIG } from '../../src/core/contracts.ts';
import { serializePromptDocument } from '../../src/core/document.ts';
import { LintFailedError, NotApprovedError, NotFoundError } from '../../src/core/errors.ts';
import { LINT_STAMP, lintDocument } from '../../src/core/lint/index.ts';
import type { DeployedVariant, DeployedVersion } from '../../src/core/manifest-builder.ts';
import {
  type BasePin,
  type Pin,
  type Pins,
  pinSegments,
  pinShadow,
  pinVariants,
  pinVersions,
} from '../../src/core/pins.ts';
import type { VersionRecord } from '../model.ts';
import { loadDocument } from '../registry/document-cache.ts';
import type { DeliveryDeps } from './deps.ts';
import { checkEvaluations, type EvaluationAdmissions } from './evaluation-gate.ts';
import { checkArchived, checkDeprecated, deprecatedAmong } from './maintenance-gate.ts';
import { publishedVersionObject, type UnrecordedFacts } from './version-objects.ts';

export interface ResolveOptions {
  /** Prompt id -> the versions that must pass the gates (the ones being deployed now, segments' too). */
  readonly gated: ReadonlyMap<string, ReadonlySet<string>>;
  readonly requireApproval: boolean;
  /** Set in an environment with the release gate (evaluation-gate.ts); a rollback never has it. */
  readonly requireEvaluation?: { readonly environment: string; readonly requireSuite: boolean };
  /** Deploy gated versions that are deprecated anyway (docs/maintenance.md). */
  readonly allowDeprecated?: boolean;
  /** Prompts (besides the gated ones) whose deprecated versions the answer names: a rollback's changes. */
  readonly announceDeprecated?: ReadonlySet<string>;
}

export interface ResolvedPins {
  /** The default pins. */
  readonly prompts: Record<string, DeployedVariant[]>;
  /** Prompt id -> segment -> its pin, for the prompts with segment pins. */
  readonly segments: Record<string, Record<string, DeployedVariant[]>>;
  /** Prompt id -> its shadow candidate (docs/shadows.md), for the prompts with one. */
  readonly shadows: Record<string, ResolvedShadow>;
  /** The runs that admitted the gated versions; empty without the release gate. */
  readonly evaluations: EvaluationAdmissions;
  /** Deprecated versions deployed anyway or restored by a rollback (docs/maintenance.md). */
  readonly deprecated: DeprecatedVersionRef[];
  /** The version objects publish recorded on the items (`ref`): they exist, deploy need not write them. */
  readonly recordedRefs: ReadonlySet<string>;
  /** What this resolve learned that the items do not record yet (version-objects.ts, recordVersionFacts). */
  readonly unrecorded: readonly UnrecordedFacts[];
}

/** A shadow candidate's version and the share of calls that run it. */
export type ResolvedShadow = DeployedVersion & { readonly sampleRate: number };

/** Reads in flight at once (DynamoDB batches, S3 documents). */
const READS_IN_FLIGHT = 32;

/**
 * Whether the environment may outgrow schema 1: the manifest with every body in S3, estimated from
 * the items' sizes, over the builder's target (¾ of the limit). Only then are documents of versions
 * with a recorded ref left unread, so a smaller environment builds exactly as before.
 */
export function outgrowsInlineManifest(records: readonly VersionRecord[]): boolean {
  const target = APPCONFIG.maxHostedConfigurationBytes * 0.75;
  let bytes = 0;
  for (const record of records) {
    // An entry with its body in S3 is the object less its body, plus the bodyRef (about 130 bytes)
    // and the prompt id; 400 bytes for an item that predates the recorded sizes.
    bytes +=
      record.objectBytes !== undefined && record.bodyBytes !== undefined
        ? record.objectBytes - record.bodyBytes + 160
        : 400;
    if (bytes > target) return true;
  }
  return false;
}

export function isApproved(record: VersionRecord): boolean {
  return record.approvals.some((a) => a.by !== record.createdBy);
}

export async function resolvePins(
  deps: DeliveryDeps,
  pins: Pins,
  options: ResolveOptions,
): Promise<ResolvedPins> {
  // Each version once, however many pins (the default, segments) name it.
  const refs = new Map<string, { id: string; version: string }>();
  for (const [id, pin] of Object.entries(pins))
    for (const version of pinVersions(pin)) refs.set(`${id}@${version}`, { id, version });
  const wanted = [...refs.values()];
  const records = deps.prompts.getVersions
    ? await deps.prompts.getVersions(wanted)
    : await mapBounded(wanted, READS_IN_FLIGHT, (r) => deps.prompts.getVersion(r.id, r.version));
  const entries = wanted.map((r, i) => ({ ...r, record: records[i] }));
  const missing = entries.filter((e) => !e.record).map((e) => `${e.id}@${e.version}`);
  if (missing.length > 0) throw new NotFoundError(`These versions do not exist: ${missing.join(', ')}`);

  const isGated = (e: { id: string; version: string }) => options.gated.get(e.id)?.has(e.version) === true;
  const gated = entries.filter(isGated);
  // Library maintenance first (docs/maintenance.md): an archived prompt, then deprecated versions.
  await checkArchived(deps.prompts, [...new Set(gated.map((e) => e.id))]);
  const pinned = (list: typeof entries) => list.map((e) => ({ id: e.id, record: e.record as VersionRecord }));
  const deprecated = [
    ...checkDeprecated(pinned(gated), options.allowDeprecated === true),
    ...deprecatedAmong(
      pinned(entries.filter((e) => !options.gated.has(e.id) && options.announceDeprecated?.has(e.id))),
    ),
  ];
  if (options.requireApproval) {
    const unapproved = gated
      .filter((e) => !isApproved(e.record as VersionRecord))
      .map((e) => `${e.id}@${e.version}`);
    if (unapproved.length > 0) {
      throw new NotApprovedError(
        `This environment accepts only approved versions; not approved by anyone but their publisher: ${unapproved.join(', ')}`,
        { extensions: { versions: unapproved } },
      );
    }
  }

  const evaluations = options.requireEvaluation
    ? await checkEvaluations(
        deps.evaluations,
        gated.map((e) => ({ id: e.id, version: e.version })),
        options.requireEvaluation,
      )
    : {};

  const documents = new Map<string, DeployedVersion>();
  // A large environment reads no document it will only reference: the gated versions whose lint
  // stamp is stale are linted, and versions without a recorded ref need theirs to build the object.
  const large = outgrowsInlineManifest(entries.map((e) => e.record as VersionRecord));
  const recordedRefs = new Set<string>();
  for (const entry of entries) {
    const version = entry.record as VersionRecord;
    if (version.ref) recordedRefs.add(version.ref);
  }
  const unrecorded: UnrecordedFacts[] = [];
  await mapBounded(entries, READS_IN_FLIGHT, async (entry) => {
    const { id } = entry;
    const version = entry.record as VersionRecord;
    const deprecatedFlag = version.deprecation ? { deprecated: true } : {};
    // Publish linted the document with the rules its stamp names; only a rules change re-lints.
    const lint = isGated(entry) && version.lintedWith !== LINT_STAMP;
    if (large && version.ref && !lint) {
      documents.set(`${id}@${version.version}`, {
        version: version.version,
        sha256: version.sha256,
        ref: version.ref,
        ...deprecatedFlag,
      });
      return;
    }
    const document = await loadDocument(deps.bodies, version.sha256);
    if (!document)
      throw new Error(
        `The document of ${id}@${version.version} (${version.sha256}) is missing from the body store`,
      );
    if (lint) {
      const linted = lintDocument(serializePromptDocument(document));
      if (!linted.ok) throw new LintFailedError(linted.findings);
    }
    if (lint || (large && !version.ref)) {
      unrecorded.push({
        id,
        version: version.version,
        ...(lint ? { lintedWith: LINT_STAMP } : {}),
        ...(large && !version.ref
          ? { object: publishedVersionObject(version.version, version.sha256, document).facts }
          : {}),
      });
    }
    documents.set(`${id}@${version.version}`, {
      version: version.version,
      sha256: version.sha256,
      document,
      size: version.size,
      ...deprecatedFlag,
    });
  });
  const resolve = (id: string, pin: BasePin | Pin): DeployedVariant[] =>
    pinVariants(pin).map((variant) => ({
      ...(documents.get(`${id}@${variant.version}`) as DeployedVersion),
      weight: variant.weight,
    }));
  const resolved: Record<string, DeployedVariant[]> = {};
  const segments: Record<string, Record<string, DeployedVariant[]>> = {};
  const shadows: Record<string, ResolvedShadow> = {};
  for (const [id, pin] of Object.entries(pins)) {
    resolved[id] = resolve(id, pin);
    const named = Object.entries(pinSegments(pin));
    if (named.length > 0)
      segments[id] = Object.fromEntries(named.map(([name, segment]) => [name, resolve(id, segment)]));
    const shadow = pinShadow(pin);
    if (shadow)
      shadows[id] = {
        ...(documents.get(`${id}@${shadow.version}`) as DeployedVersion),
        sampleRate: shadow.sampleRate,
      };
  }
  return { prompts: resolved, segments, shadows, evaluations, deprecated, recordedRefs, unrecorded };
}
