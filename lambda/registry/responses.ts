/** Response bodies of the registry routes (docs/api.md): stored records mapped to their wire types. */
import type { AuditEntry, PublishedVersion, VersionDetails, VersionSummary } from '../../src/core/api.ts';
import type { AuditEvent, VersionRecord } from '../model.ts';
import type { VersionWithDocument } from './queries.ts';

export function publishedVersion(record: VersionRecord): PublishedVersion {
  return {
    id: record.id,
    version: record.version,
    sha256: record.sha256,
    bump: record.bump,
    createdBy: record.createdBy,
    createdAt: record.createdAt,
  };
}

export function versionSummary(record: VersionRecord): VersionSummary {
  return {
    version: record.version,
    sha256: record.sha256,
    createdBy: record.createdBy,
    createdAt: record.createdAt,
    message: record.message ?? null,
    approvals: record.approvals,
    ...(record.deprecation ? { deprecation: record.deprecation } : {}),
  };
}

export function versionDetails(record: VersionWithDocument): VersionDetails {
  return {
    id: record.id,
    version: record.version,
    sha256: record.sha256,
    document: record.document,
    createdBy: record.createdBy,
    createdAt: record.createdAt,
    message: record.message ?? null,
    bump: record.bump,
    approvals: record.approvals,
    ...(record.deprecation ? { deprecation: record.deprecation } : {}),
  };
}

export function auditEntry(event: AuditEvent): AuditEntry {
  return {
    at: event.at,
    actor: event.actor,
    action: event.action,
    target: event.target,
    details: event.details,
    requestId: event.requestId,
  };
}
