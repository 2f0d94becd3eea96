import { describe, expect, it } from 'vitest';
import { LINT_RULES, lintDocument, redactSecret } from '../../../src/core/lint/index.ts';
import { documentText, EXAMPLE_TEXT } from '../../fixtures/documents.ts';

const FRONT = 'id: support-reply\nvariables:\n  name: {}';
const BODY = '## role\nR\n## instructions\nHello {{name}}\n## output_format\nText\n';
const doc = (front = FRONT, body = BODY) => documentText(front, body);

function only(text: string, rule: string) {
  return lintDocument(text).findings.filter((f) => f.rule === rule);
}

describe('lintDocument', () => {
  it('passes the contract example with no errors, warning only that the ticket has no delimiter', () => {
    const result = lintDocument(EXAMPLE_TEXT);
    expect(result.findings).toEqual([
      {
        rule: 'injection-delimiters',
        severity: 'warning',
        message: expect.stringContaining('{{ticket}}'),
        line: 18,
      },
    ]);
    expect(result.ok).toBe(true);
    expect(result.document?.id).toBe('support-reply');
  });

  it('has one rule per file, each with an id and a description', () => {
    expect(LINT_RULES.map((r) => r.id)).toEqual([
      'required-sections',
      'template-syntax',
      'undeclared-variables',
      'unused-variables',
      'document-size',
      'model-settings',
      'secrets',
      'injection-role-variable',
      'injection-guardrails',
      'injection-delimiters',
      'injection-instructions',
    ]);
    for (const rule of LINT_RULES) expect(rule.description.length).toBeGreaterThan(10);
  });

  it('returns parse problems as document-syntax findings instead of throwing', () => {
    const result = lintDocument('---\nid: Bad Id\n---\n## role\nx\n');
    expect(result.ok).toBe(false);
    expect(result.findings).toEqual([
      { rule: 'document-syntax', severity: 'error', message: expect.stringContaining('"Bad Id"'), line: 2 },
    ]);
    expect(result.document).toBeUndefined();
  });

  it('still finds secrets in a document that does not parse', () => {
    const result = lintDocument('no front matter\nkey AKIAIOSFODNN7EXAMPLE\n');
    expect(result.findings.map((f) => f.rule)).toEqual(['document-syntax', 'secrets']);
  });

  describe('required-sections', () => {
    it('reports each missing required section', () => {
      const findings = only(doc(FRONT, '## instructions\n{{name}}\n'), 'required-sections');
      expect(findings.map((f) => f.message)).toEqual([
        'required section "## role" is missing',
        'required section "## output_format" is missing',
      ]);
      expect(findings[0]).toMatchObject({ severity: 'error', line: 6 });
    });

    it('is configurable', () => {
      const result = lintDocument(doc(FRONT, '## instructions\n{{name}}\n'), {
        requiredSections: ['instructions'],
      });
      expect(result.ok).toBe(true);
    });

    it('asks chat prompts for a system or user message', () => {
      expect(only(doc(FRONT, '## assistant\n{{name}}\n'), 'required-sections')[0]?.message).toMatch(
        /system" or "## user/,
      );
      expect(only(doc(FRONT, '## user\n{{name}}\n'), 'required-sections')).toEqual([]);
    });
  });

  describe('variables', () => {
    it('reports a used variable that is not declared, at its line', () => {
      const findings = only(
        doc(
          FRONT,
          '## role\nR\n## instructions\n{{name}}\nTicket: {{ticket}} {{ticket}}\n## output_format\nT\n',
        ),
        'undeclared-variables',
      );
      expect(findings).toEqual([
        {
          rule: 'undeclared-variables',
          severity: 'error',
          message:
            'variable "ticket" is used in section "instructions" but not declared: add it under variables',
          line: 10,
        },
      ]);
    });

    it('counts section tags as uses', () => {
      expect(
        only(
          doc(FRONT, '## role\nR\n## instructions\n{{#flag}}x{{/flag}} {{name}}\n## output_format\nT\n'),
          'undeclared-variables',
        )[0]?.message,
      ).toContain('"flag"');
    });

    it('reports an unused required variable as an error and an unused optional one as a warning', () => {
      const findings = only(doc(`${FRONT}\n  extra: {}\n  hint: { required: false }`), 'unused-variables');
      expect(findings).toEqual([
        {
          rule: 'unused-variables',
          severity: 'error',
          message: expect.stringContaining('required variable "extra" is never used'),
          line: 5,
        },
        {
          rule: 'unused-variables',
          severity: 'warning',
          message: 'optional variable "hint" is never used in the body',
          line: 6,
        },
      ]);
    });
  });

  describe('template-syntax', () => {
    it('reports unbalanced sections as errors with lines', () => {
      const findings = only(
        doc(FRONT, '## role\nR\n## instructions\n{{#name}}\nx\n## output_format\nT\n'),
        'template-syntax',
      );
      expect(findings).toEqual([
        {
          rule: 'template-syntax',
          severity: 'error',
          message: 'in section "instructions": {{#name}} is never closed: add {{/name}}',
          line: 9,
        },
      ]);
    });

    it('warns about braces that are not tags', () => {
      const result = lintDocument(
        doc(FRONT, '## role\nR\n## instructions\n{{name}} {{ not a tag }}\n## output_format\nT\n'),
      );
      expect(result.ok).toBe(true);
      expect(result.findings.filter((f) => f.rule === 'template-syntax')).toMatchObject([
        { rule: 'template-syntax', severity: 'warning', line: 9 },
      ]);
    });
  });

  describe('document-size', () => {
    it('rejects documents over the limit', () => {
      const findings = only(doc(FRONT, `${BODY}## context\n${'x'.repeat(200)}\n`), 'document-size');
      expect(findings).toEqual([]);
      const big = lintDocument(doc(FRONT, `${BODY}## context\n${'x'.repeat(200)}\n`), {
        maxDocumentBytes: 100,
      });
      expect(big.findings.find((f) => f.rule === 'document-size')?.message).toMatch(
        /is \d+ bytes, over the 100-byte limit/,
      );
    });
  });

  describe('model-settings', () => {
    it.each([
      ['temperature: 2.5', 'model.temperature is 2.5: it must be from 0 to 2'],
      ['temperature: -1', 'model.temperature is -1: it must be from 0 to 2'],
      ['topP: 1.5', 'model.topP is 1.5: it must be from 0 to 1'],
      ['maxTokens: 0', 'model.maxTokens is 0: it must be a positive whole number'],
      ['maxTokens: -5', 'model.maxTokens is -5: it must be a positive whole number'],
    ])('rejects %s', (setting, message) => {
      const findings = only(doc(`${FRONT}\nmodel:\n  ${setting}`), 'model-settings');
      expect(findings).toEqual([{ rule: 'model-settings', severity: 'error', message, line: 6 }]);
    });

    it('accepts the edges of each range', () => {
      expect(
        only(doc(`${FRONT}\nmodel: { temperature: 0, topP: 1, maxTokens: 1 }`), 'model-settings'),
      ).toEqual([]);
      expect(only(doc(`${FRONT}\nmodel: { temperature: 2 }`), 'model-settings')).toEqual([]);
    });
  });

  describe('secrets', () => {
    it.each([
      ['AWS access key id', 'AKIAIOSFODNN7EXAMPLE'],
      ['AWS secret access key', 'aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY'],
      ['private key block', '-----BEGIN RSA PRIVATE KEY-----'],
      ['private key block', '-----BEGIN OPENSSH PRIVATE KEY-----'],
      ['private key block', '-----BEGIN PRIVATE KEY-----'],
      ['GitHub token', `ghp_${'a1B2'.repeat(9)}`],
      ['Slack token', 'xoxb-1234567890-abcdefghij'],
      ['OpenAI API key', `sk-proj-${'Ab3'.repeat(10)}`],
      ['Anthropic API key', `sk-ant-api03-${'Xy9'.repeat(10)}`],
      ['Stripe secret key', `sk_live_${'4eC39HqLyjWDarjtT1zdp7dc'}`],
      ['Google API key', `AIza${'Sy'.repeat(17)}A`],
    ])('finds a %s and never prints it whole', (name, secret) => {
      const findings = only(doc(FRONT, `${BODY}## context\nUse ${secret} here.\n`), 'secrets');
      expect(findings).toHaveLength(1);
      expect(findings[0]).toMatchObject({ severity: 'error', line: 13 });
      expect(findings[0]?.message).toContain(`looks like a ${name}`);
      if (!secret.startsWith('-----')) expect(findings[0]?.message).not.toContain(secret);
    });

    it('scans the front matter too', () => {
      const findings = only(doc(`${FRONT}\ndescription: key AKIAIOSFODNN7EXAMPLE`), 'secrets');
      expect(findings).toMatchObject([{ line: 5 }]);
    });

    it('does not flag ordinary text', () => {
      expect(
        only(
          doc(FRONT, `${BODY}## context\nThe AKIA prefix, sk-short, a task-list and ghp_ alone are fine.\n`),
          'secrets',
        ),
      ).toEqual([]);
    });

    it('redacts what it shows', () => {
      expect(redactSecret('AKIAIOSFODNN7EXAMPLE')).toBe('AKIA…LE (20 characters)');
    });
  });

  it('sorts findings by line', () => {
    const result = lintDocument(
      doc(`${FRONT}\n  unused: {}\nmodel: { temperature: 9 }`, '## instructions\n{{name}} {{undeclared}}\n'),
    );
    const lines = result.findings.map((f) => f.line ?? 0);
    expect(lines).toEqual([...lines].sort((a, b) => a - b));
    expect(result.errorCount).toBe(result.findings.filter((f) => f.severity === 'error').length);
    expect(result.errorCount).toBeGreaterThanOrEqual(4);
  });
});
