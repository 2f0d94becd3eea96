/** An environment's status: pins and revision, the live deployment from AppConfig, the history. */
import type { DeploymentStatus, EnvironmentStatusResponse } from '../../src/core/api.ts';
import { environmentIdOf } from './config.ts';
import type { DeliveryDeps } from './deps.ts';
import { EMPTY_STATE, isRunning } from './model.ts';
import { applyDeploymentInfo, rollbackReason } from './outcome.ts';

const HISTORY_SHOWN = 20;

export async function environmentStatus(
  deps: DeliveryDeps,
  environment: string,
  requestId: string,
): Promise<EnvironmentStatusResponse> {
  const environmentId = environmentIdOf(deps.config, environment);
  let state = (await deps.environments.get(environment)) ?? EMPTY_STATE(environment);
  let deployment: DeploymentStatus | null = null;
  const recorded = state.deployment;
  if (recorded) {
    const live = await deps.delivery.getDeployment(environmentId, recorded.number);
    // An ending the events handler has not recorded yet is recorded now, so pins match what is served.
    if (isRunning(recorded.state) && !isRunning(live.state)) {
      await applyDeploymentInfo(deps, environment, live, { requestId });
      state = (await deps.environments.get(environment)) ?? state;
    }
    const current = state.deployment ?? recorded;
    const reason = current.reason ?? rollbackReason(live);
    deployment = {
      number: current.number,
      state: live.state,
      percentage: live.percentage,
      strategy: current.strategy,
      revision: current.revision,
      startedAt: current.startedAt,
      startedBy: current.startedBy,
      ...((live.endedAt ?? current.endedAt) ? { endedAt: (live.endedAt ?? current.endedAt) as string } : {}),
      ...(live.state === 'ROLLED_BACK' && reason ? { reason } : {}),
      ...(current.analysis ? { analysis: current.analysis } : {}),
    };
  }
  return {
    environment,
    revision: state.revision,
    prompts: state.pins,
    deployment,
    history: await deps.environments.listRevisions(environment, HISTORY_SHOWN),
  };
}
