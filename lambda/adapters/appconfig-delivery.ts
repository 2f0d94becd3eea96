/**
 * AppConfig for one application and configuration profile: hosted configuration versions and
 * deployments. AppConfig's own states are mapped to the four the API reports.
 */
import {
  type AppConfigClient,
  CreateHostedConfigurationVersionCommand,
  type Deployment,
  GetDeploymentCommand,
  ListDeploymentsCommand,
  ListHostedConfigurationVersionsCommand,
  StartDeploymentCommand,
  StopDeploymentCommand,
} from '@aws-sdk/client-appconfig';
import { APPCONFIG } from '../../src/core/contracts.ts';
import { DeploymentInProgressError, LintFailedError, NotFoundError } from '../../src/core/errors.ts';
import type { DeploymentInfo, DeploymentState } from '../delivery/model.ts';
import type { Delivery } from '../delivery/ports.ts';

const STATES: Record<string, DeploymentState> = {
  VALIDATING: 'DEPLOYING',
  DEPLOYING: 'DEPLOYING',
  BAKING: 'BAKING',
  COMPLETE: 'COMPLETE',
  ROLLING_BACK: 'ROLLED_BACK',
  ROLLED_BACK: 'ROLLED_BACK',
  REVERTED: 'ROLLED_BACK',
};

export function deploymentInfo(deployment: Deployment): DeploymentInfo {
  const state = STATES[deployment.State ?? ''] ?? 'DEPLOYING';
  const rollback = deployment.EventLog?.find(
    (e) => e.EventType === 'ROLLBACK_STARTED' || e.EventType === 'REVERT_COMPLETED',
  );
  // An extension that failed (canary analysis at AT_DEPLOYMENT_TICK) leaves its error message on its
  // action invocation: the rollback event's first, else any event's.
  const failedInvocation = [rollback, ...(deployment.EventLog ?? [])]
    .flatMap((e) => e?.ActionInvocations ?? [])
    .find((invocation) => invocation.ErrorMessage);
  return {
    number: deployment.DeploymentNumber ?? 0,
    state,
    percentage: deployment.PercentageComplete ?? 0,
    strategyId: deployment.DeploymentStrategyId ?? '',
    configurationVersion: deployment.ConfigurationVersion ?? '',
    ...(deployment.StartedAt ? { startedAt: new Date(deployment.StartedAt).toISOString() } : {}),
    ...(deployment.CompletedAt ? { endedAt: new Date(deployment.CompletedAt).toISOString() } : {}),
    ...(state === 'ROLLED_BACK' && rollback?.Description ? { reason: rollback.Description } : {}),
    ...(state === 'ROLLED_BACK' && rollback?.TriggeredBy ? { triggeredBy: rollback.TriggeredBy } : {}),
    ...(state === 'ROLLED_BACK' && failedInvocation?.ErrorMessage
      ? { extensionMessage: failedInvocation.ErrorMessage }
      : {}),
  };
}

function isNamed(error: unknown, name: string): boolean {
  return error instanceof Error && error.name === name;
}

/**
 * Whether AppConfig answered the call with a refusal (a 4xx: a validator rejection, a conflict, a
 * throttle), so it did nothing. A timeout, a network error or a 5xx is unanswered: AppConfig may
 * have done it.
 */
function isRefusal(error: unknown): boolean {
  const { $fault, $metadata } = error as { $fault?: string; $metadata?: { httpStatusCode?: number } };
  const status = $metadata?.httpStatusCode;
  return $fault === 'client' || (status !== undefined && status >= 400 && status < 500);
}

export class AppConfigDelivery implements Delivery {
  private readonly client: AppConfigClient;
  private readonly applicationId: string;
  private readonly profileId: string;
  /** The profile's latest hosted version as this container last saw it (AppConfig's lock token). */
  private latestVersion: number | undefined;

  constructor(client: AppConfigClient, applicationId: string, profileId: string) {
    this.client = client;
    this.applicationId = applicationId;
    this.profileId = profileId;
  }

  private async findLatestVersion(): Promise<number | undefined> {
    let latest: number | undefined;
    let token: string | undefined;
    do {
      const page = await this.client.send(
        new ListHostedConfigurationVersionsCommand({
          ApplicationId: this.applicationId,
          ConfigurationProfileId: this.profileId,
          MaxResults: 50,
          ...(token ? { NextToken: token } : {}),
        }),
      );
      for (const item of page.Items ?? []) {
        if (item.VersionNumber !== undefined && (latest === undefined || item.VersionNumber > latest))
          latest = item.VersionNumber;
      }
      token = page.NextToken;
    } while (token);
    return latest;
  }

