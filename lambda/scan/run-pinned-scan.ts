/**
 * The scheduled scan (README, "Security"): every version pinned in any environment, linted again with
 * the rules this code ships (src/core/lint/pinned-scan.ts, as `promptops scan` does), so a secret
 * pattern or an injection rule added after a version was published still catches what is deployed.
 * When anything is found, one audit entry records the scan and the operators are notified; a clean
 * scan writes and sends nothing, so the topic carries only what needs a look.
 */

import {
  type EnvironmentPins,
  type PinnedScan,
  type PinnedVersion,
  pinnedVersions,
  scanPinnedVersions,
} from '../../src/core/lint/pinned-scan.ts';
import type { LintFinding } from '../../src/core/lint/types.ts';
import { auditEvent } from '../audit-events.ts';
import type { PinnedScanDeps } from './ports.ts';

/** Versions read at once: bounds the concurrent DynamoDB and S3 reads of one scan. */
const READ_CONCURRENCY = 8;
/** Lines of findings in one notification; the rest are counted (SNS takes 256 KB, email readers less). */
const MAX_NOTIFIED_FINDINGS = 100;
/** Findings listed in the audit entry; DynamoDB items are at most 400 KB. */
const MAX_AUDITED_FINDINGS = 200;
const SUBJECT_MAX = 100;

export const SCAN_ACTOR = 'promptops:pinned-scan';
export const SCAN_AUDIT_ACTION = 'scan.findings';

/** A pinned version the scan could not lint: its registry record or its document is gone. */
export interface UnreadableVersion extends PinnedVersion {
  readonly reason: string;
}

export interface PinnedScanOutcome {
  readonly scannedAt: string;
  readonly environments: readonly string[];
  readonly scan: PinnedScan;
  readonly unreadable: readonly UnreadableVersion[];
  /** True when there was something to report: the audit entry is written and the notification sent. */
  readonly reported: boolean;
}

export interface PinnedScanRequest {
  /** Identifies the run (the scheduled event's id, the local request's id) in the audit entry. */
  readonly requestId: string;
  /**
   * When the run was scheduled: a retried event carries the same time, so the retry's audit entry
   * has the same id and is not written twice.
   * @default deps.now()
   */
  readonly scheduledAt?: string;
}

export async function runPinnedScan(
  deps: PinnedScanDeps,
  request: PinnedScanRequest,
): Promise<PinnedScanOutcome> {
  const scannedAt = request.scheduledAt ?? deps.now().toISOString();
  const environments = [...deps.environmentNames];
  const states = await Promise.all(environments.map((environment) => deps.environments.get(environment)));
  const pins = environments.map(
    (environment, i): EnvironmentPins => ({ environment, prompts: states[i]?.pins ?? {} }),
  );
  const pinned = pinnedVersions(pins);

  const documents = new Map<PinnedVersion, string>();
  const unreadable: UnreadableVersion[] = [];
  await forEachLimited(pinned, READ_CONCURRENCY, async (version) => {
    const text = await readDocument(deps, version);
    if (typeof text === 'string') documents.set(version, text);
    else unreadable.push({ ...version, reason: text.reason });
  });
  const scan = scanPinnedVersions(
    pinned.filter((version) => documents.has(version)),
    (version) => documents.get(version) as string,
  );

  const reported = scan.errorCount + scan.warningCount + unreadable.length > 0;
  if (reported) {
    // The audit entry first: it is idempotent, so a retry after a failed publish adds nothing to it.
    await deps.audit.append(
      auditEvent(
        {
          at: deps.now().toISOString(),
          actor: SCAN_ACTOR,
          action: SCAN_AUDIT_ACTION,
          target: `pinned versions in ${environments.join(', ')}`,
          details: auditDetails(scan, unreadable, scannedAt),
          requestId: request.requestId,
        },
        scannedAt,
      ),
    );
    const notification = findingsNotification(scan, unreadable);
    await deps.notifier.notify(notification.subject, notification.message);
  }
  return { scannedAt, environments, scan, unreadable, reported };
}

