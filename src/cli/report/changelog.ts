/**
 * `promptops report changelog <id>`: every version newest first with its date, author, message, bump
 * level and reasons, approvals and where it is deployed now. Markdown follows Keep a Changelog 1.1.0
 * (https://keepachangelog.com/en/1.1.0/): one `## [version] - date` per release, the bump reasons
 * under Added, Changed and Removed.
 */
import type { Approval, PromptDetails, VersionDetails, VersionSummary } from '../../core/api.ts';
import type { Pin } from '../../core/pins.ts';
import { pinVariants } from '../../core/pins.ts';
import type { BumpResult } from '../../core/versioning.ts';
import { segment } from '../api-client.ts';
import { list, paragraph, type ReportDocument, type Section } from './document.ts';
import type { ReportApi } from './report-api.ts';

export interface ChangelogEntry {
  readonly version: string;
  readonly date: string;
  readonly author: string;
  readonly message: string | null;
  readonly bump: BumpResult;
  readonly approvals: readonly Approval[];
  /** Environments serving this version now, with the share of traffic it gets there. */
  readonly deployedIn: readonly { readonly environment: string; readonly weight: number }[];
}

export interface ChangelogReport {
  readonly kind: 'changelog';
  readonly promptId: string;
  readonly generatedAt: string;
  readonly versions: readonly ChangelogEntry[];
}

export interface ChangelogInputs {
  readonly promptId: string;
  readonly prompt: PromptDetails;
  /** Newest first. */
  readonly versions: readonly VersionSummary[];
  /** The bump of each version, by version. */
  readonly bumps: Readonly<Record<string, BumpResult>>;
  readonly now: Date;
}

export async function collectChangelog(
  api: ReportApi,
  promptId: string,
  now: Date,
): Promise<ChangelogInputs> {
  const base = `/prompts/${segment(promptId)}`;
  const [prompt, versions] = await Promise.all([
    api.get<PromptDetails>(base),
    api.getAll<VersionSummary>(`${base}/versions`),
  ]);
  const details = await Promise.all(
    versions.map((v) => api.get<VersionDetails>(`${base}/versions/${segment(v.version)}`)),
  );
  return {
    promptId,
    prompt,
    versions,
    bumps: Object.fromEntries(details.map((d) => [d.version, d.bump])),
    now,
  };
}

function deployments(environments: Readonly<Record<string, Pin>>, version: string) {
  return Object.entries(environments).flatMap(([environment, pin]) =>
    pinVariants(pin)
      .filter((v) => v.version === version)
      .map((v) => ({ environment, weight: v.weight })),
  );
}

export function buildChangelog(inputs: ChangelogInputs): ChangelogReport {
  return {
    kind: 'changelog',
    promptId: inputs.promptId,
    generatedAt: inputs.now.toISOString(),
    versions: inputs.versions.map((v) => ({
      version: v.version,
      date: v.createdAt,
      author: v.createdBy,
      message: v.message,
      bump: inputs.bumps[v.version] ?? { level: 'none', reasons: [] },
      approvals: v.approvals,
      deployedIn: deployments(inputs.prompt.environments, v.version),
    })),
  };
}

/** Keep a Changelog's change types a bump reason belongs to. */
export function changeType(reason: string): 'Added' | 'Changed' | 'Removed' {
  if (/\bremoved\b/.test(reason)) return 'Removed';
  if (/\badded\b/.test(reason)) return 'Added';
  return 'Changed';
}

export function changelogDocument(report: ChangelogReport): ReportDocument {
  const sections = report.versions.map((entry): Section => {
    const byType = new Map<string, string[]>();
    for (const reason of entry.bump.reasons) {
      const type = changeType(reason);
      byType.set(type, [...(byType.get(type) ?? []), reason]);
    }
    const deployed = entry.deployedIn.map((d) =>
      d.weight === 100 ? d.environment : `${d.environment} (${d.weight}%)`,
    );
    return {
      heading: `[${entry.version}] - ${entry.date.slice(0, 10)}`,
      blocks: [
        ...(entry.message ? [paragraph(entry.message)] : []),
        list([
          `Author: ${entry.author}`,
          `Bump: ${entry.bump.level}`,
          `Approved by: ${entry.approvals.length === 0 ? 'nobody yet' : entry.approvals.map((a) => `${a.by} (${a.at.slice(0, 10)})`).join(', ')}`,
          `Deployed in: ${deployed.length === 0 ? 'no environment' : deployed.join(', ')}`,
        ]),
      ],
      sections: (['Added', 'Changed', 'Removed'] as const)
        .filter((type) => byType.has(type))
        .map((type) => ({ heading: type, blocks: [list(byType.get(type) ?? [])] })),
    };
  });
  return {
    title: `Changelog: ${report.promptId}`,
    summary: [
      `All notable changes of the prompt ${report.promptId}. The format is based on Keep a Changelog, and versions follow Semantic Versioning.`,
      `Generated ${report.generatedAt}.`,
    ],
    sections,
  };
}
