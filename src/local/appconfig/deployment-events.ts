/**
 * The events the "AWS AppConfig deployment events to Amazon EventBridge" extension puts on the
 * default bus (source `aws.appconfig`, detail-type `On Deployment Start` / `Complete` / `Rollback`),
 * delivered to a hook from a persisted outbox: an event is queued in the same commit as the change it
 * reports and removed only once handed over, so a restart redelivers rather than loses it. Like
 * EventBridge's asynchronous Lambda invocation, a failing hook is retried twice, then the event is
 * dropped with a log line.
 */
import type { EventBridgeEvent } from 'aws-lambda';
import { deploymentArn, LOCAL_ACCOUNT } from './arns.ts';
import type { ControlPlane } from './control-plane.ts';
import type { Logger } from './deployments.ts';
import type { DeploymentEventDetailType, EmulatorState, PendingEvent } from './model.ts';

const ACTION_POINT: Record<DeploymentEventDetailType, AppConfigDeploymentEventDetail['Type']> = {
  'On Deployment Start': 'OnDeploymentStart',
  'On Deployment Complete': 'OnDeploymentComplete',
  'On Deployment Rollback': 'OnDeploymentRolledBack',
};

/** A type alias (not an interface) so it is assignable to `Record<string, unknown>`. */
export type AppConfigDeploymentEventDetail = {
  readonly Type: 'OnDeploymentStart' | 'OnDeploymentComplete' | 'OnDeploymentRolledBack';
  readonly Application: { readonly Id: string; readonly Name: string };
  readonly Environment: { readonly Id: string; readonly Name: string };
  readonly ConfigurationProfile: { readonly Id: string; readonly Name: string };
  readonly DeploymentNumber: number;
  readonly ConfigurationVersion: string;
  readonly DeploymentStrategyId: string;
  readonly DeploymentState: string;
  readonly Description?: string;
};

export type AppConfigDeploymentEvent = EventBridgeEvent<
  DeploymentEventDetailType,
  AppConfigDeploymentEventDetail
>;

export type DeploymentEventHook = (event: AppConfigDeploymentEvent) => Promise<void>;

export interface EventDeliveryDeps {
  readonly state: EmulatorState;
  readonly controlPlane: ControlPlane;
  readonly region: string;
  readonly logger: Logger;
  readonly hook: () => DeploymentEventHook | undefined;
  /** Commits the state; events are handed over only once committed. */
  readonly persist: () => Promise<void>;
  /** Waits between attempts, in milliseconds. */
  readonly retryDelaysMs?: readonly number[];
}

/** Events kept for a hook that is not set yet; older ones are dropped beyond this. */
const MAX_QUEUED_EVENTS = 1000;

export class EventDelivery {
  readonly #deps: EventDeliveryDeps;
  readonly #retryDelaysMs: readonly number[];
  #running: Promise<void> | undefined;
  #stopped = false;
  #wake: (() => void) | undefined;

  constructor(deps: EventDeliveryDeps) {
    this.#deps = deps;
    this.#retryDelaysMs = deps.retryDelaysMs ?? [200, 1000];
  }

  /** Starts delivering what the outbox holds, if a hook is set and nothing is delivering already. */
  kick(): void {
    this.#trim();
    if (this.#running || this.#stopped || !this.#deps.hook()) return;
    this.#running = this.#run().finally(() => {
      this.#running = undefined;
      // Events queued while the last one was being handed over.
      if (this.#deps.state.outbox.length > 0 && !this.#stopped && this.#deps.hook()) this.kick();
    });
  }

  /** Resolves once the outbox is empty or nothing more can be delivered now. */
  async drain(): Promise<void> {
    while (this.#running) await this.#running;
  }

  /** Stops after the event in hand; the rest stays in the outbox for the next start. */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#wake?.();
    await this.drain();
  }

  build(pending: PendingEvent): AppConfigDeploymentEvent | undefined {
    const { state, controlPlane } = this.#deps;
    const deployment = state.deployments.find(
      (d) =>
        d.applicationId === pending.applicationId &&
        d.environmentId === pending.environmentId &&
        d.deploymentNumber === pending.deploymentNumber,
    );
    const application = controlPlane.findApplication(pending.applicationId);
    const environment = controlPlane.findEnvironment(pending.applicationId, pending.environmentId);
    if (!deployment || !application || !environment) return undefined;
    const profile = controlPlane.findProfile(pending.applicationId, deployment.profileId);
    return {
      version: '0',
      id: pending.id,
      'detail-type': pending.detailType,
      source: 'aws.appconfig',
      account: LOCAL_ACCOUNT,
      time: new Date(pending.occurredAt).toISOString().replace(/\.\d{3}Z$/, 'Z'),
      region: this.#deps.region,
      resources: [
        deploymentArn(this.#deps.region, application.id, environment.id, deployment.deploymentNumber),
      ],
      detail: {
        Type: ACTION_POINT[pending.detailType],
        Application: { Id: application.id, Name: application.name },
        Environment: { Id: environment.id, Name: environment.name },
        ConfigurationProfile: { Id: deployment.profileId, Name: profile?.name ?? deployment.profileId },
        DeploymentNumber: deployment.deploymentNumber,
        ConfigurationVersion: deployment.configurationVersion,
        DeploymentStrategyId: deployment.strategyId,
        DeploymentState: deployment.state,
        ...(deployment.description !== undefined ? { Description: deployment.description } : {}),
      },
    };
  }

  async #run(): Promise<void> {
    const { state, logger } = this.#deps;
    while (!this.#stopped) {
      const hook = this.#deps.hook();
      const pending = state.outbox[0];
      if (!hook || !pending) return;
      const event = this.build(pending);
      // Hand over only what is on disk: a kill after delivery must not lose the change it reported.
      await this.#commit();
      if (this.#stopped) return;
      if (event) {
        for (let attempt = 0; ; attempt++) {
          try {
            await hook(event);
            break;
          } catch (error) {
            const message = error instanceof Error ? error.message : String(error);
            const delay = this.#retryDelaysMs[attempt];
            if (delay === undefined) {
              logger.error(
                `deployment event "${event['detail-type']}" for deployment ${event.detail.DeploymentNumber} to ${event.detail.Environment.Name} dropped after ${attempt + 1} attempts: ${message}`,
              );
              break;
            }
            logger.warn(
              `deployment event "${event['detail-type']}" for deployment ${event.detail.DeploymentNumber} failed (${message}); retrying in ${delay} ms`,
            );
            await this.#sleep(delay);
            // Stopping mid-retry keeps the event for the next start.
            if (this.#stopped) return;
          }
        }
      }
      const index = state.outbox.findIndex((e) => e.id === pending.id);
      if (index >= 0) state.outbox.splice(index, 1);
      await this.#commit();
    }
  }

  async #commit(): Promise<void> {
    await this.#deps.persist().catch((error: unknown) => {
      this.#deps.logger.error(`could not save the AppConfig emulator state: ${(error as Error).message}`);
    });
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.#wake = done;
    });
  }

  #trim(): void {
    const { outbox } = this.#deps.state;
    const excess = outbox.length - MAX_QUEUED_EVENTS;
    if (excess > 0) {
      outbox.splice(0, excess);
      this.#deps.logger.warn(
        `dropped the ${excess} oldest undelivered deployment events (no event hook is set)`,
      );
    }
  }
}
