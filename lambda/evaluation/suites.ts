/**
 * Putting and reading a prompt's evaluation suite. A put parses the suite (400 naming the path and
 * line), checks its vars against the prompt's latest version (422 with findings), stores the text by
 * hash, then moves the current suite by one conditional write (the commit point) and records the
 * revision in the history and the audit event, each retried once on a store error
 * (docs/architecture.md, "Cut points: registry"). Nothing is written for a refused suite.
 */
import type { EvalSuitePut, EvalSuiteResponse } from '../../src/core/api.ts';
import { NotFoundError, RevisionConflictError } from '../../src/core/errors.ts';
import { parseEvalSuiteWithSource } from '../../src/core/eval/suite.ts';
import { checkSuiteVariables } from '../../src/core/eval/suite-variables.ts';
import { sha256Hex } from '../../src/core/hash.ts';
import { assertPromptId } from '../../src/core/ids.ts';
import { auditEvent } from '../audit-events.ts';
import { loadDocument } from '../registry/document-cache.ts';
import { retryOnce } from '../runtime/retry-once.ts';
import { EvalSuiteLintError } from './errors.ts';
import type { EvalSuiteRecord } from './model.ts';
import type { EvaluationDeps } from './ports.ts';

export interface PutSuiteInput {
  readonly promptId: string;
  readonly suite: string;
  readonly caller: string;
  readonly requestId: string;
}

export interface PutSuiteResult extends EvalSuitePut {
  /** False when the suite is identical to the current one (nothing new was written). */
  readonly created: boolean;
}

export async function putSuite(deps: EvaluationDeps, input: PutSuiteInput): Promise<PutSuiteResult> {
  const promptId = assertPromptId(input.promptId);
  const parsed = parseEvalSuiteWithSource(input.suite);
  const latest = await deps.prompts.getLatestVersion(promptId);
  if (!latest) throw new NotFoundError(`Prompt ${promptId} does not exist: publish it before its suite`);
  const document = await loadDocument(deps.bodies, latest.sha256);
  if (!document)
    throw new Error(
      `The document of ${promptId}@${latest.version} (${latest.sha256}) is missing from the body store`,
    );
  const findings = checkSuiteVariables(parsed, document).sort((a, b) => (a.line ?? 0) - (b.line ?? 0));
  if (findings.length > 0) throw new EvalSuiteLintError(promptId, findings);

  const sha256 = sha256Hex(input.suite);
  const current = await deps.evaluations.getSuite(promptId);
  if (current?.sha256 === sha256) return unchanged(deps, current, input.requestId);

  const record: EvalSuiteRecord = {
    promptId,
    revision: (current?.revision ?? 0) + 1,
    sha256,
    suite: input.suite,
    updatedBy: input.caller,
    updatedAt: deps.now().toISOString(),
  };
  // The text first: until the suite item names it, nothing refers to it.
  await deps.objects.putSuite(sha256, input.suite);
  // Conditional, so tried once more on a store error: a first attempt that was applied is then found
  // as this very revision (same author and time), and the request goes on to complete it.
  const outcome = await retryOnce(() => deps.evaluations.putSuite(record, current?.revision ?? 0));
  if (outcome === 'conflict') {
    const winner = await deps.evaluations.getSuite(promptId);
    if (winner && isSameWrite(winner, record)) {
      await complete(deps, record, input.requestId);
      return { created: true, revision: record.revision, sha256 };
    }
    if (winner?.sha256 === sha256) return unchanged(deps, winner, input.requestId);
    throw new RevisionConflictError(
      `The suite of ${promptId} changed while this one was stored (now revision ${winner?.revision ?? '?'}): read it and put again`,
    );
  }
  await complete(deps, record, input.requestId);
  return { created: true, revision: record.revision, sha256 };
}

/**
 * The same suite again (an idempotent retry): repairs whatever a failure after the commit point left
 * undone, the history entry and the audit event, both written idempotently.
 */
async function unchanged(
  deps: EvaluationDeps,
  current: EvalSuiteRecord,
  requestId: string,
): Promise<PutSuiteResult> {
  await complete(deps, current, requestId);
  return { created: false, revision: current.revision, sha256: current.sha256 };
}

function isSameWrite(stored: EvalSuiteRecord, record: EvalSuiteRecord): boolean {
  return (
    stored.revision === record.revision &&
    stored.sha256 === record.sha256 &&
    stored.updatedBy === record.updatedBy &&
    stored.updatedAt === record.updatedAt
  );
}

/** After the commit point: both writes are idempotent, and each is tried once more on a store error. */
async function complete(deps: EvaluationDeps, record: EvalSuiteRecord, requestId: string): Promise<void> {
  await retryOnce(() => deps.evaluations.putSuiteRevision(record));
  const event = auditEvent(
    {
      at: record.updatedAt,
      actor: record.updatedBy,
      action: 'evalsuite.updated',
      target: record.promptId,
      details: { revision: record.revision, sha256: record.sha256 },
      requestId,
      promptId: record.promptId,
    },
    String(record.revision),
  );
  await retryOnce(() => deps.audit.append(event));
}

export async function getSuite(deps: EvaluationDeps, promptId: string): Promise<EvalSuiteResponse> {
  const id = assertPromptId(promptId);
  const current = await deps.evaluations.getSuite(id);
  if (!current) throw new NotFoundError(`Prompt ${id} has no evaluation suite`);
  return {
    revision: current.revision,
    sha256: current.sha256,
    suite: current.suite,
    updatedBy: current.updatedBy,
    updatedAt: current.updatedAt,
  };
}
