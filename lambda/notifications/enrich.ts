/**
 * What the environment's records say when an event arrives: the deployment (who started it, its
 * strategy and state, whether and why AppConfig rolled it back, the canary verdicts), the pins it
 * changed with their approvers, and the decision matrix's rollback alarms.
 */
import type { EnvironmentContext, PinChange } from '../../src/core/notification.ts';
import { pinVersions } from '../../src/core/pins.ts';
import type { DeploymentInfo } from '../delivery/model.ts';
import type { Delivery, EnvironmentStore } from '../delivery/ports.ts';
import type { PromptRepository } from '../ports.ts';

export interface EnrichmentDeps {
  readonly environments: EnvironmentStore;
  readonly prompts: PromptRepository;
  readonly delivery: Pick<Delivery, 'getDeployment'>;
  readonly environmentIds: Readonly<Record<string, string>>;
  readonly rollbackAlarms: Readonly<Record<string, readonly string[]>>;
}

/** Approvers are looked up for at most this many changed prompts: a notification stays short. */
const MAX_APPROVAL_LOOKUPS = 10;

function label(pin: Parameters<typeof pinVersions>[0] | undefined): string | undefined {
  return pin === undefined ? undefined : pinVersions(pin).join('/');
}

/**
 * The context of `environment`; `deploymentNumber` names the event's deployment when it has one.
 * AppConfig's own view is best effort: an event must still be told when AppConfig cannot be read.
 */
export async function environmentContext(
  deps: EnrichmentDeps,
  environment: string,
  onLookupError: (what: string, error: unknown) => void,
): Promise<EnvironmentContext> {
  const rollbackAlarms = deps.rollbackAlarms[environment] ?? [];
  const state = await deps.environments.get(environment);
  const record = state?.deployment;
  if (!record) return { changes: [], rollbackAlarms };
  const [current, previous] = await Promise.all([
    deps.environments.getRevision(environment, record.revision),
    record.previousRevision > 0
      ? deps.environments.getRevision(environment, record.previousRevision)
      : undefined,
  ]);
  const changes: PinChange[] = [];
  for (const [promptId, pin] of Object.entries(current?.pins ?? {})) {
    const to = label(pin) as string;
    const from = label(previous?.pins[promptId]);
    if (from !== to) changes.push({ promptId, to, ...(from !== undefined ? { from } : {}) });
  }
  const approvals = await Promise.all(
    changes.slice(0, MAX_APPROVAL_LOOKUPS).map(async (change) => {
      const versions = change.to.split('/');
      const records = await Promise.all(versions.map((v) => deps.prompts.getVersion(change.promptId, v)));
      return [...new Set(records.flatMap((r) => (r?.approvals ?? []).map((a) => a.by)))];
    }),
  );
  const withApprovals = changes.map((change, i) =>
    approvals[i]?.length ? { ...change, approvedBy: approvals[i] } : change,
  );
  let live: DeploymentInfo | undefined;
  const environmentId = deps.environmentIds[environment];
  if (environmentId !== undefined) {
    try {
      live = await deps.delivery.getDeployment(environmentId, record.number);
    } catch (error) {
      onLookupError('AppConfig GetDeployment', error);
    }
  }
  const reason = live?.extensionMessage ?? live?.reason ?? record.reason;
  return {
    deployment: {
      number: record.number,
      state: live?.state ?? record.state,
      strategy: record.strategy,
      ...(live ? { percentage: live.percentage } : {}),
      startedBy: record.startedBy,
      startedAt: record.startedAt,
      ...((live?.endedAt ?? record.endedAt) ? { endedAt: live?.endedAt ?? record.endedAt } : {}),
      ...(current?.kind ? { kind: current.kind } : {}),
      ...(reason ? { reason } : {}),
      ...(live?.triggeredBy ? { rolledBackBy: live.triggeredBy } : {}),
      ...(record.analysis ? { analysis: record.analysis } : {}),
    },
    changes: withApprovals,
    rollbackAlarms,
  };
}
