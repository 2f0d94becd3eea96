/**
 * The event AppConfig invokes an extension's Lambda with (the AWS AppConfig User Guide, "Creating a
 * Lambda function for a custom AWS AppConfig extension", payload reference): PascalCase fields, the
 * action point as `Type` (`AtDeploymentTick` for AT_DEPLOYMENT_TICK), the ids as `{Id}` objects.
 * Only the fields canary analysis reads are typed; docs/canary-analysis.md shows a whole event.
 */

/** `Type` of an AT_DEPLOYMENT_TICK invocation. */
export const AT_DEPLOYMENT_TICK = 'AtDeploymentTick';

export interface ExtensionEvent {
  readonly InvocationId?: string;
  readonly Type?: string;
  readonly Application?: { readonly Id?: string };
  readonly Environment?: { readonly Id?: string };
  readonly ConfigurationProfile?: { readonly Id?: string; readonly Name?: string };
  readonly DeploymentNumber?: number;
  readonly DeploymentState?: string;
  readonly PercentageComplete?: number;
  readonly ConfigurationVersion?: string;
  readonly Parameters?: Readonly<Record<string, string>>;
}

/** What a tick is about, checked. */
export interface DeploymentTick {
  readonly invocationId?: string;
  readonly applicationId?: string;
  readonly environmentId: string;
  readonly deploymentNumber: number;
  readonly deploymentState?: string;
  readonly percentageComplete?: number;
}

/** The tick an event describes; undefined for another action point or an event missing its ids. */
export function deploymentTickOf(event: ExtensionEvent | undefined): DeploymentTick | undefined {
  if (event?.Type !== AT_DEPLOYMENT_TICK) return undefined;
  const environmentId = event.Environment?.Id;
  const number = event.DeploymentNumber;
  if (typeof environmentId !== 'string' || typeof number !== 'number' || !Number.isInteger(number))
    return undefined;
  return {
    environmentId,
    deploymentNumber: number,
    ...(typeof event.InvocationId === 'string' ? { invocationId: event.InvocationId } : {}),
    ...(typeof event.Application?.Id === 'string' ? { applicationId: event.Application.Id } : {}),
    ...(typeof event.DeploymentState === 'string' ? { deploymentState: event.DeploymentState } : {}),
    ...(typeof event.PercentageComplete === 'number' ? { percentageComplete: event.PercentageComplete } : {}),
  };
}
