/**
 * A deploy or rollback cut off between its claim and its commit (the Lambda killed or timed out, or
 * its commit failing twice) leaves the claim on the environment state and perhaps a STARTING
 * revision record naming its hosted version. Whoever finds it once its claimant is gone finishes it
 * from those records (docs/architecture.md, "Cut points: delivery"): the deployment AppConfig started
 * for that hosted version is committed as the crashed request would have, with its audit events and
 * its answer kept for its same-key retry; when AppConfig started none, the claim is released.
 */
import { mapBounded } from '../../src/core/bounded.ts';
import type { DeliveryDeps } from './deps.ts';
import type { DeploymentInfo, EnvironmentState, RevisionRecord } from './model.ts';
import { withStart } from './recent-starts.ts';
import { AUDIT_WRITES_IN_FLIGHT, type StartedRevision, startEvents } from './start-revision.ts';

export type ClaimRecovery =
  /** The claimant may still be running: the claim is not ours to touch. */
  | { readonly held: true }
  /** No claim is left; `replayed` is the answer when the claim was `requestKey`'s own start. */
  | { readonly held: false; readonly state: EnvironmentState; readonly replayed?: StartedRevision };

/**
 * Recovers the claim on `state` when its claimant is gone: its claim expired (CLAIM_SECONDS, past the
 * deploy function's timeout), or `requestKey` is the claimant's own (its same-key retry runs only once
 * Powertools says the first attempt ended, so nobody else holds the claim).
 */
export async function recoverClaim(
  deps: DeliveryDeps,
  state: EnvironmentState,
  environmentId: string,
  requestKey: string | undefined,
  requestId: string,
): Promise<ClaimRecovery> {
  const pending = state.pendingRevision;
  if (pending === undefined) return { held: false, state };
  const own = requestKey !== undefined && state.pendingKey === requestKey;
  const expired = state.pendingUntil === undefined || state.pendingUntil <= deps.now().toISOString();
  if (!own && !expired) return { held: true };

  const { environment } = state;
  const record = await deps.environments.getRevision(environment, pending);
  if (record?.state === 'STARTING') {
    const started = await deps.delivery.findDeployment(environmentId, record.hostedVersion);
    if (started) {
      const committed = await commitCrashedStart(deps, state, record, started, requestId);
      const replayed =
        own && committed.lastStart?.requestKey === requestKey ? committed.lastStart.response : undefined;
      return { held: false, state: committed, ...(replayed ? { replayed } : {}) };
    }
    await deps.environments.deleteRevision(environment, pending);
  }
  await deps.environments.release(environment, pending, state.pendingToken);
  const current = await deps.environments.get(environment);
  // Another request took a fresh claim meanwhile: it is that one's now.
  if (current?.pendingRevision !== undefined) return { held: true };
  return { held: false, state: current ?? state };
}

/**
 * Commits the claimed revision `record` as started by `deployment`: the state (with the claimant's
 * answer for its same-key retry), the revision record, the audit events. Each write is idempotent, so
 * the deployment-events handler and a retry may both do it.
 */
export async function commitCrashedStart(
  deps: DeliveryDeps,
  state: EnvironmentState,
  record: RevisionRecord,
  deployment: DeploymentInfo,
  requestId: string,
): Promise<EnvironmentState> {
  const revision = record.revision;
  const response: StartedRevision = {
    environment: state.environment,
    deploymentNumber: deployment.number,
    state: 'DEPLOYING',
    revision,
    ...(record.evaluations ? { evaluations: record.evaluations } : {}),
  };
  const committed: EnvironmentState = {
    environment: state.environment,
    revision,
    lastRevision: revision,
    pins: record.pins,
    deployment: {
      number: deployment.number,
      state: 'DEPLOYING',
      strategy: record.strategy,
      revision,
      previousRevision: state.revision,
      startedAt: deployment.startedAt ?? record.createdAt,
      startedBy: record.createdBy,
    },
    updatedAt: deps.now().toISOString(),
    ...withStart(
      state,
      state.pendingKey !== undefined ? { requestKey: state.pendingKey, response } : undefined,
    ),
  };
  await deps.environments.commit(committed, revision);
  await appendStartEvents(deps, state.environment, record, deployment.number, state.pins, requestId);
  await deps.environments.putRevision({ ...record, deploymentNumber: deployment.number, state: 'DEPLOYING' });
  return committed;
}

/**
 * A start cut off right after its commit leaves its revision record STARTING (the record is its last
 * write) and perhaps no audit events: the events are appended (idempotent), then the record gets its
 * deployment number. Only while the environment's deployment is still that start's; once it ended,
 * the outcome does the same (outcome.ts).
 */
export async function finishCommittedStart(
  deps: DeliveryDeps,
  state: EnvironmentState,
  response: StartedRevision,
  requestId: string,
): Promise<void> {
  const deployment = state.deployment;
  if (deployment?.number !== response.deploymentNumber || deployment.revision !== response.revision) return;
  const { environment } = state;
  const record = await deps.environments.getRevision(environment, response.revision);
  if (record?.state !== 'STARTING') return;
  const previous = await pinsOf(deps, environment, deployment.previousRevision);
  if (!previous) return;
  await appendStartEvents(
    deps,
    environment,
    record,
    response.deploymentNumber,
    previous,
    requestId,
    response.deprecated,
  );
  await deps.environments.putRevision({
    ...record,
    deploymentNumber: response.deploymentNumber,
    state: response.state,
  });
}

/** The pins of `revision` (none before the first), or undefined when its record is gone. */
async function pinsOf(
  deps: DeliveryDeps,
  environment: string,
  revision: number,
): Promise<EnvironmentState['pins'] | undefined> {
  if (revision === 0) return {};
  return (await deps.environments.getRevision(environment, revision))?.pins;
}

/**
 * The audit events of the start `record` stands for, as its request would have appended them: the
 * ids derive from the environment and revision, so a repeat is a no-op.
 */
export async function appendStartEvents(
  deps: DeliveryDeps,
  environment: string,
  record: RevisionRecord,
  deploymentNumber: number,
  previousPins: EnvironmentState['pins'],
  requestId: string,
  deprecated: StartedRevision['deprecated'] = [],
): Promise<void> {
  const events = startEvents({
    environment,
    revision: record.revision,
    kind: record.kind,
    deploymentNumber,
    strategy: record.strategy,
    ...(record.description ? { description: record.description } : {}),
    before: previousPins,
    after: record.pins,
    evaluations: record.evaluations ?? {},
    deprecated,
    at: record.createdAt,
    caller: record.createdBy,
    requestId,
  });
  await mapBounded(events, AUDIT_WRITES_IN_FLIGHT, (event) => deps.audit.append(event));
}
