/**
 * The events the notifier takes, read from the shapes AWS delivers them in: EventBridge's
 * `CloudWatch Alarm State Change` (detail.alarmName, detail.state, detail.previousState), the AppConfig
 * deployment events (`On Deployment Start` / `Step` / `Baking` / `Complete` / `Rollback`, detail.Environment,
 * detail.DeploymentNumber), and, for the fallback path, the raw alarm action message CloudWatch
 * publishes to SNS (AlarmName, NewStateValue, OldStateValue, NewStateReason, StateChangeTime).
 * Anything else, or an alarm of another application, is undefined.
 */
import { alarmNamePrefix } from './alarms.ts';
import {
  type AlarmStateValue,
  type AlarmTransition,
  cloudWatchTime,
  type DeploymentEventNotice,
  type DeploymentPhase,
} from './notification.ts';

const STATES: readonly string[] = ['OK', 'ALARM', 'INSUFFICIENT_DATA'];

const PHASES: Readonly<Record<string, DeploymentPhase>> = {
  'On Deployment Start': 'started',
  'On Deployment Step': 'step',
  'On Deployment Baking': 'baking',
  'On Deployment Complete': 'completed',
  'On Deployment Rollback': 'rolled-back',
  'On Deployment Rolled Back': 'rolled-back',
};

function record(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function isoTime(value: unknown, fallback?: string): string | undefined {
  const raw = text(value) ?? fallback;
  if (raw === undefined) return undefined;
  const ms = cloudWatchTime(raw);
  return Number.isNaN(ms) ? undefined : new Date(ms).toISOString();
}

/** `<application>-<environment>-<alarm>` split for a known environment (environment names may hold hyphens). */
export function splitAlarmName(
  application: string,
  environments: readonly string[],
  alarmName: string,
): { environment: string; alarm: string } | undefined {
  // Longest environment first: `prod-eu` must win over `prod` for `promptops-prod-eu-ErrorRate`.
  for (const environment of [...environments].sort((a, b) => b.length - a.length)) {
    const prefix = alarmNamePrefix(application, environment);
    if (alarmName.startsWith(prefix) && alarmName.length > prefix.length) {
      return { environment, alarm: alarmName.slice(prefix.length) };
    }
  }
  return undefined;
}

function transition(
  application: string,
  environments: readonly string[],
  fields: {
    alarmName: unknown;
    state: unknown;
    previousState: unknown;
    reason: unknown;
    at: string | undefined;
  },
): AlarmTransition | undefined {
  const alarmName = text(fields.alarmName);
  const state = text(fields.state);
  if (!alarmName || !state || !STATES.includes(state) || fields.at === undefined) return undefined;
  const split = splitAlarmName(application, environments, alarmName);
  if (!split) return undefined;
  const previous = text(fields.previousState);
  return {
    kind: 'alarm',
    ...split,
    alarmName,
    state: state as AlarmStateValue,
    ...(previous && STATES.includes(previous) ? { previousState: previous as AlarmStateValue } : {}),
    reason: text(fields.reason) ?? '(no reason given)',
    at: fields.at,
  };
}

/** An EventBridge `CloudWatch Alarm State Change` event of one of the application's alarms. */
export function alarmTransitionOf(
  application: string,
  environments: readonly string[],
  event: unknown,
): AlarmTransition | undefined {
  const e = record(event);
  if (e?.source !== 'aws.cloudwatch' || e['detail-type'] !== 'CloudWatch Alarm State Change')
    return undefined;
  const detail = record(e.detail);
  const state = record(detail?.state);
  return transition(application, environments, {
    alarmName: detail?.alarmName,
    state: state?.value,
    previousState: record(detail?.previousState)?.value,
    reason: state?.reason,
    at: isoTime(state?.timestamp, text(e.time)),
  });
}

/** The JSON message a CloudWatch alarm action publishes to SNS. */
export function alarmActionTransitionOf(
  application: string,
  environments: readonly string[],
  message: unknown,
): AlarmTransition | undefined {
  const m = record(message);
  return transition(application, environments, {
    alarmName: m?.AlarmName,
    state: m?.NewStateValue,
    previousState: m?.OldStateValue,
    reason: m?.NewStateReason,
    at: isoTime(m?.StateChangeTime),
  });
}

/** An AppConfig deployment event of the application (by its AppConfig id) in a known environment. */
export function deploymentNoticeOf(
  applicationId: string,
  environmentIds: Readonly<Record<string, string>>,
  event: unknown,
): DeploymentEventNotice | undefined {
  const e = record(event);
  const phase = PHASES[String(e?.['detail-type'])];
  if (e?.source !== 'aws.appconfig' || !phase) return undefined;
  const detail = record(e.detail);
  if (record(detail?.Application)?.Id !== applicationId) return undefined;
  const environmentId = text(record(detail?.Environment)?.Id);
  const environment = Object.entries(environmentIds).find(([, id]) => id === environmentId)?.[0];
  const rawNumber = detail?.DeploymentNumber;
  const deploymentNumber = typeof rawNumber === 'string' ? Number(rawNumber) : rawNumber;
  const at = isoTime(e.time);
  if (!environment || typeof deploymentNumber !== 'number' || !Number.isInteger(deploymentNumber) || !at)
    return undefined;
  const configurationVersion = text(detail?.ConfigurationVersion);
  return {
    kind: 'deployment',
    environment,
    deploymentNumber,
    phase,
    at,
    ...(configurationVersion ? { configurationVersion } : {}),
  };
}
