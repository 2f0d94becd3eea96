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

/** An extension action AppConfig ran for a deployment event (the EventLog's ActionInvocations). */
export interface ActionInvocationRecord {
  readonly extensionIdentifier: string;
  readonly actionName: string;
  readonly uri: string;
  readonly roleArn?: string;
  readonly errorMessage?: string;
  readonly errorCode?: string;
  readonly invocationId: string;
}

export interface EventLogEntry {
  readonly eventType: DeploymentEventType;
  readonly triggeredBy: TriggeredBy;
  readonly description: string;
  readonly occurredAt: number;
  readonly actionInvocations?: readonly ActionInvocationRecord[];
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

/** AppConfig's action points (the keys of an extension's Actions). */
export const ACTION_POINTS = [
  'PRE_CREATE_HOSTED_CONFIGURATION_VERSION',
  'PRE_START_DEPLOYMENT',
  'AT_DEPLOYMENT_TICK',
  'ON_DEPLOYMENT_START',
  'ON_DEPLOYMENT_STEP',
  'ON_DEPLOYMENT_BAKING',
  'ON_DEPLOYMENT_COMPLETE',
  'ON_DEPLOYMENT_ROLLED_BACK',
] as const;

export type ActionPoint = (typeof ACTION_POINTS)[number];

export interface ExtensionActionRecord {
  readonly name: string;
  readonly description?: string;
  /** A Lambda function ARN (the only kind the emulator invokes). */
  readonly uri: string;
  readonly roleArn?: string;
}

export interface ExtensionParameterRecord {
  readonly description?: string;
  readonly required: boolean;
  readonly dynamic: boolean;
}

/** One version of an extension; versions share the id and name. */
export interface ExtensionRecord {
  readonly id: string;
  readonly name: string;
  readonly versionNumber: number;
  readonly description?: string;
  readonly actions: Readonly<Partial<Record<ActionPoint, readonly ExtensionActionRecord[]>>>;
  readonly parameters: Readonly<Record<string, ExtensionParameterRecord>>;
}

export interface ExtensionAssociationRecord {
  readonly id: string;
  readonly extensionId: string;
  /** The version associated; AppConfig takes the latest when none is given. */
  readonly extensionVersionNumber: number;
  /** The application, environment or configuration profile ARN. */
  readonly resourceArn: string;
  readonly parameters: Readonly<Record<string, string>>;
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
  readonly extensions: ExtensionRecord[];
  readonly extensionAssociations: ExtensionAssociationRecord[];
}

export function isActive(deployment: DeploymentRecord): boolean {
  return deployment.state === 'DEPLOYING' || deployment.state === 'BAKING';
}
