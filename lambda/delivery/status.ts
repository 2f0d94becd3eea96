/** An environment's status: pins and revision, the live deployment from AppConfig, the history. */
import type { DeploymentStatus, EnvironmentStatusResponse } from '../../src/core/api.ts';
import { pinVersions } from '../../src/core/pins.ts';
import { environmentIdOf } from './config.ts';
import type { DeliveryDeps } from './deps.ts';
import { deprecatedAmong } from './maintenance-gate.ts';
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
  const [history, maintenance] = await Promise.all([
    deps.environments.listRevisions(environment, HISTORY_SHOWN),
    maintenanceOf(deps, state.pins),
  ]);
  return { environment, revision: state.revision, prompts: state.pins, deployment, history, ...maintenance };
}

/**
 * The pinned versions marked deprecated since, and pinned prompts archived since (a deploy racing the
 * archive; docs/maintenance.md): one GetItem per pinned version and prompt.
 */
async function maintenanceOf(
  deps: DeliveryDeps,
  pins: EnvironmentStatusResponse['prompts'],
): Promise<Pick<EnvironmentStatusResponse, 'deprecated' | 'archived'>> {
  const entries = Object.entries(pins);
  const [records, archivals] = await Promise.all([
    Promise.all(
      entries.flatMap(([id, pin]) =>
        pinVersions(pin).map(async (version) => ({ id, record: await deps.prompts.getVersion(id, version) })),
      ),
    ),
    Promise.all(entries.map(async ([id]) => ((await deps.prompts.getArchival(id)) ? id : undefined))),
  ]);
  const deprecated = deprecatedAmong(records.flatMap(({ id, record }) => (record ? [{ id, record }] : [])));
  const archived = archivals.filter((id): id is string => id !== undefined);
  return {
    ...(deprecated.length > 0 ? { deprecated } : {}),
    ...(archived.length > 0 ? { archived } : {}),
  };
}
