/** What the delivery side stores and returns: environment state, revisions, deployments. */
import type {
  CanaryAnalysisEntry,
  DeploymentState,
  RevisionEntry,
  StartedDeployment,
} from '../../src/core/api.ts';
import type { Pin } from '../../src/core/pins.ts';

export type { DeploymentState } from '../../src/core/api.ts';

export function isRunning(state: DeploymentState): boolean {
  return state === 'DEPLOYING' || state === 'BAKING';
}

/** A deployment as AppConfig reports it right now. */
export interface DeploymentInfo {
  readonly number: number;
  readonly state: DeploymentState;
  readonly percentage: number;
  readonly strategyId: string;
  /** The hosted configuration version being deployed. */
  readonly configurationVersion: string;
  readonly startedAt?: string;
  readonly endedAt?: string;
  /** Why it was rolled back, as AppConfig describes it (for example the alarm that fired). */
  readonly reason?: string;
  /** Who or what triggered the rollback: USER, APPCONFIG, CLOUDWATCH_ALARM or INTERNAL_ERROR. */
  readonly triggeredBy?: string;
  /** The error message of the extension whose failure rolled it back (canary analysis names its verdict). */
  readonly extensionMessage?: string;
}

/** The environment's record of its current or last deployment. */
export interface DeploymentRecord {
  readonly number: number;
  readonly state: DeploymentState;
  /** Strategy name as the caller gave it (AllAtOnce, Canary10Percent20Minutes, or a custom one). */
  readonly strategy: string;
  /** The revision this deployment delivers, and the one AppConfig returns to if it rolls back. */
  readonly revision: number;
  readonly previousRevision: number;
  readonly startedAt: string;
  readonly startedBy: string;
  readonly endedAt?: string;
  readonly reason?: string;
  /** The canary analysis of the last deployment tick (docs/canary-analysis.md). */
  readonly analysis?: readonly CanaryAnalysisEntry[];
  /** When the last tick recorded `analysis`. */
  readonly analyzedAt?: string;
}

/** One item per environment. `revision` is what the environment serves; `lastRevision` the highest ever allocated. */
export interface EnvironmentState {
  readonly environment: string;
  readonly revision: number;
  readonly lastRevision: number;
  readonly pins: Readonly<Record<string, Pin>>;
  readonly deployment?: DeploymentRecord;
  readonly updatedAt?: string;
  /** A deploy that claimed `lastRevision + 1` and has not committed yet. */
  readonly pendingRevision?: number;
  readonly pendingUntil?: string;
  /** Names the claim, so releasing it never releases another deploy's claim of the same revision. */
  readonly pendingToken?: string;
  /** The replay.ts key of the request holding the claim, so its same-key retry recovers it (crashed-start.ts). */
  readonly pendingKey?: string;
  /** The request that started revision `lastRevision`, with its answer, for a same-key retry (replay.ts). */
  readonly lastStart?: RecordedStart;
  /** The latest starts, newest first (`lastStart` among them), so a retry still finds its own after later deploys. */
  readonly recentStarts?: readonly RecordedStart[];
}

/** A start and its answer, under the replay.ts key of the request that made it. */
export interface RecordedStart {
  readonly requestKey: string;
  readonly response: StartedDeployment;
}

export type RevisionKind = RevisionEntry['kind'];

/** History: one item per revision ever started in an environment; the API returns it as it is. */
export interface RevisionRecord extends RevisionEntry {
  readonly environment: string;
  /** The AppConfig hosted configuration version holding this revision's manifest. */
  readonly hostedVersion: number;
}

export const EMPTY_STATE = (environment: string): EnvironmentState => ({
  environment,
  revision: 0,
  lastRevision: 0,
  pins: {},
});
