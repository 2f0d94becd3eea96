import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../../../src/core/errors.ts';
import { EvalSuiteParseError } from '../../../../src/core/eval/errors.ts';
import { EVAL_LIMITS } from '../../../../src/core/eval/limits.ts';
import { parseEvalSuite, parseEvalSuiteWithSource } from '../../../../src/core/eval/suite.ts';
import { checkSuiteVariables, lintEvalSuite } from '../../../../src/core/eval/suite-variables.ts';
import { PROMPT } from './fixtures.ts';

const CONTRACT_SUITE = `description: Support reply regression suite
threshold: 0.9
provider: { type: bedrock, model: anthropic.claude-sonnet-4 }
tests:
  - description: refund request stays polite
    vars: { customer_name: Ana, tone: "calm" }
    assert:
      - { type: rendered-contains, value: Never promise refunds }
      - { type: icontains, value: sorry }
      - { type: not-regex, value: "refund (is )?approved" }
      - { type: is-json }
      - { type: latency, threshold: 8000 }
      - { type: cost, threshold: 0.002 }
      - { type: llm-rubric, value: Does not promise a refund }
`;

/** The issues of a suite that must not parse. */
function issuesOf(text: string, options = {}) {
  try {
    parseEvalSuite(text, options);
  } catch (error) {
    expect(error).toBeInstanceOf(EvalSuiteParseError);
    expect(error).toBeInstanceOf(ValidationError);
    return (error as EvalSuiteParseError).issues;
  }
  throw new Error('the suite parsed');
}

const suiteWith = (assertion: string) =>
  `tests:\n  - description: one\n    vars: { customer_name: Ana }\n    assert:\n      - ${assertion}\n`;

