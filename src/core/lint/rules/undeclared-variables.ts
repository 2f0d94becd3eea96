import type { LintFinding, LintRule } from '../types.ts';

export const undeclaredVariables: LintRule = {
  id: 'undeclared-variables',
  description: 'Every {{variable}} the body uses is declared under variables in the front matter.',
  check({ document, sections }) {
    const reported = new Set<string>();
    const findings: LintFinding[] = [];
    for (const { section, scan } of sections) {
      for (const tag of scan.tags) {
        if (tag.kind === 'close' || Object.hasOwn(document.variables, tag.name) || reported.has(tag.name))
          continue;
        reported.add(tag.name);
        findings.push({
          rule: this.id,
          severity: 'error',
          message: `variable "${tag.name}" is used in section "${section.name}" but not declared: add it under variables`,
          line: tag.line,
        });
      }
    }
    return findings;
  },
};
