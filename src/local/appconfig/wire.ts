/**
 * The JSON shapes AppConfig puts on the wire (restJson1: PascalCase members, timestamps as RFC 3339
 * date-times, as the model's timestampFormat says), and its pagination (MaxResults 1 to 50, an opaque
 * NextToken).
 */
import type { StrategyView } from './control-plane.ts';
import type { EnvironmentState } from './deployments.ts';
import { badRequest } from './errors.ts';
import type {
  ApplicationRecord,
  DeploymentRecord,
  EnvironmentRecord,
  ExtensionAssociationRecord,
  ExtensionRecord,
  HostedVersionRecord,
  ProfileRecord,
} from './model.ts';

type Json = Record<string, unknown>;

const MAX_PAGE_SIZE = 50;

export function dateTime(ms: number): string {
  return new Date(ms).toISOString();
}

/** Drops undefined members, as the services omit absent ones. */
function compact(value: Json): Json {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined));
}

export function applicationJson(a: ApplicationRecord): Json {
  return compact({ Id: a.id, Name: a.name, Description: a.description });
}

export function environmentJson(e: EnvironmentRecord, state: EnvironmentState): Json {
  return compact({
    ApplicationId: e.applicationId,
    Id: e.id,
    Name: e.name,
    Description: e.description,
    State: state,
    Monitors: e.monitors.map((arn) => ({ AlarmArn: arn })),
  });
}

export function profileJson(p: ProfileRecord): Json {
  return compact({
    ApplicationId: p.applicationId,
    Id: p.id,
    Name: p.name,
    Description: p.description,
    LocationUri: 'hosted',
    Validators: [],
    Type: 'AWS.Freeform',
  });
}

export function profileSummaryJson(p: ProfileRecord): Json {
  return {
    ApplicationId: p.applicationId,
    Id: p.id,
    Name: p.name,
    LocationUri: 'hosted',
    ValidatorTypes: [],
    Type: 'AWS.Freeform',
  };
}

export function strategyJson(s: StrategyView): Json {
  return compact({
    Id: s.id,
    Name: s.name,
    Description: s.description,
    DeploymentDurationInMinutes: s.deploymentDurationInMinutes,
    GrowthType: s.growthType,
    GrowthFactor: s.growthFactor,
    FinalBakeTimeInMinutes: s.finalBakeTimeInMinutes,
    ReplicateTo: 'NONE',
  });
}

export function hostedVersionSummaryJson(v: HostedVersionRecord): Json {
  return compact({
    ApplicationId: v.applicationId,
    ConfigurationProfileId: v.profileId,
    VersionNumber: v.versionNumber,
    Description: v.description,
    ContentType: v.contentType,
    VersionLabel: v.versionLabel,
  });
}

export function extensionJson(e: ExtensionRecord, arn: string): Json {
  return compact({
    Id: e.id,
    Name: e.name,
    VersionNumber: e.versionNumber,
    Arn: arn,
    Description: e.description,
    Actions: Object.fromEntries(
      Object.entries(e.actions).map(([point, actions]) => [
        point,
        (actions ?? []).map((a) =>
          compact({ Name: a.name, Description: a.description, Uri: a.uri, RoleArn: a.roleArn }),
        ),
      ]),
    ),
    Parameters: Object.fromEntries(
      Object.entries(e.parameters).map(([name, p]) => [
        name,
        compact({ Description: p.description, Required: p.required, Dynamic: p.dynamic }),
      ]),
    ),
  });
}

export function extensionSummaryJson(e: ExtensionRecord, arn: string): Json {
  return compact({
    Id: e.id,
    Name: e.name,
    VersionNumber: e.versionNumber,
    Arn: arn,
    Description: e.description,
  });
}

export function extensionAssociationJson(
  a: ExtensionAssociationRecord,
  arn: string,
  extensionArn: string,
): Json {
  return {
    Id: a.id,
    ExtensionArn: extensionArn,
    ResourceArn: a.resourceArn,
    Arn: arn,
    Parameters: a.parameters,
    ExtensionVersionNumber: a.extensionVersionNumber,
  };
}

