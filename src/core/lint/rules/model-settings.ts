import type { LintFinding, LintRule } from '../types.ts';

const RANGES = [
  { key: 'temperature', min: 0, max: 2, integer: false },
  { key: 'topP', min: 0, max: 1, integer: false },
  { key: 'maxTokens', min: 1, max: Number.MAX_SAFE_INTEGER, integer: true },
] as const;

export const modelSettings: LintRule = {
  id: 'model-settings',
  description:
    'Model settings are in range: temperature 0 to 2, topP 0 to 1, maxTokens a positive whole number.',
  check({ document, source }) {
    const model = document.model;
    if (!model) return [];
    const findings: LintFinding[] = [];
    for (const { key, min, max, integer } of RANGES) {
      const value = model[key];
      if (value === undefined) continue;
      const ok =
        typeof value === 'number' && value >= min && value <= max && (!integer || Number.isInteger(value));
      if (ok) continue;
      const range = integer ? 'a positive whole number' : `from ${min} to ${max}`;
      findings.push({
        rule: this.id,
        severity: 'error',
        message: `model.${key} is ${JSON.stringify(value)}: it must be ${range}`,
        line: source.line(['model', key]),
      });
    }
    return findings;
  },
};
