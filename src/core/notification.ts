/**
 * What operators are told, built once for the notifier Lambda and local mode: from an event (an alarm
 * transition or an AppConfig deployment event) and what the environment's records say about it, a
 * short subject, a plain-text body that says what happened, what was deployed, what AppConfig did and
 * what to run next with the runbook, and the same as an AWS Chatbot custom notification for Slack and
 * Teams channels (docs/runbooks/README.md).
 */
import { RUNBOOKS, type RunbookFile, runbookLink } from './alarms.ts';
import type { CanaryAnalysisEntry, DeploymentState } from './api.ts';

export type AlarmStateValue = 'OK' | 'ALARM' | 'INSUFFICIENT_DATA';

/** An alarm of the stack changed state (CloudWatch Alarm State Change). */
export interface AlarmTransition {
  readonly kind: 'alarm';
  readonly environment: string;
  /** The full CloudWatch name, `<application>-<environment>-<alarm>`. */
  readonly alarmName: string;
  /** The part after the environment: `ErrorRate`, `Rollback`, `StaleClients`... */
  readonly alarm: string;
  readonly state: AlarmStateValue;
  readonly previousState?: AlarmStateValue;
  /** CloudWatch's reason for the new state. */
  readonly reason: string;
  /** When the state changed (ISO 8601). */
  readonly at: string;
}

export type DeploymentPhase = 'started' | 'step' | 'baking' | 'completed' | 'rolled-back';

/** An AppConfig deployment event (On Deployment Start, Step, Baking, Complete, Rollback). */
export interface DeploymentEventNotice {
  readonly kind: 'deployment';
  readonly environment: string;
  readonly deploymentNumber: number;
  readonly phase: DeploymentPhase;
  readonly at: string;
  readonly configurationVersion?: string;
}

export type NotifiableEvent = AlarmTransition | DeploymentEventNotice;

/** A prompt whose pin the deployment changed. */
export interface PinChange {
  readonly promptId: string;
  /** What the environment served before; absent for a prompt new to it. */
  readonly from?: string;
  readonly to: string;
  /** Who approved `to` (its versions' approvals). */
  readonly approvedBy?: readonly string[];
}

/** What the environment's records say when the event arrives. */
export interface EnvironmentContext {
  readonly deployment?: {
    readonly number: number;
    readonly state: DeploymentState;
    readonly strategy: string;
    readonly percentage?: number;
    readonly startedBy?: string;
    readonly startedAt?: string;
    readonly endedAt?: string;
    readonly kind?: 'deploy' | 'rollback';
    /** Why it was rolled back (AppConfig's reason: the alarm, or the canary extension's message). */
    readonly reason?: string;
    /** USER, APPCONFIG, CLOUDWATCH_ALARM or INTERNAL_ERROR, as AppConfig reports it. */
    readonly rolledBackBy?: string;
    readonly analysis?: readonly CanaryAnalysisEntry[];
  };
  readonly changes: readonly PinChange[];
  /** The alarms that roll this environment back by themselves (the decision matrix). */
  readonly rollbackAlarms: readonly string[];
}

/** The AWS Chatbot custom notification schema (SNS message for Slack, Teams and Chime channels). */
export interface ChatbotNotification {
  readonly version: '1.0';
  readonly source: 'custom';
  readonly id: string;
  readonly content: {
    readonly textType: 'client-markdown';
    readonly title: string;
    readonly description: string;
    readonly nextSteps: readonly string[];
    readonly keywords: readonly string[];
  };
  readonly metadata: {
    readonly threadId: string;
    readonly summary: string;
    readonly eventType: string;
    readonly additionalContext: Readonly<Record<string, string>>;
  };
}

export interface Notification {
  /** At most 100 characters (SNS's limit for email subjects). */
  readonly subject: string;
  readonly body: string;
  readonly chatbot: ChatbotNotification;
  /** The runbook link named in both. */
  readonly runbook: string;
  /** The commands named in both, in the order to run them. */
  readonly nextCommands: readonly string[];
}

