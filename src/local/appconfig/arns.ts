/**
 * AppConfig's ARN formats for the resources the emulator holds, in the local account
 * (`000000000000`): what extension associations name as their ResourceIdentifier, what GetExtension
 * returns, and what the deployment events carry.
 */
export const LOCAL_ACCOUNT = '000000000000';

const prefix = (region: string) => `arn:aws:appconfig:${region}:${LOCAL_ACCOUNT}`;

export function applicationArn(region: string, applicationId: string): string {
  return `${prefix(region)}:application/${applicationId}`;
}

export function environmentArn(region: string, applicationId: string, environmentId: string): string {
  return `${applicationArn(region, applicationId)}/environment/${environmentId}`;
}

export function profileArn(region: string, applicationId: string, profileId: string): string {
  return `${applicationArn(region, applicationId)}/configurationprofile/${profileId}`;
}

export function deploymentArn(
  region: string,
  applicationId: string,
  environmentId: string,
  deploymentNumber: number,
): string {
  return `${environmentArn(region, applicationId, environmentId)}/deployment/${deploymentNumber}`;
}

export function extensionArn(region: string, extensionId: string, versionNumber: number): string {
  return `${prefix(region)}:extension/${extensionId}/${versionNumber}`;
}

export function extensionAssociationArn(region: string, associationId: string): string {
  return `${prefix(region)}:extensionassociation/${associationId}`;
}

/** The parts of an application, environment or configuration profile ARN; undefined for anything else. */
export function parseResourceArn(arn: string):
  | {
      readonly region: string;
      readonly applicationId: string;
      readonly environmentId?: string;
      readonly profileId?: string;
    }
  | undefined {
  const match =
    /^arn:aws:appconfig:([a-z0-9-]+):(\d{12}):application\/([a-z0-9]+)(?:\/(environment|configurationprofile)\/([a-z0-9]+))?$/.exec(
      arn,
    );
  if (!match) return undefined;
  const [, region, , applicationId, kind, child] = match as unknown as [
    string,
    string,
    string,
    string,
    string?,
    string?,
  ];
  return {
    region,
    applicationId,
    ...(kind === 'environment' ? { environmentId: child as string } : {}),
    ...(kind === 'configurationprofile' ? { profileId: child as string } : {}),
  };
}
