/**
 * Deployments: start (one at a time per environment, after the validator), the rollout along the
 * strategy's schedule, alarm-driven and manual rollback, revert, and which hosted version a client
 * in a given bucket is served. The schedule is a function of the persisted start time, so
 * `advance(now)` can bring any deployment up to date, including one that was in flight at a restart.
 */
import { randomUUID } from 'node:crypto';
import type { ControlPlane } from './control-plane.ts';
import { badRequest, conflict, notFound } from './errors.ts';
import {
  EVENT_TYPE,
  type ExtensionActionError,
  type ExtensionEvent,
  type ExtensionRegistry,
  type InvokeLambda,
  type ResolvedAction,
  runAction,
} from './extensions.ts';
import {
  type ActionInvocationRecord,
  type DeploymentEventDetailType,
  type DeploymentRecord,
  type EmulatorState,
  type EventLogEntry,
  type HostedVersionRecord,
  isActive,
} from './model.ts';
import { bucketReceives, type RolloutSchedule, rolloutSteps, scaledMinutes } from './rollout.ts';

/** What a configuration validator receives (AppConfig's Lambda validator event, content decoded). */
export interface ValidateInput {
  readonly applicationId: string;
  readonly configurationProfileId: string;
  readonly configurationVersion: string;
  readonly content: Uint8Array;
}

export interface AlarmEnvironment {
  readonly applicationId: string;
  readonly environmentId: string;
  readonly name: string;
}

export interface FiredAlarm {
  readonly alarmName: string;
  readonly alarmArn: string;
  readonly reason: string;
  /**
   * AppConfig rolls back on a monitor in ALARM or in INSUFFICIENT_DATA alike; the state is named in
   * the EventLog. @default 'ALARM'
   */
  readonly state?: 'ALARM' | 'INSUFFICIENT_DATA';
}

export interface StartDeploymentInput {
  readonly applicationId: string;
  readonly environmentId: string;
  readonly profileId: unknown;
  readonly strategyId: unknown;
  readonly configurationVersion: unknown;
  readonly description?: unknown;
  readonly latestDeploymentNumber?: number;
}

export interface Logger {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

export interface DeploymentEngineDeps {
  readonly state: EmulatorState;
  readonly controlPlane: ControlPlane;
  readonly clock: () => number;
  readonly timeScale: number;
  readonly logger: Logger;
  readonly validate: () => ((input: ValidateInput) => Promise<void>) | undefined;
  readonly extensions: ExtensionRegistry;
  /** Calls extension actions' Lambda functions (read on every call, so it can be set later). */
  readonly invokeLambda: () => InvokeLambda | undefined;
  /** Commits the state (and delivers queued events afterwards). */
  readonly persist: () => Promise<void>;
}

export type EnvironmentState = 'READY_FOR_DEPLOYMENT' | 'DEPLOYING' | 'ROLLED_BACK' | 'REVERTED';

export class DeploymentEngine {
  readonly #deps: DeploymentEngineDeps;
  readonly #state: EmulatorState;
  /** Environments whose StartDeployment is waiting for the validator. */
  readonly #starting = new Set<string>();

  constructor(deps: DeploymentEngineDeps) {
    this.#deps = deps;
    this.#state = deps.state;
  }

