/**
 * The AppConfig emulator for local mode: AppConfig, AppConfigData and the AppConfig Agent's HTTP
 * path on one port (the agent optionally on a second one), real strategy timing divided by the time
 * scale, bake, alarm-driven rollback through `checkAlarms`, configuration validation through
 * `validate`, and the EventBridge deployment events through `onDeploymentEvent`. State lives under
 * `<dataDir>/appconfig` and survives restarts; a deployment in flight at a restart resumes on its
 * original schedule. See docs/local-appconfig.md.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { DeploymentStrategySpec } from '../../core/contracts.ts';
import { ControlPlane, type EnvironmentOptions } from './control-plane.ts';
import { DataPlane } from './data-plane.ts';
import { type DeploymentEventHook, EventDelivery } from './deployment-events.ts';
import {
  type AlarmEnvironment,
  DeploymentEngine,
  type FiredAlarm,
  type Logger,
  type ValidateInput,
} from './deployments.ts';
import {
  type CreateAssociationInput,
  type CreateExtensionInput,
  ExtensionRegistry,
  type InvokeLambda,
} from './extensions.ts';
import { HttpApi } from './http-server.ts';
import { emptyState, StateStore } from './state-store.ts';

export type { StrategyView } from './control-plane.ts';
export type {
  AppConfigDeploymentEvent,
  AppConfigDeploymentEventDetail,
  DeploymentEventHook,
} from './deployment-events.ts';
export type { AlarmEnvironment, FiredAlarm, Logger, ValidateInput } from './deployments.ts';
export type { ExtensionEvent, InvokeLambda } from './extensions.ts';
export { CLIENT_ID_HEADER } from './http-server.ts';

export interface AppConfigEmulatorHooks {
  /**
   * Called on StartDeployment with the hosted content, like AppConfig's Lambda validator: a throw
   * refuses the deployment with BadRequestException carrying the error's message.
   */
  readonly validate?: (input: ValidateInput) => Promise<void>;
  /**
   * Polled every `tickIntervalMs` while a deployment of the environment is DEPLOYING or BAKING, with
   * the deployment's start; an alarm returned (in ALARM or INSUFFICIENT_DATA, as AppConfig rolls back
   * on either) rolls the deployment back (ROLLED_BACK, the alarm named in the EventLog).
   */
  readonly checkAlarms?: (environment: AlarmEnvironment, since: Date) => Promise<FiredAlarm | undefined>;
  /** Receives the EventBridge events of the deployment events extension; errors are logged, retried twice. */
  readonly onDeploymentEvent?: DeploymentEventHook;
  /**
   * Invokes the Lambda function an extension action names (its Uri) with AppConfig's event: for
   * PRE_START_DEPLOYMENT a rejection refuses StartDeployment, for AT_DEPLOYMENT_TICK it rolls the
   * deployment back. Without it, an associated action fails as an unreachable function would.
   */
  readonly invokeLambda?: InvokeLambda;
}

export interface AppConfigEmulatorOptions extends AppConfigEmulatorHooks {
  /** State goes under `<dataDir>/appconfig`. */
  readonly dataDir: string;
  /** @default 0 (a free port) */
  readonly port?: number;
  /** A second port for the agent path only, like the agent's own 2772. @default the main port */
  readonly agentPort?: number;
  /** @default '127.0.0.1' */
  readonly host?: string;
  /**
   * Strategy durations and bake times are divided by it (PROMPTOPS_TIME_SCALE), and so are the
   * AppConfigData poll intervals (at least 1 second). @default 1
   */
  readonly timeScale?: number;
  /** Region named in event ARNs. @default 'us-east-1' */
  readonly region?: string;
  /** Epoch milliseconds. @default Date.now */
  readonly clock?: () => number;
  /** Wall-clock period of the rollout ticker and the alarm polls. @default 250 */
  readonly tickIntervalMs?: number;
  /** One-line human-readable messages. @default console, prefixed with [appconfig] */
  readonly logger?: Logger;
  /** Waits before retrying a failed event hook. @default [200, 1000] */
  readonly eventRetryDelaysMs?: readonly number[];
}

export const DEFAULT_TICK_INTERVAL_MS = 250;

const consoleLogger: Logger = {
  info: (message) => console.info(`[appconfig] ${message}`),
  warn: (message) => console.warn(`[appconfig] ${message}`),
  error: (message) => console.error(`[appconfig] ${message}`),
};

export class AppConfigEmulator {
  /** AppConfig, AppConfigData and the agent path. */
  readonly url: string;
  /** The agent path's origin (the main URL unless `agentPort` was given). */
  readonly agentUrl: string;
  readonly #store: StateStore;
  readonly #controlPlane: ControlPlane;
  readonly #deployments: DeploymentEngine;
  readonly #delivery: EventDelivery;
  readonly #extensions: ExtensionRegistry;
  readonly #servers: Server[];
  readonly #logger: Logger;
  readonly #clock: () => number;
  #hooks: AppConfigEmulatorHooks;
  #ticker: NodeJS.Timeout | undefined;
  #tick: Promise<void> | undefined;
  #lastAlarmFailure: string | undefined;
  #closed = false;

