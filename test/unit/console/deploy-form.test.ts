/** The deploy form's rules: the request it sends, what the confirmation says changes, and what it refuses. */
import { describe, expect, it } from 'vitest';
import { type DeployRow, emptyRow, validateDeployForm } from '../../../console/src/logic/deploy-form.ts';

const row = (promptId: string, version: string): DeployRow => ({ ...emptyRow(promptId), version });
const split = (promptId: string, ...variants: [string, string][]): DeployRow => ({
  ...emptyRow(promptId),
  mode: 'split',
  variants: variants.map(([version, weight]) => ({ version, weight })),
});
const base = {
  environment: 'staging',
  strategy: '',
  description: '',
  current: { 'support-reply': '1.0.0', other: '2.0.0' },
};

describe('validateDeployForm', () => {
  it('builds the deploy request and names each pin before and after', () => {
    const result = validateDeployForm({
      ...base,
      rows: [row('support-reply', '1.1.0'), row('new-prompt', '1.0.0')],
      strategy: ' Linear50PercentEvery30Seconds ',
      description: ' warmer tone ',
    });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.plan.request).toEqual({
      prompts: { 'support-reply': '1.1.0', 'new-prompt': '1.0.0' },
      strategy: 'Linear50PercentEvery30Seconds',
      description: 'warmer tone',
    });
    expect(result.plan.changes.map((c) => c.summary)).toEqual([
      'support-reply: 1.0.0 → 1.1.0',
      'new-prompt: not deployed → 1.0.0',
    ]);
  });

  it('sends an A/B split as variants with numeric weights', () => {
    const result = validateDeployForm({
      ...base,
      rows: [split('support-reply', ['1.0.0', '90'], ['1.1.0', '10'])],
    });
    expect(result.ok && result.plan.request.prompts).toEqual({
      'support-reply': {
        variants: [
          { version: '1.0.0', weight: 90 },
          { version: '1.1.0', weight: 10 },
        ],
      },
    });
    expect(result.ok && result.plan.changes[0]?.summary).toBe('support-reply: 1.0.0 → 1.0.0 90% / 1.1.0 10%');
  });

  it('leaves the strategy and description out when empty (the environment default applies)', () => {
    const result = validateDeployForm({ ...base, rows: [row('support-reply', '1.1.0')] });
    expect(result.ok && result.plan.request).toEqual({ prompts: { 'support-reply': '1.1.0' } });
  });

  it.each([
    ['no rows', [], 'rows', 'Add at least one prompt'],
    ['no prompt chosen', [row('', '')], 'rows.0.promptId', 'Choose a prompt'],
    [
      'no version chosen',
      [row('support-reply', '')],
      'rows.0.version',
      'Choose the version of support-reply',
    ],
    ['a prompt twice', [row('a', '1.0.0'), row('a', '1.1.0')], 'rows.1.promptId', 'a is listed twice'],
    ['weights not summing to 100', [split('a', ['1.0.0', '50'], ['1.1.0', '40'])], 'rows.0.variants', 'a: '],
    ['a weight that is no number', [split('a', ['1.0.0', 'x'], ['1.1.0', '10'])], 'rows.0.variants', 'a: '],
    [
      'the same version twice in a split',
      [split('a', ['1.0.0', '50'], ['1.0.0', '50'])],
      'rows.0.variants',
      'a: ',
    ],
  ])('refuses %s', (_case, rows, path, message) => {
    const result = validateDeployForm({ ...base, rows });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors.some((e) => e.path.startsWith(path) && e.message.includes(message))).toBe(true);
  });

  it('refuses a strategy name AppConfig could not have', () => {
    const result = validateDeployForm({
      ...base,
      rows: [row('support-reply', '1.1.0')],
      strategy: 'drop table;',
    });
    expect(result).toEqual({
      ok: false,
      errors: [
        { path: 'strategy', message: expect.stringContaining('"drop table;" is not a strategy name') },
      ],
    });
  });

  it('refuses a deployment that changes nothing, and lists unchanged rows beside real changes', () => {
    const none = validateDeployForm({ ...base, rows: [row('support-reply', '1.0.0')] });
    expect(none).toEqual({
      ok: false,
      errors: [{ path: 'rows', message: 'Nothing changes: staging already serves support-reply as chosen' }],
    });
    const some = validateDeployForm({
      ...base,
      rows: [row('support-reply', '1.0.0'), row('other', '2.1.0')],
    });
    expect(some.ok && some.plan.unchanged).toEqual(['support-reply']);
    expect(some.ok && some.plan.changes.map((c) => c.promptId)).toEqual(['other']);
  });
});
