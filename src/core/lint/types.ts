import type { DocumentSourceMap, PromptDocument } from '../document.ts';
import type { Section } from '../sections.ts';
import type { TemplateScan } from '../template.ts';

export type Severity = 'error' | 'warning';

/** One lint finding. `line` is 1-based in the file; the message names the offending value. */
export interface LintFinding {
  readonly rule: string;
  readonly severity: Severity;
  readonly message: string;
  readonly line?: number;
}

export interface LintOptions {
  /** Sections a text prompt must have. @default ['role', 'instructions', 'output_format'] */
  readonly requiredSections?: readonly string[];
  /** Largest document in UTF-8 bytes. @default LIMITS.maxDocumentBytes (128 KiB) */
  readonly maxDocumentBytes?: number;
}

export interface ScannedSection {
  readonly section: Section;
  readonly headingLine: number;
  readonly scan: TemplateScan;
}

export interface LintContext {
  /** The source text with LF line endings. */
  readonly text: string;
  readonly document: PromptDocument;
  readonly source: DocumentSourceMap;
  readonly sections: readonly ScannedSection[];
  readonly options: Required<LintOptions>;
}

/** A lint rule: one file per rule under rules/, listed in rules/index.ts. */
export interface LintRule {
  readonly id: string;
  readonly description: string;
  check(context: LintContext): LintFinding[];
}
