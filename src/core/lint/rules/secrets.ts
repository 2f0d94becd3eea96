import type { LintFinding, LintRule } from '../types.ts';

/** Shapes of credentials that must never ship inside a prompt. */
const SECRET_PATTERNS: readonly { readonly name: string; readonly pattern: RegExp }[] = [
  { name: 'private key block', pattern: /-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----/g },
  { name: 'AWS access key id', pattern: /\b(?:AKIA|ASIA|ABIA|ACCA)[0-9A-Z]{16}\b/g },
  {
    name: 'AWS secret access key',
    pattern: /(?:aws_?)?secret_?access_?key["']?\s*[:=]\s*["']?[A-Za-z0-9/+=]{40}(?![A-Za-z0-9/+=])/gi,
  },
  { name: 'GitHub token', pattern: /\b(?:gh[pousr]_[A-Za-z0-9]{36,255}|github_pat_[A-Za-z0-9_]{22,255})\b/g },
  { name: 'Slack token', pattern: /\bxox[abposr]-[A-Za-z0-9-]{10,}\b/g },
  { name: 'Slack webhook URL', pattern: /https:\/\/hooks\.slack\.com\/services\/[A-Za-z0-9/_-]{20,}/g },
  { name: 'Anthropic API key', pattern: /\bsk-ant-[A-Za-z0-9_-]{20,}/g },
  { name: 'OpenAI API key', pattern: /\bsk-(?!ant-)(?:proj-|svcacct-|admin-)?[A-Za-z0-9_-]{20,}/g },
  { name: 'Stripe secret key', pattern: /\b[rs]k_live_[A-Za-z0-9]{20,}\b/g },
  { name: 'Google API key', pattern: /\bAIza[0-9A-Za-z_-]{35}(?![0-9A-Za-z_-])/g },
  { name: 'JSON Web Token', pattern: /\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/g },
];

/** Enough of a secret to find it, never enough to use it. */
export function redactSecret(value: string): string {
  if (value.startsWith('-----BEGIN')) return value;
  if (value.length <= 8) return `${value.slice(0, 2)}… (${value.length} characters)`;
  return `${value.slice(0, 4)}…${value.slice(-2)} (${value.length} characters)`;
}

const RULE_ID = 'secrets';

/** Secret findings for raw text; also run on documents that do not parse. */
export function findSecrets(text: string): LintFinding[] {
  const findings: LintFinding[] = [];
  text.split('\n').forEach((line, i) => {
    for (const { name, pattern } of SECRET_PATTERNS) {
      for (const match of line.matchAll(pattern)) {
        findings.push({
          rule: RULE_ID,
          severity: 'error',
          message: `looks like a ${name}: ${redactSecret(match[0])}; remove it and pass secrets at run time, never in prompts`,
          line: i + 1,
        });
      }
    }
  });
  return findings;
}

export const secrets: LintRule = {
  id: RULE_ID,
  description: 'No credentials (AWS keys, private keys, API tokens) anywhere in the document.',
  check: ({ text }) => findSecrets(text),
};
