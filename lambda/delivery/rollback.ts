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
import { changedPrompts, type StartedRevision, startRevision } from './start-revision.ts';

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
  const records = await deps.environments.listRevisions(environment, HISTORY_DEPTH);
  const target = prompts
    ? partialTarget(state.pins, prompts, state.revision, records)
    : fullTarget(state.pins, state.revision, records, environment);
  return startRevision(deps, {
    environment,
    environmentId,
    state,
    ...target,
    strategy: resolveStrategy(deps.config, environment, 'AllAtOnce'),
    kind: 'rollback',
    description:
      input.reason ?? (prompts ? `Rollback of ${prompts.join(', ')}` : 'Rollback to the previous revision'),
    // Never gated; the deprecated versions it restores are named in the answer (docs/maintenance.md).
    resolve: {
      gated: new Set(),
      requireApproval: false,
      announceDeprecated: new Set(changedPrompts(state.pins, target.pins).map(([id]) => id)),
    },
    caller: input.caller,
    requestId: input.requestId,
  });
}

/** What a rollback compares: one prompt's pin, or all pins (key order ignored). */
function pinKey(pins: Pins, prompt?: string): string {
  if (prompt !== undefined) return JSON.stringify(pins[prompt] ?? null);
  return JSON.stringify(Object.entries(pins).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/**
 * The completed revision to go back to: the newest one older than where the current pins (of one
 * prompt, or of the environment) came from, and different from them. A rollback revision stands for
 * the revision it restored, so rolling back again keeps going back instead of redeploying what was
 * just rolled back; revisions that did not change the pins are passed over.
 */
function previousOf(
  current: Pins,
  revision: number,
  records: readonly RevisionRecord[],
  prompt?: string,
): RevisionRecord | undefined {
  const now = pinKey(current, prompt);
  const completed = records.filter((r) => r.state === 'COMPLETE');
  let at = revision;
  for (;;) {
    const record = records.find((r) => r.revision === at);
    const restored =
      record?.kind === 'rollback'
        ? prompt === undefined
          ? record.restores
          : (record.restoresPrompts?.[prompt] ?? record.restores)
        : undefined;
    if (restored !== undefined && restored < at) {
      at = restored;
      continue;
    }
    const older = completed.find((r) => r.revision < at);
    if (older === undefined || pinKey(older.pins, prompt) !== now) return older;
    at = older.revision;
  }
}

/** The environment back to the pins it had before (revision 0 is the initial empty manifest). */
function fullTarget(
  current: Pins,
  revision: number,
  records: readonly RevisionRecord[],
  environment: string,
): { pins: Pins; restores: number } {
  if (revision === 0)
    throw new NothingToRollBackError(`${environment} has never been deployed: there is nothing to roll back`);
  const previous = previousOf(current, revision, records);
  if (!previous && Object.keys(current).length === 0)
    throw new NothingToRollBackError(
      `${environment} already serves no prompts, as before its first deployment: there is nothing to roll back`,
    );
  return { pins: previous?.pins ?? {}, restores: previous?.revision ?? 0 };
}

/** Each named prompt back to the last different pin it had, before its current pin came in. */
function partialTarget(
  current: Pins,
  prompts: readonly string[],
  revision: number,
  records: readonly RevisionRecord[],
): { pins: Pins; restoresPrompts: Record<string, number> } {
  const pins: Record<string, Pin> = { ...current };
  const restoresPrompts: Record<string, number> = {};
  for (const id of prompts) {
    if (!Object.hasOwn(current, id))
      throw new NotFoundError(`Prompt ${id} is not deployed in this environment`);
    const earlier = previousOf(current, revision, records, id);
    if (!earlier)
      throw new NothingToRollBackError(
        `Prompt ${id} has had the same pin in every earlier revision: there is nothing to roll back`,
      );
    const previous = earlier.pins[id];
    if (previous === undefined) delete pins[id];
    else pins[id] = previous;
    restoresPrompts[id] = earlier.revision;
  }
  return { pins, restoresPrompts };
}