  async createHostedVersion(input: { content: string; label: string; description: string }): Promise<number> {
    if (this.latestVersion === undefined) this.latestVersion = await this.findLatestVersion();
    for (let attempt = 0; ; attempt++) {
      try {
        const created = await this.client.send(
          new CreateHostedConfigurationVersionCommand({
            ApplicationId: this.applicationId,
            ConfigurationProfileId: this.profileId,
            Content: new TextEncoder().encode(input.content),
            ContentType: APPCONFIG.contentType,
            Description: input.description.slice(0, 1024),
            VersionLabel: input.label,
            ...(this.latestVersion !== undefined ? { LatestVersionNumber: this.latestVersion } : {}),
          }),
        );
        this.latestVersion = created.VersionNumber;
        if (created.VersionNumber === undefined)
          throw new Error('AppConfig returned no hosted configuration version number');
        return created.VersionNumber;
      } catch (error) {
        // Another writer created a version since we looked: learn the real latest and try again.
        if (!isNamed(error, 'ConflictException') || attempt >= 2) throw error;
        this.latestVersion = await this.findLatestVersion();
      }
    }
  }

  async startDeployment(input: {
    environmentId: string;
    strategyId: string;
    versionNumber: number;
    description: string;
  }): Promise<DeploymentInfo> {
    try {
      const started = await this.client.send(
        new StartDeploymentCommand({
          ApplicationId: this.applicationId,
          EnvironmentId: input.environmentId,
          ConfigurationProfileId: this.profileId,
          DeploymentStrategyId: input.strategyId,
          ConfigurationVersion: String(input.versionNumber),
          Description: input.description.slice(0, 1024),
        }),
      );
      return deploymentInfo(started);
    } catch (error) {
      // Unanswered: AppConfig may have started it (docs/architecture.md, "Cut points: delivery").
      if (!isRefusal(error)) {
        const found = await this.findDeployment(input.environmentId, input.versionNumber).catch(
          () => undefined,
        );
        if (found) return found;
      }
      if (isNamed(error, 'ConflictException')) {
        throw new DeploymentInProgressError(
          'AppConfig already has a deployment running in this environment: wait for it to finish or roll it back',
          { cause: error },
        );
      }
      if (
        isNamed(error, 'BadRequestException') &&
        (error as { Reason?: string }).Reason === 'InvalidConfiguration'
      ) {
        // A configuration validator (the JSON Schema or the validator Lambda) refused the manifest;
        // any other BadRequestException is ours (a wrong id) and stays an internal error.
        throw new LintFailedError([
          {
            rule: 'appconfig-validator',
            severity: 'error',
            message: `AppConfig refused the manifest: ${(error as Error).message}`,
          },
        ]);
      }
      throw error;
    }
  }

  /**
   * The deployment of hosted version `versionNumber` in the environment, if AppConfig started one:
   * a hosted version number is used once per profile, so it names the deployment of this deploy.
   */
  async findDeployment(environmentId: string, versionNumber: number): Promise<DeploymentInfo | undefined> {
    const listed = await this.client.send(
      new ListDeploymentsCommand({
        ApplicationId: this.applicationId,
        EnvironmentId: environmentId,
        MaxResults: 50,
      }),
    );
    const summary = listed.Items?.find(
      (item) =>
        item.ConfigurationVersion === String(versionNumber) &&
        (item.ConfigurationProfileId === undefined || item.ConfigurationProfileId === this.profileId),
    );
    if (summary?.DeploymentNumber === undefined) return undefined;
    return this.getDeployment(environmentId, summary.DeploymentNumber);
  }

  async getDeployment(environmentId: string, deploymentNumber: number): Promise<DeploymentInfo> {
    try {
      const deployment = await this.client.send(
        new GetDeploymentCommand({
          ApplicationId: this.applicationId,
          EnvironmentId: environmentId,
          DeploymentNumber: deploymentNumber,
        }),
      );
      return deploymentInfo(deployment);
    } catch (error) {
      if (isNamed(error, 'ResourceNotFoundException')) {
        throw new NotFoundError(`Deployment ${deploymentNumber} does not exist`, { cause: error });
      }
      throw error;
    }
  }

  async stopDeployment(environmentId: string, deploymentNumber: number): Promise<DeploymentInfo> {
    try {
      const stopped = await this.client.send(
        new StopDeploymentCommand({
          ApplicationId: this.applicationId,
          EnvironmentId: environmentId,
          DeploymentNumber: deploymentNumber,
        }),
      );
      return deploymentInfo(stopped);
    } catch (error) {
      if (isRefusal(error)) throw error;
      // Unanswered: AppConfig may have stopped it; a stopped deployment is rolled back.
      const live = await this.getDeployment(environmentId, deploymentNumber).catch(() => undefined);
      if (live?.state === 'ROLLED_BACK') return live;
      throw error;
    }
  }
}
