import type { LintFinding, LintRule } from '../types.ts';

export const unusedVariables: LintRule = {
  id: 'unused-variables',
  description:
    'Every declared variable is used; an unused required one is an error, an unused optional one a warning.',
  check({ document, sections, source }) {
    const used = new Set(sections.flatMap(({ scan }) => scan.tags.map((t) => t.name)));
    const findings: LintFinding[] = [];
    for (const [name, spec] of Object.entries(document.variables)) {
      if (used.has(name)) continue;
      findings.push({
        rule: this.id,
        severity: spec.required ? 'error' : 'warning',
        message: spec.required
          ? `required variable "${name}" is never used in the body: use {{${name}}} or remove it`
          : `optional variable "${name}" is never used in the body`,
        line: source.line(['variables', name]),
      });
    }
    return findings;
  },
};
