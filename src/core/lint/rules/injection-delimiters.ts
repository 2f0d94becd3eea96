import { isDelimited, isFreeText, variablePlacements } from '../free-text.ts';
import type { LintFinding, LintRule } from '../types.ts';

/** In a chat prompt, the user and assistant messages are delimited by the message boundary itself. */
const OWN_MESSAGE_SECTIONS = ['user', 'assistant'];

export const injectionDelimiters: LintRule = {
  id: 'injection-delimiters',
  description:
    'A free-text variable placed as a block of its own (user text such as a ticket) sits inside a delimiter: an XML-style tag pair, a fenced block or triple quotes (warning).',
  check({ document, sections, source }) {
    const findings: LintFinding[] = [];
    sections.forEach((scanned, i) => {
      if (document.kind === 'chat' && OWN_MESSAGE_SECTIONS.includes(scanned.section.name)) return;
      const contentLine = source.sections[i]?.contentLine ?? scanned.headingLine + 1;
      for (const placement of variablePlacements(scanned, contentLine)) {
        if (!placement.standsAlone || !isFreeText(document, placement.name)) continue;
        if (isDelimited(scanned.section.content, placement.offset)) continue;
        findings.push({
          rule: this.id,
          severity: 'warning',
          message: `free-text variable "{{${placement.name}}}" in "## ${scanned.section.name}" is placed without a delimiter, so the model cannot tell its text from your instructions: wrap it, e.g. <${placement.name}>{{${placement.name}}}</${placement.name}> or a fenced block`,
          line: placement.line,
        });
      }
    });
    return findings;
  },
};