export function extensionAssociationSummaryJson(a: ExtensionAssociationRecord, extensionArn: string): Json {
  return { Id: a.id, ExtensionArn: extensionArn, ResourceArn: a.resourceArn };
}

export function deploymentJson(d: DeploymentRecord, profileName: string): Json {
  return compact({
    ApplicationId: d.applicationId,
    EnvironmentId: d.environmentId,
    DeploymentStrategyId: d.strategyId,
    ConfigurationProfileId: d.profileId,
    DeploymentNumber: d.deploymentNumber,
    ConfigurationName: profileName,
    ConfigurationLocationUri: 'hosted',
    ConfigurationVersion: d.configurationVersion,
    Description: d.description,
    DeploymentDurationInMinutes: d.deploymentDurationInMinutes,
    GrowthType: d.growthType,
    GrowthFactor: d.growthFactor,
    FinalBakeTimeInMinutes: d.finalBakeTimeInMinutes,
    State: d.state,
    EventLog: [...d.eventLog].reverse().map((e) => ({
      EventType: e.eventType,
      TriggeredBy: e.triggeredBy,
      Description: e.description,
      ActionInvocations: (e.actionInvocations ?? []).map((i) =>
        compact({
          ExtensionIdentifier: i.extensionIdentifier,
          ActionName: i.actionName,
          Uri: i.uri,
          RoleArn: i.roleArn,
          ErrorMessage: i.errorMessage,
          ErrorCode: i.errorCode,
          InvocationId: i.invocationId,
        }),
      ),
      OccurredAt: dateTime(e.occurredAt),
    })),
    PercentageComplete: d.percentage,
    StartedAt: dateTime(d.startedAt),
    CompletedAt: d.completedAt !== undefined ? dateTime(d.completedAt) : undefined,
    AppliedExtensions: [],
    VersionLabel: d.versionLabel,
  });
}

export function deploymentSummaryJson(d: DeploymentRecord, profileName: string): Json {
  return compact({
    DeploymentNumber: d.deploymentNumber,
    ConfigurationProfileId: d.profileId,
    ConfigurationName: profileName,
    ConfigurationVersion: d.configurationVersion,
    DeploymentDurationInMinutes: d.deploymentDurationInMinutes,
    GrowthType: d.growthType,
    GrowthFactor: d.growthFactor,
    FinalBakeTimeInMinutes: d.finalBakeTimeInMinutes,
    State: d.state,
    PercentageComplete: d.percentage,
    StartedAt: dateTime(d.startedAt),
    CompletedAt: d.completedAt !== undefined ? dateTime(d.completedAt) : undefined,
    VersionLabel: d.versionLabel,
  });
}

/** One page of `items` from `max_results` and `next_token` query values. */
export function page<T>(
  items: readonly T[],
  maxResults: string | null,
  nextToken: string | null,
  toJson: (item: T) => Json,
): Json {
  let size = MAX_PAGE_SIZE;
  if (maxResults !== null) {
    size = Number(maxResults);
    if (!Number.isInteger(size) || size < 1 || size > MAX_PAGE_SIZE) {
      throw badRequest(
        `MaxResults must be a whole number from 1 to ${MAX_PAGE_SIZE}, got ${JSON.stringify(maxResults)}`,
      );
    }
  }
  let offset = 0;
  if (nextToken !== null && nextToken !== '') {
    const decoded = Number(Buffer.from(nextToken, 'base64url').toString('utf8'));
    if (!Number.isInteger(decoded) || decoded < 0)
      throw badRequest(`Invalid NextToken ${JSON.stringify(nextToken)}`);
    offset = decoded;
  }
  const slice = items.slice(offset, offset + size);
  const next =
    offset + size < items.length ? Buffer.from(String(offset + size)).toString('base64url') : undefined;
  return compact({ Items: slice.map(toJson), NextToken: next });
}