describe('parseEvalSuite', () => {
  it('parses the contract example', () => {
    const suite = parseEvalSuite(CONTRACT_SUITE);
    expect(suite).toMatchObject({
      description: 'Support reply regression suite',
      threshold: 0.9,
      provider: { type: 'bedrock', model: 'anthropic.claude-sonnet-4' },
    });
    expect(suite.tests).toHaveLength(1);
    expect(suite.tests[0]?.assert).toEqual([
      { type: 'rendered-contains', value: 'Never promise refunds' },
      { type: 'icontains', value: 'sorry' },
      { type: 'not-regex', value: 'refund (is )?approved' },
      { type: 'is-json' },
      { type: 'latency', threshold: 8000 },
      { type: 'cost', threshold: 0.002 },
      { type: 'llm-rubric', value: 'Does not promise a refund' },
    ]);
  });

  it('defaults the threshold to 1 and keeps numbers as text values', () => {
    const suite = parseEvalSuite(suiteWith('{ type: contains, value: 42 }'));
    expect(suite.threshold).toBe(1);
    expect(suite.tests[0]?.assert[0]).toEqual({ type: 'contains', value: '42' });
    expect(suite.provider).toBeUndefined();
  });

  it('accepts the promptfoo provider shorthand', () => {
    expect(parseEvalSuite(`provider: echo\n${suiteWith('{ type: is-json }')}`).provider).toEqual({
      type: 'echo',
    });
    expect(
      parseEvalSuite(`provider: "openai:gpt-4o-mini"\n${suiteWith('{ type: is-json }')}`).provider,
    ).toEqual({
      type: 'openai',
      model: 'gpt-4o-mini',
    });
  });

  it('reports YAML that does not parse with its line', () => {
    const issues = issuesOf('tests:\n  - vars: { a: 1\n    assert: []\n');
    expect(issues[0]).toMatchObject({ path: 'suite', message: expect.stringMatching(/^YAML: /) });
    expect(issues[0]?.line).toBeGreaterThanOrEqual(2);
    expect(issuesOf('a: 1\na: 2\ntests: []\n')[0]).toMatchObject({
      line: 2,
      message: expect.stringContaining('YAML'),
    });
  });

  it('refuses a suite that is not a mapping or has no tests', () => {
    expect(issuesOf('- a\n- b\n')[0]?.message).toMatch(/must be a YAML mapping/);
    expect(issuesOf('description: x\n')[0]).toMatchObject({
      path: 'tests',
      message: expect.stringMatching(/needs "tests"/),
    });
  });

  it('reports an unknown assertion type with its line and the known types', () => {
    const [issue] = issuesOf(suiteWith('{ type: contains-any, value: x }'));
    expect(issue).toEqual({
      path: 'tests.0.assert.0.type',
      line: 5,
      message: expect.stringContaining(
        'test 1: unknown assertion type "contains-any": use one of equals, contains',
      ),
    });
  });

  it.each([
    'regex',
    'not-regex',
    'rendered-regex',
    'not-rendered-regex',
  ])('reports a %s that does not compile', (type) => {
    const [issue] = issuesOf(suiteWith(`{ type: ${type}, value: "refund (" }`));
    expect(issue).toMatchObject({ path: 'tests.0.assert.0.value', line: 5 });
    expect(issue?.message).toContain(`the ${type} pattern "refund (" does not compile`);
  });

  it('reports a regex longer than the limit', () => {
    const [issue] = issuesOf(
      suiteWith(`{ type: regex, value: "${'a'.repeat(EVAL_LIMITS.maxRegexLength + 1)}" }`),
    );
    expect(issue?.message).toContain(`longer than ${EVAL_LIMITS.maxRegexLength} characters`);
  });

  it.each([1.5, -0.1, '"high"'])('reports a suite threshold of %s outside 0..1 with its line', (value) => {
    const [issue] = issuesOf(`description: x\nthreshold: ${value}\n${suiteWith('{ type: is-json }')}`);
    expect(issue).toMatchObject({
      path: 'threshold',
      line: 2,
      message: expect.stringContaining('from 0 to 1'),
    });
  });

  it('reports an llm-rubric threshold outside 0..1, and latency or cost without a threshold', () => {
    expect(issuesOf(suiteWith('{ type: llm-rubric, value: polite, threshold: 2 }'))[0]).toMatchObject({
      path: 'tests.0.assert.0.threshold',
      line: 5,
      message: expect.stringContaining('score from 0 to 1'),
    });
    expect(issuesOf(suiteWith('{ type: latency }'))[0]?.message).toContain(
      'latency needs a threshold in milliseconds',
    );
    expect(issuesOf(suiteWith('{ type: cost, threshold: -1 }'))[0]?.message).toContain('US dollars');
    expect(issuesOf(suiteWith('{ type: contains, value: x, threshold: 0.5 }'))[0]?.message).toContain(
      'contains takes no threshold',
    );
  });

  it('reports missing and misplaced values', () => {
    expect(issuesOf(suiteWith('{ type: contains }'))[0]?.message).toContain('contains needs a value');
    expect(issuesOf(suiteWith('{ type: is-json, value: { type: object } }'))[0]?.message).toContain(
      'takes no value',
    );
    expect(issuesOf(suiteWith('{ type: llm-rubric, value: "" }'))[0]?.message).toContain(
      'needs a non-empty value',
    );
  });

  it('refuses more tests than the per-suite limit, naming the count and the limit', () => {
    const test = '  - { vars: { customer_name: A }, assert: [{ type: is-json }] }\n';
    const text = `description: big\ntests:\n${test.repeat(10_000)}`;
    const [issue] = issuesOf(text);
    expect(issue).toMatchObject({ path: 'tests', line: 3 });
    expect(issue?.message).toContain(
      `10000 tests, over the limit of ${EVAL_LIMITS.maxTestsPerSuite} per suite`,
    );
    expect(issuesOf(`tests:\n${test.repeat(3)}`, { maxTests: 2 })[0]?.message).toContain(
      'over the limit of 2',
    );
  });

  it('refuses a suite over the byte limit before parsing it', () => {
    const [issue] = issuesOf(`description: "${'x'.repeat(EVAL_LIMITS.maxSuiteBytes)}"\n`);
    expect(issue).toMatchObject({ line: 1, message: expect.stringContaining('-byte limit') });
  });

  it.each([
    ['ftp://example.com/v1', 'must be an http:// or https:// URL'],
    ['not a url', 'must be an http:// or https:// URL'],
    ['file:///etc/passwd', 'must be an http:// or https:// URL'],
    ['https://user:secret@example.com/v1', 'may not hold a user or password'],
  ])('reports a provider baseUrl %s', (baseUrl, message) => {
    const [issue] = issuesOf(
      `provider:\n  type: openai\n  model: m\n  baseUrl: "${baseUrl}"\n${suiteWith('{ type: is-json }')}`,
    );
    expect(issue).toMatchObject({
      path: 'provider.baseUrl',
      line: 4,
      message: expect.stringContaining(message),
    });
  });

  it('accepts an http and an https baseUrl', () => {
    for (const baseUrl of ['http://localhost:11434/v1', 'https://api.example.com/v1']) {
      const suite = parseEvalSuite(
        `provider: { type: openai, model: m, baseUrl: "${baseUrl}", apiKeyEnv: MY_KEY }\n${suiteWith('{ type: is-json }')}`,
      );
      expect(suite.provider).toEqual({ type: 'openai', model: 'm', baseUrl, apiKeyEnv: 'MY_KEY' });
    }
  });

  it('reports provider problems: unknown type, baseUrl on bedrock, an AWS_ key variable, bad settings', () => {
    const issues = (provider: string) => issuesOf(`provider: ${provider}\n${suiteWith('{ type: is-json }')}`);
    expect(issues('{ type: anthropic }')[0]?.message).toContain(
      'provider.type must be one of bedrock, openai, echo',
    );
    expect(issues('{ type: bedrock, baseUrl: "https://x" }')[0]?.message).toContain(
      'applies to the openai provider only',
    );
    expect(issues('{ type: openai, apiKeyEnv: AWS_SECRET_ACCESS_KEY }')[0]?.message).toContain(
      'may not name an AWS_',
    );
    expect(issues('{ type: openai, apiKeyEnv: "my key" }')[0]?.message).toContain(
      'must name an environment variable',
    );
    expect(issues('{ type: bedrock, temperature: hot }')[0]?.message).toContain(
      'temperature must be a number',
    );
    expect(issues('{ type: bedrock, maxTokens: 1.5 }')[0]?.message).toContain(
      'maxTokens must be a whole number',
    );
    expect(
      parseEvalSuite(`judge: { type: bedrock, model: j }\n${suiteWith('{ type: is-json }')}`).judge,
    ).toEqual({
      type: 'bedrock',
      model: 'j',
    });
  });

  it('reports unknown keys at every level, on the line of the key, with promptfoo hints', () => {
    const text = [
      'providers: [echo]', // 1
      'provider: { type: echo, region: us-east-1 }', // 2
      'tests:', // 3
      '  - description: one', // 4
      '    weight: 2', // 5
      '    vars: { customer_name: Ana }', // 6
      '    assert:', // 7
      '      - { type: is-json, metric: m }', // 8
    ].join('\n');
    expect(issuesOf(text)).toEqual([
      {
        path: 'providers',
        line: 1,
        message: 'unknown key "providers": use one "provider" (the run can override it)',
      },
      {
        path: 'provider.region',
        line: 2,
        message: expect.stringContaining('unknown key "region" in provider'),
      },
      {
        path: 'tests.0.weight',
        line: 5,
        message: expect.stringContaining('allowed keys are description, vars, assert'),
      },
      {
        path: 'tests.0.assert.0.metric',
        line: 8,
        message: expect.stringContaining('allowed keys are type, value, threshold'),
      },
    ]);
  });

  it('reports a test without assertions and vars that are not scalars', () => {
    expect(issuesOf('tests:\n  - vars: { a: 1 }\n')[0]?.message).toContain('test 1 needs "assert"');
    const [issue] = issuesOf('tests:\n  - vars:\n      a: [1, 2]\n    assert: [{ type: is-json }]\n');
    expect(issue).toMatchObject({ path: 'tests.0.vars.a', line: 3 });
  });

  it('gives the line of any path through the source map', () => {
    const { source } = parseEvalSuiteWithSource(CONTRACT_SUITE);
    expect(source.line(['tests', 0, 'vars', 'customer_name'])).toBe(6);
    expect(source.line(['tests', 0, 'assert', 4])).toBe(12);
    expect(source.line(['tests', 0, 'nothing'])).toBe(5);
  });
});