/** SNS takes subjects of fewer than 100 ASCII characters. */
const SUBJECT_LIMIT = 99;

/** Alarm short names to their runbooks; the composite points at the matrix. */
const ALARM_RUNBOOKS: Readonly<Record<string, RunbookFile>> = {
  ErrorRate: RUNBOOKS.errorRate,
  P99Latency: RUNBOOKS.p99Latency,
  NegativeFeedbackRate: RUNBOOKS.negativeFeedback,
  LatencyAnomaly: RUNBOOKS.latencyAnomaly,
  StaleClients: RUNBOOKS.staleClients,
  Rollback: RUNBOOKS.index,
};

function isRunning(state: DeploymentState | undefined): boolean {
  return state === 'DEPLOYING' || state === 'BAKING';
}

function failedVerdicts(context: EnvironmentContext): CanaryAnalysisEntry[] {
  return (context.deployment?.analysis ?? []).filter((entry) => entry.verdict === 'fail');
}

/** A rollback the canary extension caused: its failed verdicts, or its reason naming the analysis. */
function rolledBackByCanary(context: EnvironmentContext): boolean {
  const deployment = context.deployment;
  if (deployment?.state !== 'ROLLED_BACK') return false;
  return failedVerdicts(context).length > 0 || /canary/i.test(deployment.reason ?? '');
}

function formatValue(entry: CanaryAnalysisEntry, value: number | undefined): string {
  if (value === undefined) return 'n/a';
  return entry.metric === 'latencyP99' ? `${Math.round(value)} ms` : `${(value * 100).toFixed(1)}%`;
}

function verdictLine(entry: CanaryAnalysisEntry): string {
  const p = entry.pValue !== undefined ? `, p=${entry.pValue.toPrecision(2)}` : '';
  return `${entry.promptId}@${entry.candidate} vs ${entry.baseline}: ${entry.metric} ${entry.verdict} (baseline ${formatValue(entry, entry.baselineValue)}, candidate ${formatValue(entry, entry.candidateValue)}${p}; ${entry.samples.baseline}/${entry.samples.candidate} samples)`;
}

function changeLine(change: PinChange): string {
  const approved = change.approvedBy?.length ? ` (approved by ${change.approvedBy.join(', ')})` : '';
  return `${change.promptId} ${change.from ?? '(new)'} -> ${change.to}${approved}`;
}

function truncate(text: string, limit: number): string {
  return text.length <= limit ? text : `${text.slice(0, limit - 3)}...`;
}

/** SNS subjects are printable ASCII on one line. */
function asciiLine(text: string): string {
  return text.replace(/[^\x20-\x7e]/g, '?');
}

/** The decision and the commands for an event, in the order an operator runs them. */
function nextSteps(
  event: NotifiableEvent,
  context: EnvironmentContext,
): { decision: string; commands: string[] } {
  const env = event.environment;
  const status = `promptops status --env ${env}`;
  const incident = `promptops incident --env ${env} --since 1h`;
  const deployment = context.deployment;
  const changed = context.changes.map((c) => c.promptId);
  const rollback = `promptops rollback --env ${env}${changed.length > 0 ? ` ${changed.join(' ')}` : ''}`;
  if (event.kind === 'alarm') {
    if (event.state === 'OK') {
      return {
        decision: 'Recovered. Confirm the deployment ended where you expect, and write the follow-up.',
        commands: [status, incident],
      };
    }
    const rollsBack = event.alarm === 'Rollback' || context.rollbackAlarms.includes(event.alarm);
    if (rollsBack && isRunning(deployment?.state)) {
      return {
        decision: `AppConfig rolls deployment ${deployment?.number} back by itself (this alarm is its monitor). Confirm it did; roll back by hand only if it is still ${deployment?.state}.`,
        commands: [status, incident, rollback],
      };
    }
    if (deployment?.state === 'ROLLED_BACK') {
      return {
        decision: `Deployment ${deployment.number} is already rolled back. Hold further deploys until the cause is understood.`,
        commands: [status, incident],
      };
    }
    if (isRunning(deployment?.state)) {
      return {
        decision: `This alarm only notifies (rollbackAlarms). Decide: roll deployment ${deployment?.number} back, or hold it and watch.`,
        commands: [status, rollback, incident],
      };
    }
    return {
      decision:
        'No deployment is in progress. If the last deployment is the cause, roll its prompts back; otherwise follow the runbook.',
      commands: [status, incident, rollback],
    };
  }
  switch (event.phase) {
    case 'rolled-back':
      return {
        decision: rolledBackByCanary(context)
          ? 'Canary analysis found the candidate worse than its baseline; AppConfig rolled back. Fix the prompt and publish a new version; do not redeploy the same one.'
          : 'AppConfig rolled the deployment back. Find the cause before deploying again.',
        commands: [status, incident, ...changed.map((id) => `promptops history ${id}`)],
      };
    case 'completed':
      return { decision: 'Nothing to do: the deployment completed.', commands: [status] };
    default:
      return {
        decision: 'Watch it: an alarm in ALARM during the rollout or bake rolls it back.',
        commands: [status, incident],
      };
  }
}

