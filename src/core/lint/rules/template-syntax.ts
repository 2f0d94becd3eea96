import type { LintFinding, LintRule } from '../types.ts';

export const templateSyntax: LintRule = {
  id: 'template-syntax',
  description: 'Section tags are balanced; "{{" that is not a tag is flagged because it renders literally.',
  check({ sections }) {
    const findings: LintFinding[] = [];
    for (const { section, scan } of sections) {
      for (const error of scan.errors) {
        findings.push({
          rule: this.id,
          severity: 'error',
          message: `in section "${section.name}": ${error.message}`,
          line: error.line,
        });
      }
      for (const line of scan.strayBraceLines) {
        findings.push({
          rule: this.id,
          severity: 'warning',
          message: `in section "${section.name}": "{{" is not a valid tag and renders literally; tags look like {{name}}, {{#name}}, {{^name}}, {{/name}}`,
          line,
        });
      }
    }
    return findings;
  },
};
