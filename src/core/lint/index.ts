/**
 * Lints a prompt document. Returns data and never throws: a document that does not parse yields
 * `document-syntax` findings with their lines.
 */
import { LIMITS } from '../contracts.ts';
import { type PromptDocument, parsePromptDocumentWithSource } from '../document.ts';
import { DocumentParseError } from '../errors.ts';
import { sha256Hex } from '../hash.ts';
import { scanTemplate } from '../template.ts';
import { LINT_RULES } from './rules/index.ts';
import { findSecrets } from './rules/secrets.ts';
import type { LintContext, LintFinding, LintOptions } from './types.ts';

export { LINT_RULES } from './rules/index.ts';
export { findSecrets, redactSecret } from './rules/secrets.ts';
export type { LintContext, LintFinding, LintOptions, LintRule, Severity } from './types.ts';

export const DEFAULT_REQUIRED_SECTIONS: readonly string[] = ['role', 'instructions', 'output_format'];

/**
 * Raise when a rule changes what it finds without changing its id (a new pattern, an error that was
 * a warning): every recorded lint stamp then goes stale and deploy lints those versions again.
 */
const LINT_RULES_REVISION = 1;

/**
 * What a version's lint with the default options was checked against: the revision above, the rule
 * ids and the default options. Publish records it on the version item (`lintedWith`), and deploy
 * skips the lint of a version whose stamp is this one (docs/architecture.md, "Ten thousand
 * prompts"), so adding, removing or renaming a rule, or changing a default, re-lints by itself.
 */
export const LINT_STAMP = `${LINT_RULES_REVISION}-${sha256Hex(
  JSON.stringify({
    rules: LINT_RULES.map((rule) => rule.id),
    requiredSections: DEFAULT_REQUIRED_SECTIONS,
    maxDocumentBytes: LIMITS.maxDocumentBytes,
  }),
).slice(0, 12)}`;

export interface LintResult {
  readonly findings: readonly LintFinding[];
  readonly errorCount: number;
  readonly warningCount: number;
  /** True when there are no errors (warnings allowed). */
  readonly ok: boolean;
  /** The parsed document, when it parsed. */
  readonly document?: PromptDocument;
}

export function lintDocument(text: string, options: LintOptions = {}): LintResult {
  const normalized = text.replace(/^\uFEFF/, '').replace(/\r\n?/g, '\n');
  const resolved: Required<LintOptions> = {
    requiredSections: options.requiredSections ?? DEFAULT_REQUIRED_SECTIONS,
    maxDocumentBytes: options.maxDocumentBytes ?? LIMITS.maxDocumentBytes,
  };

  let parsed: ReturnType<typeof parsePromptDocumentWithSource>;
  try {
    parsed = parsePromptDocumentWithSource(normalized);
  } catch (error) {
    if (!(error instanceof DocumentParseError)) throw error;
    const findings: LintFinding[] = error.issues.map((issue) => ({
      rule: 'document-syntax',
      severity: 'error',
      message: issue.message,
      line: issue.line,
    }));
    return summarize([...findings, ...findSecrets(normalized)]);
  }

  const context: LintContext = {
    text: normalized,
    document: parsed.document,
    source: parsed.source,
    sections: parsed.document.sections.map((section, i) => {
      const position = parsed.source.sections[i];
      return {
        section,
        headingLine: position?.headingLine ?? 1,
        scan: scanTemplate(section.content, position?.contentLine ?? 1),
      };
    }),
    options: resolved,
  };
  const findings = LINT_RULES.flatMap((rule) => rule.check(context));
  return summarize(findings, parsed.document);
}

function summarize(findings: LintFinding[], document?: PromptDocument): LintResult {
  const sorted = findings
    .map((finding, index) => ({ finding, index }))
    .sort((a, b) => (a.finding.line ?? 0) - (b.finding.line ?? 0) || a.index - b.index)
    .map(({ finding }) => finding);
  const errorCount = sorted.filter((f) => f.severity === 'error').length;
  return {
    findings: sorted,
    errorCount,
    warningCount: sorted.length - errorCount,
    ok: errorCount === 0,
    ...(document ? { document } : {}),
  };
}
