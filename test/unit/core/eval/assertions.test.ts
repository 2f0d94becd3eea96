import { describe, expect, it } from 'vitest';
import {
  ASSERTION_TYPES,
  ASSERTIONS,
  type AssertionContext,
  NOT_GRADABLE_WITH_ECHO,
} from '../../../../src/core/eval/assertions/index.ts';
import type { JudgeVerdict } from '../../../../src/core/eval/judge.ts';
import type { AssertionSpec } from '../../../../src/core/eval/suite.ts';

const context = (overrides: Partial<AssertionContext> = {}): AssertionContext => ({
  rendered: 'You are a support agent. Never promise refunds.',
  output: 'Sorry, Ana: here is {"status": "ok"} for you',
  providerType: 'bedrock',
  latencyMs: 120,
  costUsd: 0.001,
  ...overrides,
});

async function check(type: string, spec: Omit<AssertionSpec, 'type'>, ctx: AssertionContext = context()) {
  const definition = ASSERTIONS.get(type);
  if (!definition) throw new Error(`no ${type}`);
  return definition.evaluate({ type, ...spec }, ctx);
}

/** type, a spec that passes on `context()`, one that fails. */
const TEXT_CASES: readonly [
  string,
  Omit<AssertionSpec, 'type'>,
  Omit<AssertionSpec, 'type'>,
  AssertionContext?,
][] = [
  ['equals', { value: 'exact' }, { value: 'Exact' }, context({ output: 'exact' })],
  ['contains', { value: 'Sorry' }, { value: 'sorry' }],
  ['icontains', { value: 'SORRY' }, { value: 'apology' }],
  ['starts-with', { value: 'Sorry,' }, { value: 'Hello' }],
  ['regex', { value: 'S[a-z]+y' }, { value: '^refund' }],
  ['is-json', {}, {}, context({ output: ' {"a": [1, 2]}\n' })],
  ['contains-json', {}, {}],
  ['rendered-contains', { value: 'Never promise refunds' }, { value: 'Always promise' }],
  ['rendered-regex', { value: 'promise\\s+refunds' }, { value: '^Hello' }],
];

