/**
 * Records how a deployment ended, from AppConfig's own account of it (GetDeployment): COMPLETE
 * keeps the new pins; ROLLED_BACK (an alarm, a stop, an error) returns the environment to the pins
 * of the revision it rolled back to. Idempotent: a redelivered event changes nothing.
 */
import { auditEvent } from '../audit-events.ts';
import { appendStartEvents, commitCrashedStart } from './crashed-start.ts';
import type { DeliveryDeps } from './deps.ts';
import {
  type DeploymentInfo,
  type DeploymentRecord,
  type EnvironmentState,
  isRunning,
  type RecordedStart,
} from './model.ts';
import { withStart } from './recent-starts.ts';

export type OutcomeResult = 'updated' | 'unchanged' | 'unknown';

const ALARM_ARN = /arn:aws[\w-]*:cloudwatch:[\w-]+:\d+:alarm:([^\s,;)]+)/;

/** The alarm named in AppConfig's rollback description, when there is one. */
export function alarmOf(reason: string | undefined): string | undefined {
  const match = reason ? ALARM_ARN.exec(reason) : null;
  return match?.[1]?.replace(/[.]$/, '');
}

/**
 * AppConfig's description of a rollback, with the message of the extension that caused it when an
 * extension did (canary analysis fails its tick with the verdict as the message; docs/canary-analysis.md).
 */
export function rollbackReason(info: DeploymentInfo): string | undefined {
  const message = info.extensionMessage;
  if (message === undefined || info.reason?.includes(message)) return info.reason;
  return info.reason ? `${info.reason}: ${message}` : message;
}

export async function applyDeploymentInfo(
  deps: DeliveryDeps,
  environment: string,
  info: DeploymentInfo,
  context: {
    requestId: string;
    actor?: string;
    reason?: string;
    /** A rollback that stopped the deployment: its answer, kept for its same-key retry (replay.ts). */
    start?: RecordedStart;
  },
): Promise<OutcomeResult> {
  let state = await deps.environments.get(environment);
  if (state?.pendingRevision !== undefined)
    state = await finishCrashedCommit(deps, state, info, context.requestId);
  const current = state?.deployment;
  if (!state || !current || current.number !== info.number) return 'unknown';

  const reason = context.reason ?? rollbackReason(info);
  const ended = !isRunning(info.state);
  let result: OutcomeResult = 'unchanged';
  if (isRunning(current.state) && current.state !== info.state) {
    const deployment: DeploymentRecord = {
      ...current,
      state: info.state,
      ...(ended ? { endedAt: info.endedAt ?? deps.now().toISOString() } : {}),
      ...(info.state === 'ROLLED_BACK' && reason ? { reason } : {}),
    };
    const rolledBack = info.state === 'ROLLED_BACK';
    const pins = rolledBack ? await pinsOfRevision(deps, environment, current.previousRevision) : state.pins;
    result = await deps.environments.recordOutcome(environment, info.number, {
      deployment,
      revision: rolledBack ? current.previousRevision : state.revision,
      pins,
      ...(context.start ? { recentStarts: withStart(state, context.start).recentStarts } : {}),
    });
    if (result === 'updated' && ended) {
      const record = await deps.environments.getRevision(environment, current.revision);
      // Still STARTING: its request was cut off after the commit, perhaps before its audit events.
      if (record?.state === 'STARTING')
        await appendStartEvents(
          deps,
          environment,
          record,
          current.number,
          await pinsOfRevision(deps, environment, current.previousRevision),
          context.requestId,
        );
      if (record)
        await deps.environments.putRevision({
          ...record,
          ...(record.state === 'STARTING' ? { deploymentNumber: current.number } : {}),
          state: info.state,
          ...(reason ? { reason } : {}),
        });
    }
  }

  // Recorded already (the events handler, a status read): the stop's answer is still kept.
  if (context.start && result !== 'updated')
    await deps.environments.rememberStarts(
      environment,
      info.number,
      withStart(state, context.start).recentStarts ?? [],
    );

  if (ended) {
    // Appended on every ending observed; the deterministic id makes repeats a no-op.
    const alarm = alarmOf(reason);
    await deps.audit.append(
      auditEvent({
        at: info.endedAt ?? deps.now().toISOString(),
        actor: context.actor ?? (info.triggeredBy === 'CLOUDWATCH_ALARM' ? 'appconfig:alarm' : 'appconfig'),
        action:
          info.state === 'COMPLETE'
            ? 'environment.deployment.complete'
            : 'environment.deployment.rolled-back',
        target: `${environment} deployment ${info.number}`,
        details: {
          deploymentNumber: info.number,
          revision: current.revision,
          ...(info.state === 'ROLLED_BACK' ? { restoredRevision: current.previousRevision } : {}),
          ...(reason ? { reason } : {}),
          ...(info.triggeredBy ? { triggeredBy: info.triggeredBy } : {}),
          ...(alarm ? { alarm } : {}),
        },
        requestId: context.requestId,
        environment,
      }),
    );
  }
  return result;
}

async function pinsOfRevision(
  deps: DeliveryDeps,
  environment: string,
  revision: number,
): Promise<EnvironmentState['pins']> {
  if (revision === 0) return {};
  const record = await deps.environments.getRevision(environment, revision);
  if (!record) throw new Error(`Revision ${revision} of ${environment} is missing from the history`);
  return record.pins;
}

/**
 * A deploy that started its deployment but died before committing leaves a claim and a STARTING
 * revision naming the hosted version: when AppConfig reports that version, commit it now.
 */
async function finishCrashedCommit(
  deps: DeliveryDeps,
  state: EnvironmentState,
  info: DeploymentInfo,
  requestId: string,
): Promise<EnvironmentState> {
  const pending = state.pendingRevision as number;
  const record = await deps.environments.getRevision(state.environment, pending);
  if (record?.state !== 'STARTING' || String(record.hostedVersion) !== info.configurationVersion)
    return state;
  return commitCrashedStart(deps, state, record, info, requestId);
}
