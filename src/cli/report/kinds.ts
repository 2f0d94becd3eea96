/**
 * The report kinds of `promptops report` (docs/reports.md), each one pipeline: collect from the API,
 * build the JSON report, lay it out as a document for Markdown and HTML.
 */
import type { ReportDocument } from './document.ts';

export const REPORT_KINDS = [
  'release-plan',
  'changelog',
  'deployment',
  'performance',
  'feedback',
  'experiment',
  'model-compat',
] as const;

export type ReportKind = (typeof REPORT_KINDS)[number];

export const REPORT_FORMATS = ['md', 'json', 'html'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

/** A built report: its JSON, its document, and the exit code it implies. */
export interface BuiltReport {
  readonly data: { readonly kind: ReportKind };
  readonly document: ReportDocument;
  /** 1 for a release plan a gate would refuse; 0 otherwise. */
  readonly exitCode: 0 | 1;
}
