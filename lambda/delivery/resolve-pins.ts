/**
 * Resolves pins to the documents a manifest carries, checking what a deployment requires: every
 * version exists (segment pins' and the shadow's too, docs/shadows.md), (in a protected environment) is approved by someone other than its publisher, (in
 * an environment with the release gate) has a PASSED evaluation run against its prompt's current
 * suite, and passes lint, in that order: the first gate that refuses answers.
 */

import type { DeprecatedVersionRef } from '../../src/core/api.ts';
import { serializePromptDocument } from '../../src/core/document.ts';
import { LintFailedError, NotApprovedError, NotFoundError } from '../../src/core/errors.ts';
import { lintDocument } from '../../src/core/lint/index.ts';
import type { ResolvedVariant } from '../../src/core/manifest-builder.ts';
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
  readonly prompts: Record<string, ResolvedVariant[]>;
  /** Prompt id -> segment -> its pin, for the prompts with segment pins. */
  readonly segments: Record<string, Record<string, ResolvedVariant[]>>;
  /** Prompt id -> its shadow candidate (docs/shadows.md), for the prompts with one. */
  readonly shadows: Record<string, ResolvedShadow>;
  /** The runs that admitted the gated versions; empty without the release gate. */
  readonly evaluations: EvaluationAdmissions;
  /** Deprecated versions deployed anyway or restored by a rollback (docs/maintenance.md). */
  readonly deprecated: DeprecatedVersionRef[];
}

/** A shadow candidate's document and the share of calls that run it. */
export type ResolvedShadow = Omit<ResolvedVariant, 'weight'> & { readonly sampleRate: number };

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
  const entries = await Promise.all(
    [...refs.values()].map(async ({ id, version }) => ({
      id,
      version,
      record: await deps.prompts.getVersion(id, version),
    })),
  );
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

  const documents = new Map<string, Omit<ResolvedVariant, 'weight'>>();
  for (const entry of entries) {
    const { id } = entry;
    const version = entry.record as VersionRecord;
    const document = await loadDocument(deps.bodies, version.sha256);
    if (!document)
      throw new Error(
        `The document of ${id}@${version.version} (${version.sha256}) is missing from the body store`,
      );
    if (isGated(entry)) {
      const lint = lintDocument(serializePromptDocument(document));
      if (!lint.ok) throw new LintFailedError(lint.findings);
    }
    documents.set(`${id}@${version.version}`, {
      version: version.version,
      sha256: version.sha256,
      document,
      size: version.size,
      ...(version.deprecation ? { deprecated: true } : {}),
    });
  }
  const resolve = (id: string, pin: BasePin | Pin): ResolvedVariant[] =>
    pinVariants(pin).map((variant) => ({
      ...(documents.get(`${id}@${variant.version}`) as Omit<ResolvedVariant, 'weight'>),
      weight: variant.weight,
    }));
  const resolved: Record<string, ResolvedVariant[]> = {};
  const segments: Record<string, Record<string, ResolvedVariant[]>> = {};
  const shadows: Record<string, ResolvedShadow> = {};
  for (const [id, pin] of Object.entries(pins)) {
    resolved[id] = resolve(id, pin);
    const named = Object.entries(pinSegments(pin));
    if (named.length > 0)
      segments[id] = Object.fromEntries(named.map(([name, segment]) => [name, resolve(id, segment)]));
    const shadow = pinShadow(pin);
    if (shadow)
      shadows[id] = {
        ...(documents.get(`${id}@${shadow.version}`) as Omit<ResolvedVariant, 'weight'>),
        sampleRate: shadow.sampleRate,
      };
  }
  return { prompts: resolved, segments, shadows, evaluations, deprecated };
}
