/**
 * Resolves pins to the documents a manifest carries, checking what a deployment requires: every
 * version exists, (in a protected environment) is approved by someone other than its publisher, (in
 * an environment with the release gate) has a PASSED evaluation run against its prompt's current
 * suite, and passes lint, in that order: the first gate that refuses answers.
 */

import type { DeprecatedVersionRef } from '../../src/core/api.ts';
import { serializePromptDocument } from '../../src/core/document.ts';
import { LintFailedError, NotApprovedError, NotFoundError } from '../../src/core/errors.ts';
import { lintDocument } from '../../src/core/lint/index.ts';
import type { ResolvedVariant } from '../../src/core/manifest-builder.ts';
import { type Pins, pinVariants } from '../../src/core/pins.ts';
import type { VersionRecord } from '../model.ts';
import { loadDocument } from '../registry/document-cache.ts';
import type { DeliveryDeps } from './deps.ts';
import { checkEvaluations, type EvaluationAdmissions } from './evaluation-gate.ts';
import { checkArchived, checkDeprecated, deprecatedAmong } from './maintenance-gate.ts';

export interface ResolveOptions {
  /** Pins whose versions must pass the gates (the ones being deployed now). */
  readonly gated: ReadonlySet<string>;
  readonly requireApproval: boolean;
  /** Set in an environment with the release gate (evaluation-gate.ts); a rollback never has it. */
  readonly requireEvaluation?: { readonly environment: string; readonly requireSuite: boolean };
  /** Deploy gated versions that are deprecated anyway (docs/maintenance.md). */
  readonly allowDeprecated?: boolean;
  /** Prompts (besides the gated ones) whose deprecated versions the answer names: a rollback's changes. */
  readonly announceDeprecated?: ReadonlySet<string>;
}

export interface ResolvedPins {
  readonly prompts: Record<string, ResolvedVariant[]>;
  /** The runs that admitted the gated versions; empty without the release gate. */
  readonly evaluations: EvaluationAdmissions;
  /** Deprecated versions deployed anyway or restored by a rollback (docs/maintenance.md). */
  readonly deprecated: DeprecatedVersionRef[];
}

export function isApproved(record: VersionRecord): boolean {
  return record.approvals.some((a) => a.by !== record.createdBy);
}

export async function resolvePins(
  deps: DeliveryDeps,
  pins: Pins,
  options: ResolveOptions,
): Promise<ResolvedPins> {
  const entries = await Promise.all(
    Object.entries(pins).flatMap(([id, pin]) =>
      pinVariants(pin).map(async (variant) => ({
        id,
        variant,
        record: await deps.prompts.getVersion(id, variant.version),
      })),
    ),
  );
  const missing = entries.filter((e) => !e.record).map((e) => `${e.id}@${e.variant.version}`);
  if (missing.length > 0) throw new NotFoundError(`These versions do not exist: ${missing.join(', ')}`);

  const gated = entries.filter((e) => options.gated.has(e.id));
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
      .map((e) => `${e.id}@${e.variant.version}`);
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
        gated.map((e) => ({ id: e.id, version: e.variant.version })),
        options.requireEvaluation,
      )
    : {};

  const resolved: Record<string, ResolvedVariant[]> = {};
  for (const { id, variant, record } of entries) {
    const version = record as VersionRecord;
    const document = await loadDocument(deps.bodies, version.sha256);
    if (!document)
      throw new Error(
        `The document of ${id}@${version.version} (${version.sha256}) is missing from the body store`,
      );
    if (options.gated.has(id)) {
      const lint = lintDocument(serializePromptDocument(document));
      if (!lint.ok) throw new LintFailedError(lint.findings);
    }
    const variants = resolved[id] ?? [];
    resolved[id] = variants;
    variants.push({
      version: version.version,
      sha256: version.sha256,
      document,
      size: version.size,
      weight: variant.weight,
      ...(version.deprecation ? { deprecated: true } : {}),
    });
  }
  return { prompts: resolved, evaluations, deprecated };
}
