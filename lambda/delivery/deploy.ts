/**
 * Deploying prompt versions to an environment: merge the pins (per segment, docs/segments.md), gate
 * (approval, evaluation, lint; only the versions being deployed now), build, roll out.
 */
import { DeploymentInProgressError, RevisionConflictError } from '../../src/core/errors.ts';
import { mergePins, type PinUpdates, updateVersions } from '../../src/core/pins.ts';
import { environmentIdOf, resolveStrategy } from './config.ts';
import { recoverClaim } from './crashed-start.ts';
import type { DeliveryDeps } from './deps.ts';
import { EMPTY_STATE, type EnvironmentState, isRunning } from './model.ts';
import { applyDeploymentInfo } from './outcome.ts';
import { type StartedRevision, startRevision } from './start-revision.ts';

export interface DeployInput {
  readonly environment: string;
  /** What to change: merged with the environment's pins by `mergePins` (docs/segments.md). */
  readonly pins: PinUpdates;
  readonly strategy?: string;
  readonly description?: string;
  /** Deploy deprecated versions anyway (docs/maintenance.md). */
  readonly allowDeprecated?: boolean;
  readonly caller: string;
  readonly requestId: string;
  /** For a same-key retry (replay.ts). */
  readonly requestKey?: string;
}

/**
 * The environment's state with its last deployment settled: a claim whose claimant is gone is
 * recovered first (crashed-start.ts; `replayed` is set when it was this request's own start), then,
 * if the record says a deployment is running, AppConfig is asked, and an ending the events handler
 * has not recorded yet is recorded now. Throws DEPLOYMENT_IN_PROGRESS when it really is running,
 * REVISION_CONFLICT while a claim holds.
 */
export async function settledState(
  deps: DeliveryDeps,
  environment: string,
  environmentId: string,
  requestId: string,
  requestKey?: string,
): Promise<{ readonly state: EnvironmentState; readonly replayed?: StartedRevision }> {
  let state = (await deps.environments.get(environment)) ?? EMPTY_STATE(environment);
  if (state.pendingRevision !== undefined) {
    const recovered = await recoverClaim(deps, state, environmentId, requestKey, requestId);
    if (recovered.held) throw claimHeld(environment);
    if (recovered.replayed) return { state: recovered.state, replayed: recovered.replayed };
    state = recovered.state;
  }
  const running = state.deployment;
  if (running && isRunning(running.state)) {
    const live = await deps.delivery.getDeployment(environmentId, running.number);
    if (isRunning(live.state)) {
      throw new DeploymentInProgressError(
        `Deployment ${live.number} to ${environment} is ${live.state} (${Math.round(live.percentage)}%): wait for it to finish or roll it back`,
        { extensions: { deploymentNumber: live.number, state: live.state, percentage: live.percentage } },
      );
    }
    await applyDeploymentInfo(deps, environment, live, { requestId });
    state = (await deps.environments.get(environment)) ?? state;
  }
  if (
    state.pendingRevision !== undefined &&
    state.pendingUntil !== undefined &&
    state.pendingUntil > deps.now().toISOString()
  ) {
    throw claimHeld(environment);
  }
  return { state };
}

function claimHeld(environment: string): RevisionConflictError {
  return new RevisionConflictError(
    `Another deployment to ${environment} is being started: read its status and try again`,
  );
}

export async function deployPrompts(deps: DeliveryDeps, input: DeployInput): Promise<StartedRevision> {
  const { environment } = input;
  const environmentId = environmentIdOf(deps.config, environment);
  const strategy = resolveStrategy(deps.config, environment, input.strategy);
  const { state, replayed } = await settledState(
    deps,
    environment,
    environmentId,
    input.requestId,
    input.requestKey,
  );
  if (replayed) return replayed;
  const pins = mergePins(state.pins, input.pins);
  return startRevision(deps, {
    environment,
    environmentId,
    state,
    pins,
    strategy,
    kind: 'deploy',
    ...(input.description !== undefined ? { description: input.description } : {}),
    resolve: {
      gated: new Map(Object.entries(input.pins).map(([id, update]) => [id, new Set(updateVersions(update))])),
      requireApproval: deps.config.protectedEnvironments.includes(environment),
      ...(input.allowDeprecated ? { allowDeprecated: true } : {}),
      ...(deps.config.evalGatedEnvironments.includes(environment)
        ? { requireEvaluation: { environment, requireSuite: deps.config.requireEvalSuite } }
        : {}),
    },
    caller: input.caller,
    requestId: input.requestId,
    ...(input.requestKey !== undefined ? { requestKey: input.requestKey } : {}),
  });
}