describe('assertions', () => {
  it('has every contract type and the not- form of each text assertion', () => {
    expect(ASSERTION_TYPES).toEqual([
      'equals',
      'contains',
      'icontains',
      'starts-with',
      'regex',
      'is-json',
      'contains-json',
      'latency',
      'cost',
      'llm-rubric',
      'rendered-contains',
      'rendered-regex',
      'not-equals',
      'not-contains',
      'not-icontains',
      'not-starts-with',
      'not-regex',
      'not-is-json',
      'not-contains-json',
      'not-rendered-contains',
      'not-rendered-regex',
    ]);
    for (const definition of ASSERTIONS.values()) expect(definition.description.length).toBeGreaterThan(10);
    expect(ASSERTIONS.get('rendered-contains')?.input).toBe('rendered');
    expect(ASSERTIONS.get('not-rendered-regex')?.input).toBe('rendered');
    expect(ASSERTIONS.get('contains')?.input).toBe('output');
  });

  describe.each(TEXT_CASES)('%s', (type, passing, failing, ctx = context()) => {
    // is-json and contains-json take no value: their failing case is a text without JSON.
    const failingContext = type.includes('json') ? context({ output: 'no json {here' }) : ctx;

    it('passes and fails, with a reason and a 1/0 score', async () => {
      const pass = await check(type, passing, ctx);
      expect(pass).toMatchObject({ passed: true, score: 1 });
      expect(pass.reason.length).toBeGreaterThan(5);
      const fail = await check(type, failing, failingContext);
      expect(fail).toMatchObject({ passed: false, score: 0 });
      expect(fail.reason.length).toBeGreaterThan(5);
    });

    it(`not-${type} inverts it and keeps the reason`, async () => {
      const pass = await check(type, passing, ctx);
      const notPass = await check(`not-${type}`, passing, ctx);
      expect(notPass).toEqual({ passed: false, score: 0, reason: pass.reason });
      const notFail = await check(`not-${type}`, failing, failingContext);
      expect(notFail).toMatchObject({ passed: true, score: 1 });
    });
  });

  it('reasons name the value and read as facts', async () => {
    expect((await check('contains', { value: 'sorry' })).reason).toBe('output does not contain "sorry"');
    expect((await check('not-contains', { value: 'Sorry' })).reason).toBe('output contains "Sorry"');
    expect((await check('is-json', {})).reason).toMatch(/is not valid JSON/);
  });

  it('contains-json finds JSON in prose and code fences, skipping braces that are not JSON', async () => {
    const fenced = context({ output: 'Here {name} is:\n```json\n{"a": "}", "b": [1]}\n```' });
    expect(await check('contains-json', {}, fenced)).toMatchObject({ passed: true });
    expect(await check('is-json', {}, fenced)).toMatchObject({ passed: false });
  });

  it('latency passes within the threshold and fails over it', async () => {
    expect(await check('latency', { threshold: 120 })).toMatchObject({ passed: true });
    const over = await check('latency', { threshold: 100 });
    expect(over).toEqual({ passed: false, reason: 'latency 120 ms is over the 100 ms threshold' });
  });

  it('cost passes within the threshold, fails over it, and fails when the price is unknown', async () => {
    expect(await check('cost', { threshold: 0.002 })).toMatchObject({ passed: true });
    expect(await check('cost', { threshold: 0.0005 })).toMatchObject({
      passed: false,
      reason: 'cost $0.001 is over the $0.0005 threshold',
    });
    const unknown = context({ costUsd: undefined, costUnknownReason: 'no price for model "x"' });
    expect(await check('cost', { threshold: 100 }, unknown)).toEqual({
      passed: false,
      reason: 'cost unknown: no price for model "x"',
    });
  });

  describe('llm-rubric', () => {
    const judged = (verdict: JudgeVerdict) =>
      context({ judge: { providerType: 'bedrock', grade: async () => verdict } });

    it('passes on a passing verdict and fails on a failing one, with the judge reason and score', async () => {
      expect(
        await check('llm-rubric', { value: 'polite' }, judged({ pass: true, score: 0.9, reason: 'polite' })),
      ).toEqual({ passed: true, score: 0.9, reason: 'judge: polite (score 0.9)' });
      expect(
        await check('llm-rubric', { value: 'polite' }, judged({ pass: false, score: 0.2, reason: 'rude' })),
      ).toMatchObject({ passed: false, score: 0.2 });
    });

    it('with a threshold, the score decides', async () => {
      const verdict = judged({ pass: true, score: 0.6, reason: 'ok' });
      expect(await check('llm-rubric', { value: 'x', threshold: 0.7 }, verdict)).toMatchObject({
        passed: false,
      });
      expect(await check('llm-rubric', { value: 'x', threshold: 0.5 }, verdict)).toMatchObject({
        passed: true,
      });
    });

    it('is not gradable with the echo provider or an echo judge, and never passes', async () => {
      const passing = { providerType: 'bedrock' as const, grade: async () => ({ pass: true, reason: 'ok' }) };
      expect(
        await check('llm-rubric', { value: 'x' }, context({ providerType: 'echo', judge: passing })),
      ).toEqual({
        passed: false,
        reason: NOT_GRADABLE_WITH_ECHO,
      });
      const echoJudge = { ...passing, providerType: 'echo' as const };
      expect(await check('llm-rubric', { value: 'x' }, context({ judge: echoJudge }))).toEqual({
        passed: false,
        reason: NOT_GRADABLE_WITH_ECHO,
      });
    });

    it('fails without a judge', async () => {
      expect(await check('llm-rubric', { value: 'x' })).toMatchObject({ passed: false });
    });
  });
});