function runbookFor(event: NotifiableEvent, context: EnvironmentContext): RunbookFile {
  if (event.kind === 'alarm') return ALARM_RUNBOOKS[event.alarm] ?? RUNBOOKS.index;
  if (event.phase === 'rolled-back' && rolledBackByCanary(context)) return RUNBOOKS.canaryAnalysis;
  return RUNBOOKS.index;
}

function headline(event: NotifiableEvent, context: EnvironmentContext): string {
  const deployment = context.deployment;
  const what = context.changes.map((c) => `${c.promptId}@${c.to}`).join(', ');
  if (event.kind === 'alarm') {
    const decision =
      event.alarm === 'Rollback' || context.rollbackAlarms.includes(event.alarm)
        ? 'rolls back'
        : 'notify only';
    return `${event.state}: ${event.alarm} (${decision})${what ? ` during ${what}` : ''}`;
  }
  const verb = {
    started: 'started',
    step: `at ${deployment?.percentage ?? '?'}%`,
    baking: 'baking',
    completed: 'completed',
    'rolled-back': rolledBackByCanary(context) ? 'rolled back by canary analysis' : 'rolled back',
  }[event.phase];
  return `deployment ${event.deploymentNumber} ${verb}${what ? `: ${what}` : ''}`;
}

function icon(event: NotifiableEvent): string {
  if (event.kind === 'alarm') return event.state === 'OK' ? ':white_check_mark:' : ':rotating_light:';
  if (event.phase === 'rolled-back') return ':rewind:';
  return event.phase === 'completed' ? ':white_check_mark:' : ':arrow_forward:';
}

