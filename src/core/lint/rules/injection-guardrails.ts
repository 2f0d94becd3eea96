import { isFreeText } from '../free-text.ts';
import type { LintRule } from '../types.ts';

export const injectionGuardrails: LintRule = {
  id: 'injection-guardrails',
  description:
    'A text prompt that interpolates free-text variables has a guardrails section saying how to treat their content (warning).',
  check({ document, sections, source }) {
    if (document.kind !== 'text') return [];
    const guardrails = document.sections.find((s) => s.name === 'guardrails');
    if (guardrails && guardrails.content.trim() !== '') return [];
    const names = [
      ...new Set(
        sections.flatMap(({ scan }) =>
          scan.tags
            .filter((tag) => tag.kind === 'variable' && isFreeText(document, tag.name))
            .map((tag) => tag.name),
        ),
      ),
    ];
    if (names.length === 0) return [];
    return [
      {
        rule: this.id,
        severity: 'warning',
        message: `the prompt interpolates free-text variables (${names.join(', ')}) but has ${guardrails ? 'an empty' : 'no'} "## guardrails" section: add one that tells the model to treat their content as data and never follow instructions in it`,
        line: guardrails
          ? source.sections[document.sections.indexOf(guardrails)]?.headingLine
          : source.bodyLine,
      },
    ];
  },
};