  private constructor(parts: {
    url: string;
    agentUrl: string;
    store: StateStore;
    controlPlane: ControlPlane;
    deployments: DeploymentEngine;
    delivery: EventDelivery;
    extensions: ExtensionRegistry;
    servers: Server[];
    logger: Logger;
    clock: () => number;
    hooks: AppConfigEmulatorHooks;
  }) {
    this.url = parts.url;
    this.agentUrl = parts.agentUrl;
    this.#store = parts.store;
    this.#controlPlane = parts.controlPlane;
    this.#deployments = parts.deployments;
    this.#delivery = parts.delivery;
    this.#extensions = parts.extensions;
    this.#servers = parts.servers;
    this.#logger = parts.logger;
    this.#clock = parts.clock;
    this.#hooks = parts.hooks;
  }

  static async start(options: AppConfigEmulatorOptions): Promise<AppConfigEmulator> {
    const timeScale = options.timeScale ?? 1;
    if (!(Number.isFinite(timeScale) && timeScale > 0)) {
      throw new RangeError(`timeScale must be a positive number, got ${JSON.stringify(options.timeScale)}`);
    }
    const logger = options.logger ?? consoleLogger;
    const clock = options.clock ?? (() => Date.now());
    const region = options.region ?? 'us-east-1';
    const directory = join(options.dataDir, 'appconfig');
    const { store, loaded, removedTempFiles } = await StateStore.open(directory, emptyState);
    if (removedTempFiles > 0) {
      logger.warn(
        `removed ${removedTempFiles} unfinished temporary file(s) left by an interrupted write in ${directory}`,
      );
    }

    let emulator: AppConfigEmulator | undefined;
    const hooks = (): AppConfigEmulatorHooks => (emulator ? emulator.#hooks : options);
    const controlPlane = new ControlPlane(store);
    const extensions = new ExtensionRegistry({ state: store.state, controlPlane, region });
    let delivery: EventDelivery | undefined;
    const persist = async () => {
      await store.commit();
      delivery?.kick();
    };
    const deployments = new DeploymentEngine({
      state: store.state,
      controlPlane,
      clock,
      timeScale,
      logger,
      validate: () => hooks().validate,
      extensions,
      invokeLambda: () => hooks().invokeLambda,
      persist,
    });
    delivery = new EventDelivery({
      state: store.state,
      controlPlane,
      region,
      logger,
      hook: () => hooks().onDeploymentEvent,
      persist: () => store.commit(),
      ...(options.eventRetryDelaysMs ? { retryDelaysMs: options.eventRetryDelaysMs } : {}),
    });
    const dataPlane = new DataPlane({
      controlPlane,
      deployments,
      tokenSecret: store.state.tokenSecret,
      clock,
      timeScale,
    });
    const api = new HttpApi({ controlPlane, deployments, dataPlane, extensions, logger, persist });

    const host = options.host ?? '127.0.0.1';
    const servers: Server[] = [];
    try {
      const main = await listen(createServer(api.listener), options.port ?? 0, host);
      servers.push(main);
      const agent =
        options.agentPort !== undefined
          ? await listen(createServer(api.listener), options.agentPort, host)
          : main;
      if (agent !== main) servers.push(agent);
      emulator = new AppConfigEmulator({
        url: urlOf(main, host),
        agentUrl: urlOf(agent, host),
        store,
        controlPlane,
        deployments,
        delivery,
        extensions,
        servers,
        logger,
        clock,
        hooks: {
          ...(options.validate ? { validate: options.validate } : {}),
          ...(options.checkAlarms ? { checkAlarms: options.checkAlarms } : {}),
          ...(options.onDeploymentEvent ? { onDeploymentEvent: options.onDeploymentEvent } : {}),
          ...(options.invokeLambda ? { invokeLambda: options.invokeLambda } : {}),
        },
      });
    } catch (error) {
      await Promise.all(servers.map(closeServer));
      throw error;
    }

    if (!loaded) await store.commit();
    emulator.#resume();
    emulator.#ticker = setInterval(() => {
      void emulator.tick();
    }, options.tickIntervalMs ?? DEFAULT_TICK_INTERVAL_MS);
    logger.info(
      `AppConfig emulator on ${emulator.url}${emulator.agentUrl !== emulator.url ? ` (agent on ${emulator.agentUrl})` : ''}, state in ${directory}, time scale ${timeScale}`,
    );
    return emulator;
  }

  /** Replaces the hooks given (the others stay); queued deployment events go to a new event hook. */
  setHooks(hooks: AppConfigEmulatorHooks): void {
    this.#hooks = { ...this.#hooks, ...hooks };
    this.#delivery.kick();
  }

  /** The application of that name, created if needed; the same name always has the same id. */
  async ensureApplication(name: string, description?: string): Promise<string> {
    const { id } = this.#controlPlane.ensureApplication(name, description);
    await this.#store.commit();
    return id;
  }

  /** The environment of that name in the application, created if needed; `monitors` are alarm ARNs. */
  async ensureEnvironment(
    applicationId: string,
    name: string,
    options?: EnvironmentOptions,
  ): Promise<string> {
    const { id } = this.#controlPlane.ensureEnvironment(applicationId, name, options);
    await this.#store.commit();
    return id;
  }

  /** The hosted (freeform) configuration profile of that name, created if needed. */
  async ensureProfile(applicationId: string, name: string, description?: string): Promise<string> {
    const { id } = this.#controlPlane.ensureProfile(applicationId, name, description);
    await this.#store.commit();
    return id;
  }

  /** `AppConfig.<Name>` for a predefined strategy; otherwise the custom strategy, created or updated. */
  async ensureStrategy(spec: DeploymentStrategySpec, description?: string): Promise<string> {
    const { id } = this.#controlPlane.ensureStrategy(spec, description);
    await this.#store.commit();
    return id;
  }

  /**
   * The extension of that name with these actions and parameters: created, or a new version when
   * they differ from its latest (provisioning). Returns its id.
   */
  async ensureExtension(input: Omit<CreateExtensionInput, 'latestVersionNumber'>): Promise<string> {
    const { id } = this.#extensions.ensureExtension(input);
    await this.#store.commit();
    return id;
  }

  /** The association of the extension with an application, environment or profile ARN, created if needed. */
  async ensureExtensionAssociation(input: CreateAssociationInput): Promise<string> {
    const { id } = this.#extensions.ensureAssociation(input);
    await this.#store.commit();
    return id;
  }

  /**
   * Brings deployments to where their schedule is now, polls the alarms once and calls the
   * AT_DEPLOYMENT_TICK extension actions once. The ticker calls it
   * every `tickIntervalMs`; tests with an injected clock call it after moving the clock.
   */
  tick(): Promise<void> {
    if (this.#closed) return Promise.resolve();
    this.#tick ??= this.#runTick().finally(() => {
      this.#tick = undefined;
    });
    return this.#tick;
  }

  /** Resolves once pending state writes and deployment event deliveries are done. */
  async settled(): Promise<void> {
    await this.#tick;
    await this.#store.commit();
    await this.#delivery.drain();
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#ticker);
    await this.#tick;
    await this.#delivery.stop();
    await Promise.all(this.#servers.map(closeServer));
    await this.#store.commit();
  }

  async #runTick(): Promise<void> {
    const now = this.#clock();
    this.#deployments.advance(now);
    const checkAlarms = this.#hooks.checkAlarms;
    if (checkAlarms) {
      await Promise.all(
        this.#deployments.active().map(async (deployment) => {
          let fired: FiredAlarm | undefined;
          try {
            fired = await checkAlarms(
              this.#deployments.alarmEnvironment(deployment),
              new Date(deployment.startedAt),
            );
            this.#lastAlarmFailure = undefined;
          } catch (error) {
            const message = `alarm check for deployment ${deployment.deploymentNumber} failed: ${(error as Error).message}`;
            // The same failure every 250 ms would drown the log: say it once until it changes.
            if (message !== this.#lastAlarmFailure) this.#logger.warn(message);
            this.#lastAlarmFailure = message;
            return;
          }
          if (fired) this.#deployments.rollBackForAlarm(deployment, fired);
        }),
      );
    }
    // Awaited: the next tick (and so the next invocation) waits until every action has answered.
    await Promise.all(
      this.#deployments.active().map((deployment) => this.#deployments.tickExtensions(deployment)),
    );
  }

  #resume(): void {
    const now = this.#clock();
    for (const deployment of this.#deployments.active()) {
      const environment = this.#deployments.alarmEnvironment(deployment);
      this.#logger.info(
        `resuming deployment ${deployment.deploymentNumber} to ${environment.name} (${deployment.state} at ${deployment.percentage}%, started ${new Date(deployment.startedAt).toISOString()}, ${Math.round((now - deployment.startedAt) / 1000)} s ago) on its original schedule`,
      );
    }
    this.#deployments.advance(now);
    const queued = this.#store.state.outbox.length;
    if (queued > 0) {
      this.#logger.info(`${queued} deployment event(s) from before the restart are queued for delivery`);
    }
    this.#delivery.kick();
  }
}

function listen(server: Server, port: number, host: string): Promise<Server> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve(server);
    });
  });
}

function urlOf(server: Server, host: string): string {
  const { port } = server.address() as AddressInfo;
  return `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve, reject) => {
    server.close((error) => (error ? reject(error) : resolve()));
    server.closeAllConnections();
  });
}
