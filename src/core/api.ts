/**
 * The HTTP API's wire contract: request and response bodies, problem details and error codes, as
 * docs/api.md and docs/feedback.md describe them. The handlers, the CLI, the client and local mode
 * all import these; nothing else declares them.
 */
import type { Pin } from './pins.ts';
import type { BumpResult } from './versioning.ts';

export type DeploymentState = 'DEPLOYING' | 'BAKING' | 'COMPLETE' | 'ROLLED_BACK';

export interface Approval {
  readonly by: string;
  readonly at: string;
  readonly comment?: string;
}

export interface PublishedVersion {
  readonly id: string;
  readonly version: string;
  readonly sha256: string;
  readonly bump: BumpResult;
  readonly createdBy: string;
  readonly createdAt: string;
}

export interface PromptDetails {
  readonly id: string;
  readonly latestVersion: string;
  readonly description?: string;
  readonly owner?: string;
  readonly environments: Readonly<Record<string, Pin>>;
}

export interface PromptListItem {
  readonly id: string;
  readonly latestVersion: string;
  readonly description?: string;
  readonly updatedAt: string;
}

export interface VersionSummary {
  readonly version: string;
  readonly sha256: string;
  readonly createdBy: string;
  readonly createdAt: string;
  readonly message: string | null;
  readonly approvals: readonly Approval[];
}

export interface VersionDetails extends VersionSummary {
  readonly id: string;
  readonly document: string;
  readonly bump: BumpResult;
}

export interface DiffResponse {
  readonly from: string;
  readonly to: string;
  readonly unified: string;
  readonly bump: BumpResult;
}

export interface StartedDeployment {
  readonly environment: string;
  readonly deploymentNumber: number;
  readonly state: DeploymentState;
  readonly revision: number;
}

export interface DeploymentStatus {
  readonly number: number;
  readonly state: DeploymentState;
  readonly percentage: number;
  readonly strategy: string;
  readonly revision: number;
  readonly startedAt: string;
  readonly startedBy?: string;
  readonly endedAt?: string;
  readonly reason?: string;
}

export interface RevisionEntry {
  readonly revision: number;
  readonly kind: 'deploy' | 'rollback';
  readonly pins: Readonly<Record<string, Pin>>;
  readonly deploymentNumber?: number;
  readonly strategy: string;
  readonly state: DeploymentState | 'STARTING';
  readonly createdBy: string;
  readonly createdAt: string;
  readonly description?: string;
  readonly reason?: string;
}

export interface EnvironmentStatusResponse {
  readonly environment: string;
  readonly revision: number;
  readonly prompts: Readonly<Record<string, Pin>>;
  readonly deployment: DeploymentStatus | null;
  readonly history: readonly RevisionEntry[];
}

export interface VersionFeedback {
  readonly version: string;
  readonly count: number;
  readonly positive: number;
  readonly negative: number;
  readonly mean?: number;
}

export interface FeedbackComparison {
  readonly baseline: string;
  readonly candidate: string;
  readonly difference: number;
  readonly pValue: number;
  readonly significant: boolean;
}

export interface FeedbackReport {
  readonly versions: readonly VersionFeedback[];
  readonly comparison?: FeedbackComparison;
}
