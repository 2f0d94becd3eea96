/**
 * An incident's timeline (GET /environments/{env}/incident, `promptops incident`): deployments and
 * each of their steps, alarm transitions, canary verdicts, rollbacks (automatic and manual) and audit
 * entries of one environment, merged into one list, oldest first (newest last).
 */
import type { AuditEntry, CanaryAnalysisEntry, RevisionEntry } from './api.ts';
import { BadRequestError } from './errors.ts';
import { pinVersions } from './pins.ts';

export type TimelineKind = 'deployment' | 'alarm' | 'canary' | 'rollback' | 'audit';

export interface TimelineEntry {
  readonly at: string;
  readonly kind: TimelineKind;
  /** One line a person reads. */
  readonly summary: string;
  /** Who or what: a principal, `appconfig`, `cloudwatch`, `canary-analysis`. */
  readonly actor?: string;
  readonly deploymentNumber?: number;
  readonly details?: Readonly<Record<string, unknown>>;
}

/** GET /environments/{env}/incident: 200. */
export interface IncidentTimelineResponse {
  readonly environment: string;
  readonly since: string;
  readonly until: string;
  readonly entries: readonly TimelineEntry[];
}

/** What the notifier recorded: an alarm transition or a deployment event, as it arrived. */
export interface RecordedEvent {
  readonly at: string;
  readonly kind: 'alarm' | 'deployment';
  readonly summary: string;
  readonly actor: string;
  readonly deploymentNumber?: number;
  readonly details: Readonly<Record<string, unknown>>;
}

/** `--since` as `90s`, `30m`, `1h`, `2d` or an ISO 8601 time; the default window is the last hour. */
export function sinceTime(since: string | undefined, now: Date): Date {
  if (since === undefined || since === '') return new Date(now.getTime() - 3_600_000);
  const relative = /^(\d{1,6})([smhd])$/.exec(since.trim());
  if (relative) {
    const unit = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 }[relative[2] as 's' | 'm' | 'h' | 'd'];
    return new Date(now.getTime() - Number(relative[1]) * unit);
  }
  const absolute = Date.parse(since);
  if (!Number.isNaN(absolute) && /^\d{4}-\d{2}-\d{2}/.test(since)) return new Date(absolute);
  throw new BadRequestError(
    `since must be a duration such as 30m, 1h or 2d, or an ISO 8601 time (got ${JSON.stringify(since)})`,
  );
}

/** Each revision's start, and its end when it has one, as timeline entries. */
export function revisionEntries(revisions: readonly RevisionEntry[]): TimelineEntry[] {
  return revisions.map((revision) => {
    const pins = Object.entries(revision.pins)
      .map(([id, pin]) => `${id}@${pinVersions(pin).join('/')}`)
      .join(', ');
    const number = revision.deploymentNumber;
    const kind = revision.kind === 'rollback' ? 'rollback' : 'deployment';
    return {
      at: revision.createdAt,
      kind,
      summary: `${revision.kind === 'rollback' ? 'manual rollback' : 'deploy'} started${number !== undefined ? ` as deployment ${number}` : ''} (revision ${revision.revision}, ${revision.strategy}): ${pins || 'no prompts'}; now ${revision.state}${revision.reason ? ` (${revision.reason})` : ''}`,
      actor: revision.createdBy,
      ...(number !== undefined ? { deploymentNumber: number } : {}),
      details: { revision: revision.revision, state: revision.state },
    };
  });
}

export function auditEntries(entries: readonly AuditEntry[]): TimelineEntry[] {
  return entries.map((entry) => {
    const number = entry.details.deploymentNumber;
    return {
      at: entry.at,
      kind: /rolled-back|rollback|canary-failed/.test(entry.action) ? 'rollback' : 'audit',
      summary: `${entry.action} ${entry.target}`,
      actor: entry.actor,
      ...(typeof number === 'number' ? { deploymentNumber: number } : {}),
      details: entry.details,
    };
  });
}

/** The last tick's canary verdicts of a deployment, one entry. */
export function canaryEntry(
  deploymentNumber: number,
  analyzedAt: string,
  analysis: readonly CanaryAnalysisEntry[],
): TimelineEntry {
  const failed = analysis.filter((a) => a.verdict === 'fail');
  const verdicts = analysis.map((a) => `${a.promptId}@${a.candidate} ${a.metric} ${a.verdict}`).join(', ');
  return {
    at: analyzedAt,
    kind: 'canary',
    summary: `canary analysis of deployment ${deploymentNumber}: ${failed.length > 0 ? 'FAIL' : 'no failure'} (${verdicts})`,
    actor: 'canary-analysis',
    deploymentNumber,
    details: { analysis },
  };
}

export function recordedEntries(events: readonly RecordedEvent[]): TimelineEntry[] {
  return events.map((event) => ({
    at: event.at,
    kind: event.kind,
    summary: event.summary,
    actor: event.actor,
    ...(event.deploymentNumber !== undefined ? { deploymentNumber: event.deploymentNumber } : {}),
    details: event.details,
  }));
}

function alarmFirst(entry: TimelineEntry): number {
  return entry.kind === 'alarm' ? 0 : 1;
}

/**
 * Every entry in the window, oldest first. At the same instant an alarm transition comes first (it is
 * the cause: a rollback an alarm triggers is stamped in the same millisecond when one evaluation
 * both stamps the alarm and rolls back, as local mode's does); other entries at the same time keep
 * the order they were given in.
 */
export function mergeTimeline(
  sources: readonly (readonly TimelineEntry[])[],
  since: Date,
  until: Date,
): TimelineEntry[] {
  const from = since.getTime();
  const to = until.getTime();
  return sources
    .flat()
    .map((entry, order) => ({ entry, order, at: Date.parse(entry.at) }))
    .filter(({ at }) => at >= from && at <= to)
    .sort((a, b) => a.at - b.at || alarmFirst(a.entry) - alarmFirst(b.entry) || a.order - b.order)
    .map(({ entry }) => entry);
}