/** The notification for `event` in the light of `context`. */
export function buildNotification(
  application: string,
  event: NotifiableEvent,
  context: EnvironmentContext,
  runbookBaseUrl?: string,
): Notification {
  const title = headline(event, context);
  const subject = truncate(asciiLine(`[PromptOps ${event.environment}] ${title}`), SUBJECT_LIMIT);
  const runbook = runbookLink(runbookFor(event, context), runbookBaseUrl);
  const { decision, commands } = nextSteps(event, context);
  const deployment = context.deployment;
  const lines: string[] = [];
  if (event.kind === 'alarm') {
    lines.push(
      `Alarm ${event.alarmName} went from ${event.previousState ?? 'unknown'} to ${event.state} at ${event.at}.`,
      `Why: ${event.reason}`,
    );
  } else {
    lines.push(
      `AppConfig deployment ${event.deploymentNumber} to ${event.environment}: ${event.phase} at ${event.at}.`,
    );
  }
  if (deployment) {
    const who = deployment.startedBy ? `, started by ${deployment.startedBy}` : '';
    const when = deployment.startedAt ? ` at ${deployment.startedAt}` : '';
    const percentage = deployment.percentage !== undefined ? `, ${deployment.percentage}%` : '';
    lines.push(
      '',
      `Deployment ${deployment.number} (${deployment.kind ?? 'deploy'}, ${deployment.strategy}): ${deployment.state}${percentage}${who}${when}.`,
    );
    if (deployment.state === 'ROLLED_BACK') {
      const by = deployment.rolledBackBy ? ` by ${deployment.rolledBackBy}` : '';
      lines.push(`Rolled back${by}${deployment.reason ? `: ${deployment.reason}` : ''}.`);
    } else lines.push('AppConfig has not rolled it back.');
  } else lines.push('', 'No deployment is recorded for this environment.');
  if (context.changes.length > 0) {
    lines.push('', 'What it changed:', ...context.changes.map((c) => `  ${changeLine(c)}`));
  }
  const analysis = deployment?.analysis ?? [];
  if (analysis.length > 0) {
    lines.push('', 'Canary analysis:', ...analysis.map((entry) => `  ${verdictLine(entry)}`));
  }
  lines.push(
    '',
    `Decision: ${decision}`,
    '',
    'Next:',
    ...commands.map((c) => `  ${c}`),
    '',
    `Runbook: ${runbook}`,
  );
  const body = `${lines.join('\n')}\n`;
  const id = notificationId(event);
  const chatbot: ChatbotNotification = {
    version: '1.0',
    source: 'custom',
    id,
    content: {
      textType: 'client-markdown',
      title: `${icon(event)} PromptOps ${event.environment}: ${title}`,
      description: truncate(
        [
          lines[0],
          event.kind === 'alarm' ? `*Why:* ${event.reason}` : undefined,
          `*Decision:* ${decision}`,
          `*Runbook:* ${runbook}`,
        ]
          .filter((line) => line !== undefined)
          .join('\n'),
        8000,
      ),
      nextSteps: commands.map((c) => `\`${c}\``),
      keywords: [
        event.environment,
        ...(event.kind === 'alarm' ? [event.alarm, event.state] : [`deployment-${event.deploymentNumber}`]),
      ],
    },
    metadata: {
      // One thread per deployment (or per alarm outside one) in the channel.
      threadId: `${application}-${event.environment}-${deployment?.number ?? (event.kind === 'alarm' ? event.alarm : event.deploymentNumber)}`,
      summary: subject,
      eventType: event.kind === 'alarm' ? 'AlarmStateChange' : 'DeploymentEvent',
      additionalContext: {
        application,
        environment: event.environment,
        ...(deployment ? { deployment: String(deployment.number), state: deployment.state } : {}),
      },
    },
  };
  return { subject, body, chatbot, runbook, nextCommands: commands };
}

/**
 * The identity of the event's transition, the same however often and by whichever path it arrives:
 * an alarm's name, new state and the time it changed; a deployment's number and phase.
 */
export function notificationId(event: NotifiableEvent): string {
  if (event.kind === 'alarm') return `alarm:${event.alarmName}:${event.state}:${cloudWatchTime(event.at)}`;
  return `deployment:${event.environment}:${event.deploymentNumber}:${event.phase}`;
}

/**
 * The SNS message: `MessageStructure: json` sends the plain text to email subscriptions and the
 * Chatbot JSON to everything else (AWS Chatbot's HTTPS endpoint reads `default`).
 */
export function snsMessage(notification: Notification): string {
  return JSON.stringify({
    default: JSON.stringify(notification.chatbot),
    email: notification.body,
    'email-json': JSON.stringify({ subject: notification.subject, body: notification.body }),
    sms: notification.subject,
  });
}

/**
 * Epoch milliseconds of a CloudWatch timestamp. Alarm events and alarm actions write
 * `2019-10-02T17:04:40.985+0000`, an offset without a colon that Date.parse does not take everywhere.
 */
export function cloudWatchTime(text: string): number {
  const ms = Date.parse(text.replace(/([+-]\d{2})(\d{2})$/, '$1:$2'));
  return Number.isNaN(ms) ? Number.NaN : ms;
}