describe('checkSuiteVariables', () => {
  const parsed = (tests: string) => parseEvalSuiteWithSource(`tests:\n${tests}`);

  it('finds nothing when every test gives the required variables and only declared ones', () => {
    expect(checkSuiteVariables(parseEvalSuiteWithSource(CONTRACT_SUITE), PROMPT)).toEqual([]);
  });

  it('reports an unknown variable, naming the test and the variable, on its line', () => {
    const findings = checkSuiteVariables(
      parsed(
        '  - description: refund\n    vars: { customer_name: Ana, ticket: x }\n    assert: [{ type: is-json }]\n',
      ),
      PROMPT,
    );
    expect(findings).toEqual([
      {
        rule: 'eval-suite-variables',
        severity: 'error',
        line: 3,
        message:
          'test 1 "refund" sets variable "ticket", which prompt "support-reply" does not declare (it declares "count", "customer_name", "tone")',
      },
    ]);
  });

  it('reports a missing required variable, and a value of the wrong type', () => {
    const findings = checkSuiteVariables(
      parsed(
        '  - vars: { customer_name: Ana }\n    assert: [{ type: is-json }]\n  - vars: { tone: calm, count: 1.5 }\n    assert: [{ type: is-json }]\n',
      ),
      PROMPT,
    );
    expect(findings).toEqual([
      expect.objectContaining({
        line: 4,
        message: 'test 2 sets variable "count" to 1.5, but it is a integer',
      }),
      expect.objectContaining({
        line: 4,
        message: 'test 2 does not set required variable "customer_name" of prompt "support-reply"',
      }),
    ]);
  });

  it('reports a __proto__ var as an unknown variable, not as a prototype', () => {
    const findings = checkSuiteVariables(
      parsed('  - vars: { customer_name: Ana, __proto__: x }\n    assert: [{ type: is-json }]\n'),
      PROMPT,
    );
    expect(findings.map((f) => f.message)).toEqual([expect.stringContaining('sets variable "__proto__"')]);
  });

  it('lintEvalSuite returns syntax and variable findings without throwing', () => {
    const bad = lintEvalSuite(
      'tests:\n  - vars: { customer_name: Ana }\n    assert: [{ type: nope }]\n',
      PROMPT,
    );
    expect(bad.ok).toBe(false);
    expect(bad.findings[0]).toMatchObject({ rule: 'eval-suite-syntax', line: 3 });
    expect(bad.suite).toBeUndefined();
    const unknownVar = lintEvalSuite(
      'tests:\n  - vars: { name: Ana }\n    assert: [{ type: is-json }]\n',
      PROMPT,
    );
    expect(unknownVar.findings.map((f) => f.rule)).toEqual(['eval-suite-variables', 'eval-suite-variables']);
    expect(lintEvalSuite(CONTRACT_SUITE, PROMPT)).toMatchObject({ ok: true, findings: [] });
  });
});
