/**
 * What the emulator persists: the AppConfig resources, hosted version metadata (contents live in
 * their own files), deployments with their event logs, and the deployment events not yet delivered.
 * Times are epoch milliseconds.
 */
import type { GrowthType } from '../../core/contracts.ts';

export const STATE_FORMAT_VERSION = 1;

export interface ApplicationRecord {
  readonly id: string;
  readonly name: string;
  readonly description?: string;
}

export interface EnvironmentRecord {
  readonly applicationId: string;
  readonly id: string;
  readonly name: string;
  readonly description?: string;
  /** CloudWatch alarm ARNs, as AppConfig monitors. */
  readonly monitors: readonly string[];
}

export interface ProfileRecord {
  readonly applicationId: string;
  readonly id: string;
  readonly name: string;
  readonly description?: string;
  /** Highest hosted configuration version number created, 0 for none. */
  latestVersion: number;
}

export interface StrategyRecord {
  readonly id: string;
  name: string;
  description?: string;
  deploymentDurationInMinutes: number;
  growthFactor: number;
  growthType: GrowthType;
  finalBakeTimeInMinutes: number;
}

export interface HostedVersionRecord {
  readonly applicationId: string;
  readonly profileId: string;
  readonly versionNumber: number;
  readonly contentType: string;
  readonly size: number;
  readonly description?: string;
  readonly versionLabel?: string;
}

export type DeploymentState = 'DEPLOYING' | 'BAKING' | 'COMPLETE' | 'ROLLED_BACK' | 'REVERTED';

export type DeploymentEventType =
  | 'DEPLOYMENT_STARTED'
  | 'PERCENTAGE_UPDATED'
  | 'BAKE_TIME_STARTED'
  | 'DEPLOYMENT_COMPLETED'
  | 'ROLLBACK_STARTED'
  | 'ROLLBACK_COMPLETED'
  | 'REVERT_COMPLETED';

export type TriggeredBy = 'USER' | 'APPCONFIG' | 'CLOUDWATCH_ALARM' | 'INTERNAL_ERROR';

export interface EventLogEntry {
  readonly eventType: DeploymentEventType;
  readonly triggeredBy: TriggeredBy;
  readonly description: string;
  readonly occurredAt: number;
}

export interface DeploymentRecord {
  readonly applicationId: string;
  readonly environmentId: string;
  readonly deploymentNumber: number;
  readonly profileId: string;
  /** The hosted version number, as a string (AppConfig's ConfigurationVersion). */
  readonly configurationVersion: string;
  readonly versionLabel?: string;
  readonly strategyId: string;
  readonly description?: string;
  /** The strategy's parameters when the deployment started; a later strategy change does not alter it. */
  readonly deploymentDurationInMinutes: number;
  readonly growthFactor: number;
  readonly growthType: GrowthType;
  readonly finalBakeTimeInMinutes: number;
  /** Wall-clock schedule fixed at start from the time scale then in force. */
  readonly deployMs: number;
  readonly bakeMs: number;
  readonly startedAt: number;
  state: DeploymentState;
  percentage: number;
  completedAt?: number;
  /** Oldest first; the API reports it newest first. */
  readonly eventLog: EventLogEntry[];
}

export type DeploymentEventDetailType =
  | 'On Deployment Start'
  | 'On Deployment Complete'
  | 'On Deployment Rollback';

/** A deployment event waiting for delivery (an outbox, so a restart does not lose it). */
export interface PendingEvent {
  readonly id: string;
  readonly detailType: DeploymentEventDetailType;
  readonly applicationId: string;
  readonly environmentId: string;
  readonly deploymentNumber: number;
  readonly occurredAt: number;
}

export interface EmulatorState {
  readonly formatVersion: typeof STATE_FORMAT_VERSION;
  /** Signs AppConfigData tokens, so a session survives a restart. Hex. */
  readonly tokenSecret: string;
  readonly applications: ApplicationRecord[];
  readonly environments: EnvironmentRecord[];
  readonly profiles: ProfileRecord[];
  readonly strategies: StrategyRecord[];
  readonly hostedVersions: HostedVersionRecord[];
  readonly deployments: DeploymentRecord[];
  readonly outbox: PendingEvent[];
}

export function isActive(deployment: DeploymentRecord): boolean {
  return deployment.state === 'DEPLOYING' || deployment.state === 'BAKING';
}