/** The version's stored document, or why there is none. A failing store throws: the run is retried. */
async function readDocument(
  deps: PinnedScanDeps,
  version: PinnedVersion,
): Promise<string | { reason: string }> {
  const record = await deps.prompts.getVersion(version.id, version.version);
  if (!record) return { reason: 'pinned but not in the registry' };
  const text = await deps.bodies.get(record.sha256);
  if (text === undefined) return { reason: `its document ${record.sha256} is missing from the body store` };
  return text;
}

async function forEachLimited<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>) {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await work(items[next++] as T);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

interface FindingRow {
  readonly version: PinnedVersion;
  readonly finding: LintFinding;
}

function findingRows(scan: PinnedScan): FindingRow[] {
  return scan.versions.flatMap((version) => version.findings.map((finding) => ({ version, finding })));
}

function auditDetails(scan: PinnedScan, unreadable: readonly UnreadableVersion[], scannedAt: string) {
  const rows = findingRows(scan);
  return {
    scannedAt,
    versions: scan.versions.length + unreadable.length,
    errorCount: scan.errorCount,
    warningCount: scan.warningCount,
    findings: rows.slice(0, MAX_AUDITED_FINDINGS).map(({ version, finding }) => ({
      promptId: version.id,
      version: version.version,
      environments: version.environments,
      rule: finding.rule,
      severity: finding.severity,
      ...(finding.line !== undefined ? { line: finding.line } : {}),
      message: finding.message,
    })),
    ...(rows.length > MAX_AUDITED_FINDINGS ? { findingsLeftOut: rows.length - MAX_AUDITED_FINDINGS } : {}),
    ...(unreadable.length > 0
      ? {
          unreadable: unreadable.map((v) => ({
            promptId: v.id,
            version: v.version,
            environments: v.environments,
            reason: v.reason,
          })),
        }
      : {}),
  };
}

/**
 * The operators' notification: a one-line subject with the counts, and a plain-text body with one
 * line per finding (environments, prompt@version, severity, rule, line, message). Lint messages
 * redact what they quote of a secret, so the text is safe for email.
 */
export function findingsNotification(
  scan: PinnedScan,
  unreadable: readonly UnreadableVersion[],
): { subject: string; message: string } {
  const rows = findingRows(scan);
  const counts = [
    `${scan.errorCount} error(s)`,
    `${scan.warningCount} warning(s)`,
    ...(unreadable.length > 0 ? [`${unreadable.length} unreadable`] : []),
  ].join(', ');
  const affected = new Set([...rows.map((r) => r.version), ...unreadable]).size;
  const subject = `PromptOps scan: ${counts} in ${affected} pinned version(s)`.slice(0, SUBJECT_MAX);
  const lines = [
    `The daily re-lint of every pinned version with the current rules found ${counts}.`,
    '',
    ...rows
      .slice(0, MAX_NOTIFIED_FINDINGS)
      .map(
        ({ version, finding }) =>
          `${version.environments.join(',')}  ${version.id}@${version.version}  ${finding.severity}  ${finding.rule}  line ${finding.line ?? 1}: ${finding.message}`,
      ),
    ...(rows.length > MAX_NOTIFIED_FINDINGS
      ? [`... and ${rows.length - MAX_NOTIFIED_FINDINGS} more finding(s)`]
      : []),
    ...unreadable.map(
      (v) => `${v.environments.join(',')}  ${v.id}@${v.version}  error  unreadable: ${v.reason}`,
    ),
    '',
    'Every finding is in the audit log (GET /audit, action scan.findings); `promptops scan` lists them with',
    'their lines. Publish a fixed version and deploy it to clear them (docs/cli.md).',
  ];
  return { subject, message: lines.join('\n') };
}
