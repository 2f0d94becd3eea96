/**
 * An environment's incident timeline (GET /environments/{env}/incident): its revisions (each deploy
 * and manual rollback, and how it ended), the audit entries of the environment (automatic rollbacks,
 * canary failures), the last canary verdicts, and what the notifier saw (alarm transitions, each
 * deployment event), merged oldest first.
 */
import {
  auditEntries,
  canaryEntry,
  type IncidentTimelineResponse,
  mergeTimeline,
  recordedEntries,
  revisionEntries,
  type TimelineEntry,
} from '../../src/core/incident.ts';
import type { AuditEvent } from '../model.ts';
import type { IncidentEventStore } from '../notifications/ports.ts';
import { environmentIdOf } from './config.ts';
import type { DeliveryDeps } from './deps.ts';

/** Revisions and audit pages read per timeline; an incident window holds far fewer. */
const REVISIONS_READ = 50;
const AUDIT_PAGE = 100;
const AUDIT_PAGES = 5;

export async function incidentTimeline(
  deps: DeliveryDeps & { readonly incidentEvents?: IncidentEventStore },
  environment: string,
  since: Date,
): Promise<IncidentTimelineResponse> {
  // Unknown environments are a 404 here as on every environment route.
  environmentIdOf(deps.config, environment);
  const until = deps.now();
  const [state, revisions, audit, recorded] = await Promise.all([
    deps.environments.get(environment),
    deps.environments.listRevisions(environment, REVISIONS_READ),
    auditSince(deps, environment, since),
    deps.incidentEvents?.list(environment, since) ?? Promise.resolve([]),
  ]);
  const canary: TimelineEntry[] = [];
  const deployment = state?.deployment;
  if (deployment?.analysis && deployment.analyzedAt) {
    canary.push(canaryEntry(deployment.number, deployment.analyzedAt, deployment.analysis));
  }
  const entries = mergeTimeline(
    [revisionEntries(revisions), auditEntries(audit), canary, recordedEntries(recorded)],
    since,
    until,
  );
  return { environment, since: since.toISOString(), until: until.toISOString(), entries };
}

/** The environment's audit entries newer than `since` (the log is newest first). */
async function auditSince(deps: DeliveryDeps, environment: string, since: Date): Promise<AuditEvent[]> {
  const out: AuditEvent[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < AUDIT_PAGES; page++) {
    const result = await deps.audit.list(
      { environment },
      { limit: AUDIT_PAGE, ...(cursor !== undefined ? { cursor } : {}) },
    );
    for (const item of result.items) {
      if (Date.parse(item.at) < since.getTime()) return out;
      out.push(item);
    }
    if (!result.nextCursor) return out;
    cursor = result.nextCursor;
  }
  return out;
}
