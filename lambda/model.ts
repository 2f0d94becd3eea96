/** What the registry stores and returns, independent of the database. */
import type { BumpResult } from '../src/core/versioning.ts';

export interface Approval {
  /** The approving IAM principal. */
  readonly by: string;
  readonly at: string;
  readonly comment?: string;
}

export interface VersionRecord {
  readonly id: string;
  readonly version: string;
  readonly sha256: string;
  /** Bytes of the canonical document text. */
  readonly size: number;
  readonly createdBy: string;
  readonly createdAt: string;
  readonly message?: string;
  readonly bump: BumpResult;
  readonly approvals: readonly Approval[];
  readonly description?: string;
  readonly owner?: string;
}

export interface PromptSummary {
  readonly id: string;
  readonly latestVersion: string;
  readonly description?: string;
  readonly owner?: string;
  readonly updatedAt: string;
}

export interface AuditEvent {
  /** Deterministic: the same action on the same target yields the same id, so a retry adds nothing. */
  readonly eventId: string;
  readonly at: string;
  readonly actor: string;
  readonly action: string;
  readonly target: string;
  readonly details: Readonly<Record<string, unknown>>;
  readonly requestId: string;
  readonly promptId?: string;
  readonly environment?: string;
}

export interface AuditQuery {
  readonly promptId?: string;
  readonly environment?: string;
}
