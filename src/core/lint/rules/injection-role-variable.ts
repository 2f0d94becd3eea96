import { isFreeText, variablePlacements } from '../free-text.ts';
import type { LintFinding, LintRule } from '../types.ts';

/** The sections whose text the model treats with the most authority. */
const AUTHORITY_SECTIONS = ['role', 'system'];

export const injectionRoleVariable: LintRule = {
  id: 'injection-role-variable',
  description:
    "No free-text variable in the role or system section, where a value holding instructions would speak with the prompt's own authority (warning).",
  check({ document, sections, source }) {
    const findings: LintFinding[] = [];
    sections.forEach((scanned, i) => {
      if (!AUTHORITY_SECTIONS.includes(scanned.section.name)) return;
      const contentLine = source.sections[i]?.contentLine ?? scanned.headingLine + 1;
      for (const placement of variablePlacements(scanned, contentLine)) {
        if (!isFreeText(document, placement.name)) continue;
        findings.push({
          rule: this.id,
          severity: 'warning',
          message: `free-text variable "{{${placement.name}}}" in the "## ${scanned.section.name}" section: text there carries the prompt's own authority, so a value holding instructions can take the prompt over; move it to a delimited block in a later section (or the user message), or declare it as a number, integer or boolean if it is one`,
          line: placement.line,
        });
      }
    });
    return findings;
  },
};
