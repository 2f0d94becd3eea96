/**
 * Rolling back: a deployment still running is stopped (AppConfig rolls back by itself); otherwise
 * the previous revision's pins are deployed again, all at once. With `prompts`, only those prompts
 * go back to the pin they had before.
 */
import { DeploymentInProgressError, NotFoundError, NothingToRollBackError } from '../../src/core/errors.ts';
import { assertPromptId } from '../../src/core/ids.ts';
import type { Pin, Pins } from '../../src/core/pins.ts';
import { environmentIdOf, resolveStrategy } from './config.ts';
import { settledState } from './deploy.ts';
import type { DeliveryDeps } from './deps.ts';
import { EMPTY_STATE, isRunning, type RevisionRecord } from './model.ts';
import { applyDeploymentInfo } from './outcome.ts';
import { type StartedRevision, startRevision } from './start-revision.ts';

export interface RollbackInput {
  readonly environment: string;
  readonly prompts?: readonly string[];
  readonly reason?: string;
  readonly caller: string;
  readonly requestId: string;
}

const HISTORY_DEPTH = 100;

export async function rollbackEnvironment(
  deps: DeliveryDeps,
  input: RollbackInput,
): Promise<StartedRevision> {
  const { environment } = input;
  const environmentId = environmentIdOf(deps.config, environment);
  const prompts = input.prompts?.map((id, i) => assertPromptId(id, `prompts.${i}`));
  const recorded = (await deps.environments.get(environment)) ?? EMPTY_STATE(environment);
  const running = recorded.deployment;

  if (running && isRunning(running.state)) {
    const live = await deps.delivery.getDeployment(environmentId, running.number);
    if (isRunning(live.state)) {
      if (prompts) {
        throw new DeploymentInProgressError(
          `Deployment ${live.number} to ${environment} is ${live.state}: roll back the whole deployment (no prompts) or wait for it to finish`,
        );
      }
      const stopped = await deps.delivery.stopDeployment(environmentId, live.number);
      const reason = `Stopped by ${input.caller}${input.reason ? `: ${input.reason}` : ''}`;
      await applyDeploymentInfo(
        deps,
        environment,
        { ...stopped, state: 'ROLLED_BACK' },
        { requestId: input.requestId, actor: input.caller, reason },
      );
      return {
        environment,
        deploymentNumber: live.number,
        state: 'ROLLED_BACK',
        revision: running.previousRevision,
      };
    }
  }

  const state = await settledState(deps, environment, environmentId, input.requestId);
  const history = (await deps.environments.listRevisions(environment, HISTORY_DEPTH)).filter(
    (r) => r.revision < state.revision && r.state === 'COMPLETE',
  );
  const pins = prompts
    ? partialPins(state.pins, prompts, history)
    : fullPins(state.revision, history, environment);
  return startRevision(deps, {
    environment,
    environmentId,
    state,
    pins,
    strategy: resolveStrategy(deps.config, environment, 'AllAtOnce'),
    kind: 'rollback',
    description:
      input.reason ?? (prompts ? `Rollback of ${prompts.join(', ')}` : 'Rollback to the previous revision'),
    resolve: { gated: new Set(), requireApproval: false },
    caller: input.caller,
    requestId: input.requestId,
  });
}

/** The pins of the revision served before the current one (revision 0 is the initial empty manifest). */
function fullPins(current: number, history: readonly RevisionRecord[], environment: string): Pins {
  if (current === 0)
    throw new NothingToRollBackError(`${environment} has never been deployed: there is nothing to roll back`);
  return history[0]?.pins ?? {};
}

/** Each named prompt back to the last pin it had that differs from its current one. */
function partialPins(current: Pins, prompts: readonly string[], history: readonly RevisionRecord[]): Pins {
  const pins: Record<string, Pin> = { ...current };
  for (const id of prompts) {
    if (!Object.hasOwn(current, id))
      throw new NotFoundError(`Prompt ${id} is not deployed in this environment`);
    const now = JSON.stringify(current[id]);
    const earlier = history.find((r) => JSON.stringify(r.pins[id]) !== now);
    if (!earlier)
      throw new NothingToRollBackError(
        `Prompt ${id} has had the same pin in every earlier revision: there is nothing to roll back`,
      );
    const previous = earlier.pins[id];
    if (previous === undefined) delete pins[id];
    else pins[id] = previous;
  }
  return pins;
}