  async start(input: StartDeploymentInput): Promise<DeploymentRecord> {
    const { controlPlane } = this.#deps;
    const environment = controlPlane.environment(input.applicationId, input.environmentId);
    const profile = controlPlane.profile(
      input.applicationId,
      requiredString(input.profileId, 'ConfigurationProfileId'),
    );
    const strategy = controlPlane.strategy(requiredString(input.strategyId, 'DeploymentStrategyId'));
    const versionText = requiredString(input.configurationVersion, 'ConfigurationVersion');
    if (!/^[1-9]\d*$/.test(versionText)) {
      throw badRequest(
        `ConfigurationVersion must be a hosted configuration version number, got ${JSON.stringify(versionText)}`,
      );
    }
    const version = controlPlane.hostedVersion(input.applicationId, profile.id, Number(versionText));
    const description = optionalString(input.description, 'Description');

    const envKey = `${input.applicationId}/${environment.id}`;
    this.advance();
    this.#assertNoneRunning(input.applicationId, environment.id, envKey);
    const latest = this.#latestNumber(input.applicationId, environment.id);
    if (input.latestDeploymentNumber !== undefined && input.latestDeploymentNumber !== latest) {
      throw conflict(
        `LatestDeploymentNumber ${input.latestDeploymentNumber} does not match the latest deployment ${latest} of environment ${environment.id}`,
      );
    }

    const validate = this.#deps.validate();
    const preStart = this.#deps.extensions.actionsFor('PRE_START_DEPLOYMENT', {
      applicationId: input.applicationId,
      environmentId: environment.id,
      profileId: profile.id,
    });
    if (validate || preStart.length > 0) {
      this.#starting.add(envKey);
      try {
        const content = await controlPlane.readContent(version);
        if (validate) await this.#validate(validate, { input, profile, environment, versionText, content });
        // PRE_START_DEPLOYMENT actions run after the validator, one after the other; the first error refuses.
        for (const resolved of preStart) {
          try {
            await runAction(this.#deps.invokeLambda(), resolved, {
              Type: EVENT_TYPE.PRE_START_DEPLOYMENT,
              Application: {
                Id: input.applicationId,
                Name: controlPlane.application(input.applicationId).name,
              },
              Environment: { Id: environment.id, Name: environment.name },
              ConfigurationProfile: { Id: profile.id, Name: profile.name },
              DeploymentNumber: latest + 1,
              ...(description !== undefined ? { Description: description } : {}),
              ConfigurationVersion: versionText,
              ContentType: version.contentType,
              Content: Buffer.from(content).toString('base64'),
            });
          } catch (error) {
            const message = (error as Error).message;
            this.#deps.logger.warn(
              `deployment of ${profile.name} v${versionText} to ${environment.name} refused by extension ${resolved.extension.name} (${resolved.action.name}): ${message}`,
            );
            throw badRequest(message.slice(0, 1024));
          }
        }
      } finally {
        this.#starting.delete(envKey);
      }
      // Nothing else can have started meanwhile: the reservation above answered ConflictException.
    }

    const now = this.#deps.clock();
    const record: DeploymentRecord = {
      applicationId: input.applicationId,
      environmentId: environment.id,
      deploymentNumber: this.#latestNumber(input.applicationId, environment.id) + 1,
      profileId: profile.id,
      configurationVersion: versionText,
      ...(version.versionLabel !== undefined ? { versionLabel: version.versionLabel } : {}),
      strategyId: strategy.id,
      ...(description !== undefined ? { description } : {}),
      deploymentDurationInMinutes: strategy.deploymentDurationInMinutes,
      growthFactor: strategy.growthFactor,
      growthType: strategy.growthType,
      finalBakeTimeInMinutes: strategy.finalBakeTimeInMinutes,
      deployMs: scaledMinutes(strategy.deploymentDurationInMinutes, this.#deps.timeScale),
      bakeMs: scaledMinutes(strategy.finalBakeTimeInMinutes, this.#deps.timeScale),
      startedAt: now,
      state: 'DEPLOYING',
      percentage: 0,
      eventLog: [
        {
          eventType: 'DEPLOYMENT_STARTED',
          triggeredBy: 'USER',
          description: 'Deployment started',
          occurredAt: now,
        },
      ],
    };
    this.#state.deployments.push(record);
    this.#enqueue(record, 'On Deployment Start', now);
    this.#deps.logger.info(
      `deployment ${record.deploymentNumber} to ${environment.name} started: ${profile.name} v${versionText}${
        version.versionLabel ? ` (${version.versionLabel})` : ''
      } with ${strategy.name} (${describeSchedule(record)})`,
    );
    this.#advanceOne(record, now);
    await this.#deps.persist();
    return record;
  }

  async #validate(
    validate: (input: ValidateInput) => Promise<void>,
    at: {
      input: StartDeploymentInput;
      profile: { id: string; name: string };
      environment: { name: string };
      versionText: string;
      content: Uint8Array;
    },
  ): Promise<void> {
    try {
      await validate({
        applicationId: at.input.applicationId,
        configurationProfileId: at.profile.id,
        configurationVersion: at.versionText,
        content: at.content,
      });
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      this.#deps.logger.warn(
        `deployment of ${at.profile.name} v${at.versionText} to ${at.environment.name} refused by the validator: ${message}`,
      );
      throw badRequest(message, {
        Reason: 'InvalidConfiguration',
        Details: {
          InvalidConfiguration: [{ Type: 'Lambda', Reason: message.slice(0, 1024), Location: 'validator' }],
        },
      });
    }
  }

  /**
   * Calls the AT_DEPLOYMENT_TICK actions that apply to an active deployment, one after the other and
   * awaited (the emulator does not start the next tick before), with the deployment's state and
   * percentage. The first that fails rolls the deployment back (TriggeredBy APPCONFIG, the action's
   * message as the description); true when it did.
   */
  async tickExtensions(record: DeploymentRecord): Promise<boolean> {
    const actions = this.#deps.extensions.actionsFor('AT_DEPLOYMENT_TICK', {
      applicationId: record.applicationId,
      environmentId: record.environmentId,
      profileId: record.profileId,
    });
    for (const resolved of actions) {
      if (!isActive(record)) return false;
      try {
        await runAction(this.#deps.invokeLambda(), resolved, this.#tickEvent(record));
      } catch (error) {
        return this.#rollBackForExtension(record, resolved, error as ExtensionActionError);
      }
    }
    return false;
  }

  #tickEvent(record: DeploymentRecord): Omit<ExtensionEvent, 'InvocationId' | 'Parameters'> {
    const { controlPlane } = this.#deps;
    const profile = controlPlane.profile(record.applicationId, record.profileId);
    return {
      Type: EVENT_TYPE.AT_DEPLOYMENT_TICK,
      Application: { Id: record.applicationId },
      Environment: { Id: record.environmentId },
      ConfigurationProfile: { Id: profile.id, Name: profile.name },
      DeploymentNumber: record.deploymentNumber,
      ...(record.description !== undefined ? { Description: record.description } : {}),
      ConfigurationVersion: record.configurationVersion,
      DeploymentState: record.state,
      PercentageComplete: record.percentage,
    };
  }

  #rollBackForExtension(
    record: DeploymentRecord,
    resolved: ResolvedAction,
    failure: ExtensionActionError,
  ): boolean {
    const now = this.#deps.clock();
    this.#advanceOne(record, now);
    if (!isActive(record)) return false;
    const message = failure.message.slice(0, 1024);
    this.#rollBack(record, now, 'APPCONFIG', message, [
      {
        extensionIdentifier: resolved.extension.id,
        actionName: resolved.action.name,
        uri: resolved.action.uri,
        ...(resolved.action.roleArn !== undefined ? { roleArn: resolved.action.roleArn } : {}),
        errorMessage: message,
        errorCode: failure.errorCode,
        invocationId: failure.invocationId,
      },
    ]);
    this.#persistInBackground();
    return true;
  }

  /** StopDeployment: an active deployment rolls back; a COMPLETE one reverts when `allowRevert`. */
  async stop(
    applicationId: string,
    environmentId: string,
    deploymentNumber: number,
    allowRevert: boolean,
  ): Promise<DeploymentRecord> {
    const record = this.get(applicationId, environmentId, deploymentNumber);
    const now = this.#deps.clock();
    if (isActive(record)) {
      this.#rollBack(record, now, 'USER', 'Rollback initiated by user (StopDeployment)');
    } else if (record.state === 'COMPLETE' && allowRevert) {
      if (record.deploymentNumber !== this.#latestNumber(applicationId, environmentId)) {
        throw badRequest(
          `Deployment ${deploymentNumber} is not the latest deployment of environment ${environmentId}: only the latest COMPLETE deployment can be reverted`,
        );
      }
      record.state = 'REVERTED';
      record.eventLog.push({
        eventType: 'REVERT_COMPLETED',
        triggeredBy: 'USER',
        description: 'Deployment reverted by user (StopDeployment with AllowRevert)',
        occurredAt: now,
      });
      this.#enqueue(record, 'On Deployment Rollback', now);
      this.#deps.logger.info(
        `deployment ${deploymentNumber} to ${this.#environmentName(record)} REVERTED by user`,
      );
    } else {
      throw badRequest(
        `Deployment ${deploymentNumber} is ${record.state} and cannot be stopped${
          record.state === 'COMPLETE' ? ': set AllowRevert to revert it' : ''
        }`,
      );
    }
    await this.#deps.persist();
    return record;
  }

  get(applicationId: string, environmentId: string, deploymentNumber: number): DeploymentRecord {
    this.#deps.controlPlane.environment(applicationId, environmentId);
    this.advance();
    const found = this.#state.deployments.find(
      (d) =>
        d.applicationId === applicationId &&
        d.environmentId === environmentId &&
        d.deploymentNumber === deploymentNumber,
    );
    if (!found)
      throw notFound(`Deployment ${deploymentNumber} not found`, { ResourceName: String(deploymentNumber) });
    return found;
  }

  /** Newest first. */
  list(applicationId: string, environmentId: string): DeploymentRecord[] {
    this.#deps.controlPlane.environment(applicationId, environmentId);
    this.advance();
    return this.#state.deployments
      .filter((d) => d.applicationId === applicationId && d.environmentId === environmentId)
      .sort((a, b) => b.deploymentNumber - a.deploymentNumber);
  }

  active(): DeploymentRecord[] {
    return this.#state.deployments.filter(isActive);
  }

  /**
   * Brings every active deployment to where its schedule says it is now, logging each step at the
   * moment it was due. Commits in the background when anything changed; returns whether it did.
   */
  advance(now = this.#deps.clock()): boolean {
    let changed = false;
    for (const record of this.active()) changed = this.#advanceOne(record, now) || changed;
    if (changed) this.#persistInBackground();
    return changed;
  }

  /** Rolls an active deployment back because an alarm fired. False when it had already ended. */
  rollBackForAlarm(record: DeploymentRecord, alarm: FiredAlarm): boolean {
    const now = this.#deps.clock();
    this.#advanceOne(record, now);
    if (!isActive(record)) return false;
    const inState = alarm.state === 'INSUFFICIENT_DATA' ? ' in INSUFFICIENT_DATA' : '';
    const description = `Rollback initiated by alarm ${alarm.alarmArn} (${alarm.alarmName})${inState}: ${alarm.reason}`;
    this.#rollBack(record, now, 'CLOUDWATCH_ALARM', description.slice(0, 1024));
    this.#persistInBackground();
    return true;
  }

  /** The hosted version a client in `bucket` is served for a profile in an environment. */
  served(
    applicationId: string,
    environmentId: string,
    profileId: string,
    bucket: number,
  ): HostedVersionRecord | undefined {
    this.advance();
    let baseline: DeploymentRecord | undefined;
    let running: DeploymentRecord | undefined;
    const deployments = this.#state.deployments
      .filter(
        (d) =>
          d.applicationId === applicationId && d.environmentId === environmentId && d.profileId === profileId,
      )
      .sort((a, b) => a.deploymentNumber - b.deploymentNumber);
    for (const d of deployments) {
      if (d.state === 'COMPLETE') baseline = d;
      else if (isActive(d)) running = d;
    }
    const chosen = running && bucketReceives(bucket, running.percentage) ? running : baseline;
    if (!chosen) return undefined;
    return this.#deps.controlPlane.hostedVersion(
      applicationId,
      profileId,
      Number(chosen.configurationVersion),
    );
  }

  environmentState(applicationId: string, environmentId: string): EnvironmentState {
    const [latest] = this.list(applicationId, environmentId);
    if (!latest || latest.state === 'COMPLETE') return 'READY_FOR_DEPLOYMENT';
    if (latest.state === 'ROLLED_BACK' || latest.state === 'REVERTED') return latest.state;
    return 'DEPLOYING';
  }

  alarmEnvironment(record: DeploymentRecord): AlarmEnvironment {
    return {
      applicationId: record.applicationId,
      environmentId: record.environmentId,
      name: this.#environmentName(record),
    };
  }

  #advanceOne(record: DeploymentRecord, now: number): boolean {
    if (!isActive(record)) return false;
    const schedule = scheduleOf(record);
    const elapsed = now - record.startedAt;
    let changed = false;
    for (const step of rolloutSteps(schedule)) {
      if (step.atMs > elapsed || step.percentage <= record.percentage) continue;
      record.percentage = step.percentage;
      record.eventLog.push({
        eventType: 'PERCENTAGE_UPDATED',
        triggeredBy: 'APPCONFIG',
        description: `Deployment percentage updated to ${step.percentage}%`,
        occurredAt: record.startedAt + step.atMs,
      });
      if (step.percentage < 100) {
        this.#deps.logger.info(
          `deployment ${record.deploymentNumber} to ${this.#environmentName(record)} at ${step.percentage}%`,
        );
      }
      changed = true;
    }
    if (record.state === 'DEPLOYING' && elapsed >= schedule.deployMs) {
      record.state = 'BAKING';
      record.eventLog.push({
        eventType: 'BAKE_TIME_STARTED',
        triggeredBy: 'APPCONFIG',
        description: `Bake time started (${record.finalBakeTimeInMinutes} minutes)`,
        occurredAt: record.startedAt + schedule.deployMs,
      });
      this.#deps.logger.info(
        `deployment ${record.deploymentNumber} to ${this.#environmentName(record)} at 100%, baking for ${formatMs(schedule.bakeMs)}`,
      );
      changed = true;
    }
    if (record.state === 'BAKING' && elapsed >= schedule.deployMs + schedule.bakeMs) {
      const completedAt = record.startedAt + schedule.deployMs + schedule.bakeMs;
      record.state = 'COMPLETE';
      record.completedAt = completedAt;
      record.eventLog.push({
        eventType: 'DEPLOYMENT_COMPLETED',
        triggeredBy: 'APPCONFIG',
        description: 'Deployment completed',
        occurredAt: completedAt,
      });
      this.#enqueue(record, 'On Deployment Complete', completedAt);
      this.#deps.logger.info(
        `deployment ${record.deploymentNumber} to ${this.#environmentName(record)} COMPLETE`,
      );
      changed = true;
    }
    return changed;
  }

  #rollBack(
    record: DeploymentRecord,
    now: number,
    triggeredBy: EventLogEntry['triggeredBy'],
    description: string,
    actionInvocations?: readonly ActionInvocationRecord[],
  ) {
    record.eventLog.push(
      {
        eventType: 'ROLLBACK_STARTED',
        triggeredBy,
        description,
        occurredAt: now,
        ...(actionInvocations ? { actionInvocations } : {}),
      },
      {
        eventType: 'ROLLBACK_COMPLETED',
        triggeredBy: 'APPCONFIG',
        description: 'Rollback completed',
        occurredAt: now,
      },
    );
    record.state = 'ROLLED_BACK';
    record.percentage = 0;
    record.completedAt = now;
    this.#enqueue(record, 'On Deployment Rollback', now);
    this.#deps.logger.warn(
      `deployment ${record.deploymentNumber} to ${this.#environmentName(record)} ROLLED_BACK: ${description}`,
    );
  }

  #enqueue(record: DeploymentRecord, detailType: DeploymentEventDetailType, occurredAt: number): void {
    this.#state.outbox.push({
      id: randomUUID(),
      detailType,
      applicationId: record.applicationId,
      environmentId: record.environmentId,
      deploymentNumber: record.deploymentNumber,
      occurredAt,
    });
  }

  #assertNoneRunning(applicationId: string, environmentId: string, envKey: string): void {
    const running = this.#state.deployments.find(
      (d) => d.applicationId === applicationId && d.environmentId === environmentId && isActive(d),
    );
    if (running) {
      throw conflict(
        `Deployment ${running.deploymentNumber} is ${running.state} in environment ${environmentId}: wait for it to finish or stop it first`,
      );
    }
    if (this.#starting.has(envKey)) {
      throw conflict(`A deployment to environment ${environmentId} is being validated: wait for it to start`);
    }
  }

  #latestNumber(applicationId: string, environmentId: string): number {
    let latest = 0;
    for (const d of this.#state.deployments) {
      if (d.applicationId === applicationId && d.environmentId === environmentId)
        latest = Math.max(latest, d.deploymentNumber);
    }
    return latest;
  }

  #environmentName(record: DeploymentRecord): string {
    return (
      this.#deps.controlPlane.findEnvironment(record.applicationId, record.environmentId)?.name ??
      record.environmentId
    );
  }

  #persistInBackground(): void {
    this.#deps.persist().catch((error: unknown) => {
      this.#deps.logger.error(`could not save the AppConfig emulator state: ${(error as Error).message}`);
    });
  }
}

export function scheduleOf(record: DeploymentRecord): RolloutSchedule {
  return {
    growthType: record.growthType,
    growthFactor: record.growthFactor,
    deployMs: record.deployMs,
    bakeMs: record.bakeMs,
  };
}

function describeSchedule(record: DeploymentRecord): string {
  return `${formatMs(record.deployMs)} rollout, ${formatMs(record.bakeMs)} bake`;
}

function formatMs(ms: number): string {
  if (ms < 1000) return `${ms} ms`;
  if (ms < 120_000) return `${Math.round(ms / 100) / 10} s`;
  return `${Math.round(ms / 6000) / 10} min`;
}

function requiredString(value: unknown, member: string): string {
  if (typeof value !== 'string' || value === '') throw badRequest(`${member} is required`);
  return value;
}

function optionalString(value: unknown, member: string): string | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string' || value.length > 1024) {
    throw badRequest(`${member} must be a string of at most 1024 characters`);
  }
  return value;
}
