/**
 * Re-linting what is deployed (README, "Security"): every version pinned in any environment, linted
 * again with today's rules, so a secret pattern or an injection rule added after a version was
 * published still catches it. `promptops scan` runs it; it is pure, so a scheduled job can run the same.
 */
import { type Pin, pinVersions } from '../pins.ts';
import { type LintResult, lintDocument } from './index.ts';
import type { LintFinding } from './types.ts';

/** What one environment pins, as GET /environments/{env} returns it. */
export interface EnvironmentPins {
  readonly environment: string;
  readonly prompts: Readonly<Record<string, Pin>>;
}

/** A prompt version and the environments that pin it. */
export interface PinnedVersion {
  readonly id: string;
  readonly version: string;
  readonly environments: readonly string[];
}

/** One pinned version linted again. */
export interface PinnedVersionScan extends PinnedVersion {
  readonly findings: readonly LintFinding[];
  readonly errorCount: number;
  readonly warningCount: number;
}

export interface PinnedScan {
  /** Every pinned version, by id then version. */
  readonly versions: readonly PinnedVersionScan[];
  readonly errorCount: number;
  readonly warningCount: number;
  /** True when no pinned version has an error (warnings allowed). */
  readonly ok: boolean;
}

/** Each distinct pinned version once, with every environment that pins it (variants included). */
export function pinnedVersions(environments: readonly EnvironmentPins[]): PinnedVersion[] {
  const byRef = new Map<string, { id: string; version: string; environments: string[] }>();
  for (const { environment, prompts } of environments) {
    for (const [id, pin] of Object.entries(prompts)) {
      for (const version of pinVersions(pin)) {
        const ref = `${id}@${version}`;
        const entry = byRef.get(ref) ?? { id, version, environments: [] };
        if (!entry.environments.includes(environment)) entry.environments.push(environment);
        byRef.set(ref, entry);
      }
    }
  }
  return [...byRef.values()].sort((a, b) => a.id.localeCompare(b.id) || a.version.localeCompare(b.version));
}

/** Lints each pinned version's stored document with the current rules. */
export function scanPinnedVersions(
  versions: readonly PinnedVersion[],
  documentOf: (pinned: PinnedVersion) => string,
): PinnedScan {
  const scanned = versions.map((pinned): PinnedVersionScan => {
    const result: LintResult = lintDocument(documentOf(pinned));
    return {
      ...pinned,
      findings: result.findings,
      errorCount: result.errorCount,
      warningCount: result.warningCount,
    };
  });
  const errorCount = scanned.reduce((sum, v) => sum + v.errorCount, 0);
  return {
    versions: scanned,
    errorCount,
    warningCount: scanned.reduce((sum, v) => sum + v.warningCount, 0),
    ok: errorCount === 0,
  };
}
