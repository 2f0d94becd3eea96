/**
 * Approving a version: anyone but its publisher, once per principal (approving again is a no-op).
 * The approval's conditional update is the commit point; the audit event follows it
 * (docs/architecture.md, "Cut points: registry").
 */
import { NotFoundError, SelfApprovalError } from '../../src/core/errors.ts';
import { assertPromptId } from '../../src/core/ids.ts';
import { assertVersion } from '../../src/core/versioning.ts';
import { auditEvent } from '../audit-events.ts';
import type { Approval } from '../model.ts';
import type { RegistryDeps } from '../ports.ts';
import { retryOnce } from '../runtime/retry-once.ts';

export interface ApproveInput {
  readonly id: string;
  readonly version: string;
  readonly comment?: string;
  readonly caller: string;
  readonly requestId: string;
}

export interface ApproveResult {
  /** False when this principal had already approved the version. */
  readonly created: boolean;
  readonly approval: Approval;
}

export async function approveVersion(deps: RegistryDeps, input: ApproveInput): Promise<ApproveResult> {
  const id = assertPromptId(input.id);
  const version = assertVersion(input.version);
  const record = await deps.prompts.getVersion(id, version);
  if (!record) throw new NotFoundError(`Prompt ${id} has no version ${version}`);
  if (record.createdBy === input.caller) {
    throw new SelfApprovalError(
      `${input.caller} published ${id}@${version} and cannot approve it: ask someone else to review it`,
    );
  }
  let approval = record.approvals.find((a) => a.by === input.caller);
  let created = false;
  if (!approval) {
    const candidate: Approval = {
      by: input.caller,
      at: deps.now().toISOString(),
      ...(input.comment !== undefined ? { comment: input.comment } : {}),
    };
    // Conditional, so tried once more on a store error: a first attempt that was applied is then
    // found as this very approval (same time), and the request goes on to its audit event.
    const outcome = await retryOnce(() => deps.prompts.addApproval(id, version, candidate));
    if (outcome === 'missing') throw new NotFoundError(`Prompt ${id} has no version ${version}`);
    if (outcome === 'added') {
      approval = candidate;
      created = true;
    } else {
      // A concurrent request by the same principal won: answer with its approval.
      const current = await deps.prompts.getVersion(id, version);
      approval = current?.approvals.find((a) => a.by === input.caller) ?? candidate;
      created = approval.at === candidate.at;
    }
  }
  // Appended on every path (and tried once more on a store error): the event id is deterministic, so
  // this repairs a retry after a failure between the approval and its audit record, and otherwise
  // writes nothing.
  const event = auditEvent(
    {
      at: approval.at,
      actor: input.caller,
      action: 'prompt.approve',
      target: `${id}@${version}`,
      details: approval.comment !== undefined ? { comment: approval.comment } : {},
      requestId: input.requestId,
      promptId: id,
    },
    input.caller,
  );
  await retryOnce(() => deps.audit.append(event));
  return { created, approval };
}
