/**
 * Local mode's canary analysis: the extension AppConfig would call at AT_DEPLOYMENT_TICK, provisioned
 * on the emulator for the environments canary analysis judges, and the in-process function its Uri
 * resolves to. The function is the same tick handler the stack deploys (lambda/handlers/canary-tick.ts),
 * built with local deps: the delivery adapters over local DynamoDB, and the local metrics store as its
 * traffic source. See docs/local-appconfig.md.
 */

import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { DeliveryConfig } from '../../lambda/delivery/config.ts';
import type { EnvironmentStore } from '../../lambda/delivery/ports.ts';
import type { AuditLog } from '../../lambda/ports.ts';
import type { CanaryTrafficSource } from '../core/canary-traffic.ts';
import { ENV } from '../core/contracts.ts';
import { environmentArn } from './appconfig/arns.ts';
import type { AppConfigEmulator, ExtensionEvent, InvokeLambda } from './appconfig/emulator.ts';

/** The function the local extension's action names, as a Lambda ARN in the local account. */
export const CANARY_TICK_FUNCTION_ARN =
  'arn:aws:lambda:us-east-1:000000000000:function:promptops-canary-tick';
export const CANARY_EXTENSION_NAME = 'promptops-canary-analysis';

/** The judgement's settings (src/core/canary.ts `CanarySettings`). */
export interface LocalCanarySettings {
  readonly maxPValue: number;
  readonly minSamples: number;
  readonly errorRateMargin: number;
  readonly negativeFeedbackMargin: number;
  readonly latencyRatio: number;
}

/** What `createCanaryTickHandler` takes (the names agreed for issue 15). */
export interface CanaryTickDeps {
  readonly config: DeliveryConfig;
  readonly environments: EnvironmentStore;
  readonly audit: AuditLog;
  readonly traffic: CanaryTrafficSource;
  readonly settings: LocalCanarySettings;
  readonly now: () => Date;
}

type TickHandler = (event: ExtensionEvent, context: unknown) => Promise<unknown>;

/** The handler's module, by a path the type checker does not follow (it may not exist yet). */
const CANARY_TICK_MODULE = '../../lambda/handlers/canary-tick.ts';

/** Whether the tick handler is there to run (local mode leaves canary analysis out until it is). */
export function canaryTickAvailable(): boolean {
  return existsSync(fileURLToPath(new URL(CANARY_TICK_MODULE, import.meta.url)));
}

/** The defaults of the canary settings (src/core/settings.ts), for an environment that sets none. */
const CANARY_DEFAULTS: LocalCanarySettings = {
  maxPValue: 0.01,
  minSamples: 50,
  errorRateMargin: 0.02,
  negativeFeedbackMargin: 0.1,
  latencyRatio: 1.5,
};

/** The canary settings from the handler environment variables the stack sets (ENV.canary*). */
export function localCanarySettings(
  variables: Readonly<Record<string, string | undefined>>,
): LocalCanarySettings {
  const read = (name: string, fallback: number) => {
    const value = Number(variables[name]);
    return variables[name] !== undefined && Number.isFinite(value) ? value : fallback;
  };
  return {
    maxPValue: read(ENV.canaryMaxPValue, CANARY_DEFAULTS.maxPValue),
    minSamples: read(ENV.canaryMinSamples, CANARY_DEFAULTS.minSamples),
    errorRateMargin: read(ENV.canaryErrorRateMargin, CANARY_DEFAULTS.errorRateMargin),
    negativeFeedbackMargin: read(ENV.canaryNegativeFeedbackMargin, CANARY_DEFAULTS.negativeFeedbackMargin),
    latencyRatio: read(ENV.canaryLatencyRatio, CANARY_DEFAULTS.latencyRatio),
  };
}

/**
 * The canary tick handler with local deps, as the function behind CANARY_TICK_FUNCTION_ARN. This is
 * the one place local mode reaches the handler.
 */
export async function canaryTickFunction(
  deps: CanaryTickDeps,
): Promise<(event: ExtensionEvent) => Promise<unknown>> {
  const { createCanaryTickHandler } = (await import(CANARY_TICK_MODULE)) as {
    createCanaryTickHandler: (deps: CanaryTickDeps) => TickHandler;
  };
  const handler = createCanaryTickHandler(deps);
  return (event) => handler(event, tickContext());
}

/** Routes the Lambda ARNs extension actions name to in-process functions. */
export class LocalLambdas {
  readonly #functions = new Map<string, (event: ExtensionEvent) => Promise<unknown>>();

  register(functionArn: string, fn: (event: ExtensionEvent) => Promise<unknown>): void {
    this.#functions.set(functionArn, fn);
  }

  /** For the emulator's `invokeLambda`: an unknown ARN fails as Lambda's ResourceNotFoundException would. */
  readonly invoke: InvokeLambda = async (functionArn, event) => {
    const fn = this.#functions.get(functionArn);
    if (!fn) throw new Error(`Function not found: ${functionArn} (local mode runs no such function)`);
    return fn(event);
  };
}

/**
 * The canary extension (AT_DEPLOYMENT_TICK → the tick function) and its association with each
 * environment given; idempotent.
 */
export async function provisionCanaryExtension(
  appconfig: AppConfigEmulator,
  applicationId: string,
  environmentIds: readonly string[],
  region = 'us-east-1',
): Promise<string> {
  const extensionId = await appconfig.ensureExtension({
    name: CANARY_EXTENSION_NAME,
    description: 'Judges each changed prompt against the version it replaces and rolls back a worse one',
    actions: { AT_DEPLOYMENT_TICK: [{ Name: 'canary-tick', Uri: CANARY_TICK_FUNCTION_ARN }] },
  });
  for (const environmentId of environmentIds) {
    await appconfig.ensureExtensionAssociation({
      extensionIdentifier: extensionId,
      resourceIdentifier: environmentArn(region, applicationId, environmentId),
    });
  }
  return extensionId;
}

function tickContext() {
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName: 'promptops-canary-tick',
    functionVersion: '$LATEST',
    invokedFunctionArn: CANARY_TICK_FUNCTION_ARN,
    memoryLimitInMB: '512',
    awsRequestId: `local-canary-tick-${Date.now().toString(36)}`,
    logGroupName: 'local',
    logStreamName: 'local',
    getRemainingTimeInMillis: () => 15_000,
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}
