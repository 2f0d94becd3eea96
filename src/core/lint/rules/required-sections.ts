import type { LintRule } from '../types.ts';

export const requiredSections: LintRule = {
  id: 'required-sections',
  description: 'A text prompt has every required section; a chat prompt has a system or user message.',
  check({ document, source, options }) {
    if (document.kind === 'chat') {
      const hasInput = document.sections.some((s) => s.name === 'system' || s.name === 'user');
      return hasInput
        ? []
        : [
            {
              rule: this.id,
              severity: 'error',
              message: 'a chat prompt needs a "## system" or "## user" message',
              line: source.bodyLine,
            },
          ];
    }
    const present = new Set(document.sections.map((s) => s.name));
    return options.requiredSections
      .filter((name) => !present.has(name))
      .map((name) => ({
        rule: this.id,
        severity: 'error' as const,
        message: `required section "## ${name}" is missing`,
        line: source.bodyLine,
      }));
  },
};
