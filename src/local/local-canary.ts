/**
 * Local mode's canary analysis: the extension AppConfig would call at AT_DEPLOYMENT_TICK, provisioned
 * on the emulator for the environments canary analysis judges, and the in-process function its Uri
 * resolves to. The function is the same tick handler the stack deploys (lambda/handlers/canary-tick.ts),
 * built with local deps: the delivery adapters over local DynamoDB, and the local metrics store as its
 * traffic source. See docs/local-appconfig.md.
 */

import type { Context } from 'aws-lambda';
import type { CanaryTickDeps } from '../../lambda/canary/ports.ts';
import { createCanaryTickHandler } from '../../lambda/handlers/canary-tick.ts';
import { environmentArn } from './appconfig/arns.ts';
import type { AppConfigEmulator, ExtensionEvent, InvokeLambda } from './appconfig/emulator.ts';

/** The function the local extension's action names, as a Lambda ARN in the local account. */
export const CANARY_TICK_FUNCTION_ARN =
  'arn:aws:lambda:us-east-1:000000000000:function:promptops-canary-tick';
export const CANARY_EXTENSION_NAME = 'promptops-canary-analysis';

/**
 * The canary tick handler with local deps, as the function behind CANARY_TICK_FUNCTION_ARN. This is
 * the one place local mode reaches the handler.
 */
export function canaryTickFunction(deps: CanaryTickDeps): (event: ExtensionEvent) => Promise<unknown> {
  const handler = createCanaryTickHandler(() => deps);
  return (event) => handler(event, tickContext() as unknown as Context);
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
