/**
 * Custom resource handler: gives an AppConfig environment its first manifest (empty, revision 0) so
 * clients always find one, but only when the environment has never had a deployment. Anything the API
 * deployed since is left alone, however often `cdk deploy` runs again.
 */
import {
  AppConfigClient,
  CreateHostedConfigurationVersionCommand,
  ListDeploymentsCommand,
  StartDeploymentCommand,
} from '@aws-sdk/client-appconfig';
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { APPCONFIG } from '../../src/core/contracts.ts';
import { emptyManifest } from '../../src/core/manifest.ts';

/** The custom resource's properties (all strings, as CloudFormation passes them). */
export interface InitialManifestProperties {
  readonly ApplicationId: string;
  readonly EnvironmentId: string;
  readonly EnvironmentName: string;
  readonly ConfigurationProfileId: string;
  readonly DeploymentStrategyId: string;
  readonly KmsKeyIdentifier: string;
}

export interface InitialManifestResult {
  /** False when the environment already had a deployment and nothing was done. */
  readonly deployed: boolean;
  readonly deploymentNumber?: number;
  readonly configurationVersion?: number;
}

type AppConfigSender = Pick<AppConfigClient, 'send'>;

export async function deployInitialManifest(
  appConfig: AppConfigSender,
  props: InitialManifestProperties,
  now: Date,
): Promise<InitialManifestResult> {
  const existing = await appConfig.send(
    new ListDeploymentsCommand({
      ApplicationId: props.ApplicationId,
      EnvironmentId: props.EnvironmentId,
      MaxResults: 1,
    }),
  );
  if ((existing.Items ?? []).length > 0) return { deployed: false };

  const manifest = emptyManifest(props.EnvironmentName, now.toISOString());
  const version = await appConfig.send(
    new CreateHostedConfigurationVersionCommand({
      ApplicationId: props.ApplicationId,
      ConfigurationProfileId: props.ConfigurationProfileId,
      Content: new TextEncoder().encode(JSON.stringify(manifest)),
      ContentType: APPCONFIG.contentType,
      Description: 'PromptOps initial manifest (no prompts)',
      VersionLabel: `${props.EnvironmentName}-r0`,
    }),
  );
  if (version.VersionNumber === undefined) {
    throw new Error('CreateHostedConfigurationVersion returned no VersionNumber');
  }
  const deployment = await appConfig.send(
    new StartDeploymentCommand({
      ApplicationId: props.ApplicationId,
      EnvironmentId: props.EnvironmentId,
      ConfigurationProfileId: props.ConfigurationProfileId,
      ConfigurationVersion: String(version.VersionNumber),
      DeploymentStrategyId: props.DeploymentStrategyId,
      KmsKeyIdentifier: props.KmsKeyIdentifier,
      Description: 'PromptOps initial manifest (no prompts)',
    }),
  );
  return {
    deployed: true,
    configurationVersion: version.VersionNumber,
    ...(deployment.DeploymentNumber !== undefined ? { deploymentNumber: deployment.DeploymentNumber } : {}),
  };
}

export interface CustomResourceResponse {
  readonly Status: 'SUCCESS' | 'FAILED';
  readonly Reason?: string;
  readonly PhysicalResourceId: string;
  readonly StackId: string;
  readonly RequestId: string;
  readonly LogicalResourceId: string;
  readonly Data?: Record<string, string>;
}

/** Runs the request and builds CloudFormation's response; never throws. */
export async function handleEvent(
  appConfig: AppConfigSender,
  event: CloudFormationCustomResourceEvent,
  now: Date,
): Promise<CustomResourceResponse> {
  const props = event.ResourceProperties as unknown as InitialManifestProperties;
  const physicalResourceId =
    event.RequestType === 'Create'
      ? `${props.ApplicationId}/${props.EnvironmentId}/initial-manifest`
      : event.PhysicalResourceId;
  const base = {
    PhysicalResourceId: physicalResourceId,
    StackId: event.StackId,
    RequestId: event.RequestId,
    LogicalResourceId: event.LogicalResourceId,
  };
  if (event.RequestType === 'Delete') return { ...base, Status: 'SUCCESS' };
  try {
    const result = await deployInitialManifest(appConfig, props, now);
    return {
      ...base,
      Status: 'SUCCESS',
      Data: {
        Deployed: String(result.deployed),
        ...(result.deploymentNumber !== undefined
          ? { DeploymentNumber: String(result.deploymentNumber) }
          : {}),
      },
    };
  } catch (error) {
    const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    return { ...base, Status: 'FAILED', Reason: `Initial manifest for ${props.EnvironmentName}: ${message}` };
  }
}

/** Delivers the response to CloudFormation's pre-signed URL. */
export async function sendResponse(responseUrl: string, response: CustomResourceResponse): Promise<void> {
  const body = JSON.stringify(response);
  const result = await fetch(responseUrl, {
    method: 'PUT',
    // The URL is signed without a content type; sending one would break the signature.
    headers: { 'content-type': '', 'content-length': String(Buffer.byteLength(body)) },
    body,
  });
  if (!result.ok) throw new Error(`CloudFormation response upload failed: HTTP ${result.status}`);
}

const appConfig = new AppConfigClient({});

export async function handler(event: CloudFormationCustomResourceEvent): Promise<void> {
  const response = await handleEvent(appConfig, event, new Date());
  console.log(
    JSON.stringify({
      message: 'initial manifest',
      requestType: event.RequestType,
      status: response.Status,
      reason: response.Reason,
      data: response.Data,
    }),
  );
  await sendResponse(event.ResponseURL, response);
}
