/**
 * Tells operators about one event, once (docs/runbooks/README.md): the event goes on the incident
 * timeline, the environment's records enrich it, and the notification is sent only by whoever claims
 * its id in the ledger first, the EventBridge path or the fallback path alike. A redelivered event
 * finds the id sent and sends nothing; a failed publish releases the claim so the retry sends it.
 */
import type { RecordedEvent } from '../../src/core/incident.ts';
import {
  buildNotification,
  type EnvironmentContext,
  type NotifiableEvent,
  notificationId,
} from '../../src/core/notification.ts';
import { type EnrichmentDeps, environmentContext } from './enrich.ts';
import type { IncidentEventStore, NotificationLedger, NotificationPath, NotificationTopic } from './ports.ts';

export interface NotifierDeps {
  readonly enrichment: EnrichmentDeps;
  readonly ledger: NotificationLedger;
  readonly topic: NotificationTopic;
  readonly events: IncidentEventStore;
  /** The application name the alarms are named after. */
  readonly application: string;
  readonly runbookBaseUrl?: string;
  readonly now: () => Date;
}

export type NotifyOutcome = 'sent' | 'duplicate';

/** Another invocation holds the claim right now; thrown so the event is retried and finds it sent. */
export class NotificationInProgressError extends Error {
  constructor(id: string) {
    super(`Notification ${id} is being sent by another invocation; retry later`);
    this.name = 'NotificationInProgressError';
  }
}

function recordedEvent(event: NotifiableEvent, context: EnvironmentContext): RecordedEvent {
  if (event.kind === 'alarm') {
    return {
      at: event.at,
      kind: 'alarm',
      summary: `alarm ${event.alarm} ${event.previousState ?? '?'} -> ${event.state}: ${event.reason}`,
      actor: 'cloudwatch',
      ...(context.deployment ? { deploymentNumber: context.deployment.number } : {}),
      details: {
        alarmName: event.alarmName,
        state: event.state,
        ...(event.previousState ? { previousState: event.previousState } : {}),
        rollsBack: event.alarm === 'Rollback' || context.rollbackAlarms.includes(event.alarm),
      },
    };
  }
  const reason = event.phase === 'rolled-back' ? context.deployment?.reason : undefined;
  return {
    at: deploymentEventTime(event, context),
    kind: 'deployment',
    summary: `deployment ${event.deploymentNumber} ${event.phase}${reason ? `: ${reason}` : ''}`,
    actor: 'appconfig',
    deploymentNumber: event.deploymentNumber,
    details: {
      phase: event.phase,
      ...(event.configurationVersion ? { configurationVersion: event.configurationVersion } : {}),
      ...(context.deployment?.rolledBackBy ? { rolledBackBy: context.deployment.rolledBackBy } : {}),
    },
  };
}

/**
 * EventBridge's `time` has whole seconds; the deployment's own record has the start and the end to
 * the millisecond, which keeps a start, an alarm and a rollback within one second in their order.
 */
function deploymentEventTime(
  event: Extract<NotifiableEvent, { kind: 'deployment' }>,
  context: EnvironmentContext,
): string {
  const deployment = context.deployment;
  if (deployment?.number !== event.deploymentNumber) return event.at;
  const precise =
    event.phase === 'started'
      ? deployment.startedAt
      : event.phase === 'completed' || event.phase === 'rolled-back'
        ? deployment.endedAt
        : undefined;
  // Only a time within the event's own second: anything else is not this event's.
  return precise !== undefined && Math.abs(Date.parse(precise) - Date.parse(event.at)) < 1000
    ? precise
    : event.at;
}

export async function notifyOnce(
  deps: NotifierDeps,
  event: NotifiableEvent,
  path: NotificationPath,
  log: (message: string, details: Record<string, unknown>) => void,
): Promise<NotifyOutcome> {
  const id = notificationId(event);
  let context: EnvironmentContext;
  try {
    context = await environmentContext(deps.enrichment, event.environment, (what, error) =>
      log('enrichment lookup failed', { what, error: String(error) }),
    );
  } catch (error) {
    // Operators hear of the event even when its records cannot be read.
    log('enrichment failed: notifying without it', { error: String(error) });
    context = { changes: [], rollbackAlarms: deps.enrichment.rollbackAlarms[event.environment] ?? [] };
  }
  await deps.events.record(event.environment, id, recordedEvent(event, context));
  const claim = await deps.ledger.claim(id, deps.now());
  if (claim === 'sent') return 'duplicate';
  if (claim === 'in-progress') throw new NotificationInProgressError(id);
  const notification = buildNotification(deps.application, event, context, deps.runbookBaseUrl);
  const told =
    path === 'fallback'
      ? {
          ...notification,
          body: `${notification.body}\n(Sent by the fallback path: CloudWatch's alarm action arrived and the notifier had not told this transition yet.)\n`,
        }
      : notification;
  try {
    await deps.topic.publish(told);
  } catch (error) {
    await deps.ledger.release(id);
    throw error;
  }
  await deps.ledger.markSent(id, deps.now(), path);
  return 'sent';
}
