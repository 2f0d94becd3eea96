/** Ports of the delivery side: AppConfig and the environment state in DynamoDB. */
import type { CanaryAnalysisEntry } from '../../src/core/api.ts';
import type { Page, PageRequest } from '../ports.ts';
import type { DeploymentInfo, DeploymentRecord, EnvironmentState, RevisionRecord } from './model.ts';

/** AppConfig, for one application and one configuration profile. */
export interface Delivery {
  /**
   * Stores a hosted configuration version and returns its number. `latestVersionNumber` is
   * AppConfig's optimistic lock; the adapter retries with the real latest on a conflict.
   */
  createHostedVersion(input: { content: string; label: string; description: string }): Promise<number>;
  /** Throws `DeploymentInProgressError` when the environment already has a deployment running. */
  startDeployment(input: {
    environmentId: string;
    strategyId: string;
    versionNumber: number;
    description: string;
  }): Promise<DeploymentInfo>;
  getDeployment(environmentId: string, deploymentNumber: number): Promise<DeploymentInfo>;
  /**
   * The deployment of hosted version `versionNumber` in the environment, if one was started (a hosted
   * version number is used once per profile, so it names the deploy that created it).
   */
  findDeployment(environmentId: string, versionNumber: number): Promise<DeploymentInfo | undefined>;
  /** Stops a running deployment; AppConfig rolls the environment back. */
  stopDeployment(environmentId: string, deploymentNumber: number): Promise<DeploymentInfo>;
}

export interface EnvironmentStore {
  get(environment: string): Promise<EnvironmentState | undefined>;
  /**
   * Claims `revision` (= the read `lastRevision` + 1) until `until`, for the request `requestKey`
   * names (replay.ts): fails with `conflict` when another deploy allocated it or holds an unexpired
   * claim. Nothing visible changes.
   */
  claim(
    environment: string,
    expectedLastRevision: number,
    revision: number,
    until: string,
    now: string,
    requestKey?: string,
  ): Promise<'claimed' | 'conflict'>;
  /** Drops a claim that did not lead to a deployment (only the one `token` names, when given). */
  release(environment: string, revision: number, token?: string): Promise<void>;
  /** Makes a claimed revision current. */
  commit(state: EnvironmentState, claimedRevision: number): Promise<void>;
  /**
   * Records where a deployment ended. Applies only while `state.deployment.number` is
   * `deploymentNumber` and it has not ended: `unchanged` otherwise (a redelivered event).
   * `recentStarts` (a rollback that stopped it, remembered for its same-key retry) is set with it.
   */
  recordOutcome(
    environment: string,
    deploymentNumber: number,
    update: {
      deployment: DeploymentRecord;
      revision: number;
      pins: EnvironmentState['pins'];
      recentStarts?: EnvironmentState['recentStarts'];
    },
  ): Promise<'updated' | 'unchanged'>;
  /** Sets `recentStarts` while the environment's deployment is `deploymentNumber`. */
  rememberStarts(
    environment: string,
    deploymentNumber: number,
    recentStarts: NonNullable<EnvironmentState['recentStarts']>,
  ): Promise<void>;
  /**
   * Sets the canary analysis of deployment `deploymentNumber`, and nothing else, so a concurrent
   * outcome or deploy is not overwritten: `unchanged` when the environment has moved on to another
   * deployment.
   */
  recordAnalysis(
    environment: string,
    deploymentNumber: number,
    analysis: readonly CanaryAnalysisEntry[],
    at: string,
  ): Promise<'updated' | 'unchanged'>;
  putRevision(record: RevisionRecord): Promise<void>;
  deleteRevision(environment: string, revision: number): Promise<void>;
  getRevision(environment: string, revision: number): Promise<RevisionRecord | undefined>;
  /** Newest first. */
  listRevisions(environment: string, limit: number): Promise<RevisionRecord[]>;
  /** Newest first, a page at a time (GET /environments/{env}/revisions). */
  listRevisionPage(environment: string, page: PageRequest): Promise<Page<RevisionRecord>>;
}
