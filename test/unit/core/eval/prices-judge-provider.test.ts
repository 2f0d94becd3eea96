import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../../../src/core/errors.ts';
import { findJsonValue } from '../../../../src/core/eval/json-in-text.ts';
import { parseVerdict } from '../../../../src/core/eval/judge.ts';
import { DEFAULT_PRICES, estimateCost, modelPrice, priceKey } from '../../../../src/core/eval/prices.ts';
import {
  createEchoProvider,
  evalModelSettings,
  providerNotAllowedReason,
  resolveProviderSpec,
} from '../../../../src/core/eval/provider.ts';
import { CHAT_PROMPT, PROMPT } from './fixtures.ts';

describe('prices', () => {
  it.each([
    ['anthropic.claude-3-haiku-20240307-v1:0', 'anthropic.claude-3-haiku'],
    ['us.anthropic.claude-sonnet-4-20250514-v1:0', 'anthropic.claude-sonnet-4'],
    ['global.anthropic.claude-sonnet-4-5-20250929-v1:0', 'anthropic.claude-sonnet-4-5'],
    ['eu.amazon.nova-pro-v1:0', 'amazon.nova-pro'],
    ['meta.llama3-1-70b-instruct-v1:0', 'meta.llama3-1-70b-instruct'],
    ['gpt-4o-2024-08-06', 'gpt-4o'],
    ['gpt-4o-mini', 'gpt-4o-mini'],
  ])('normalizes %s to %s, which has a price', (model, key) => {
    expect(priceKey(model)).toBe(key);
    expect(modelPrice(model)).toBe(DEFAULT_PRICES[key]);
  });

  it('matches exactly after normalizing, so a variant never takes a sibling price', () => {
    expect(modelPrice('o3-pro')).toBeUndefined();
    expect(modelPrice('constructor')).toBeUndefined();
    expect(modelPrice('o3')).toEqual({ inputPerMillion: 2, outputPerMillion: 8 });
  });

  it('estimates cost as tokens times price, and says why when it cannot', () => {
    expect(estimateCost('gpt-4o', 1_000_000, 100_000)).toEqual({ costUsd: 3.5 });
    expect(estimateCost('gpt-4o', undefined, 1)).toEqual({
      unknownReason: 'the provider reported no token usage for "gpt-4o"',
    });
    expect(estimateCost('mystery', 1, 1).unknownReason).toContain('no price for model "mystery"');
    expect(estimateCost(undefined, 1, 1).unknownReason).toBe('the provider names no model');
    expect(
      estimateCost('mystery', 1000, 0, { mystery: { inputPerMillion: 1000, outputPerMillion: 0 } }),
    ).toEqual({ costUsd: 1 });
  });
});

describe('parseVerdict', () => {
  it('reads a bare, fenced or prose-wrapped verdict', () => {
    expect(parseVerdict('{"pass": true, "score": 0.9, "reason": "good"}')).toEqual({
      pass: true,
      score: 0.9,
      reason: 'good',
    });
    expect(parseVerdict('Sure! ```json\n{"pass": false, "reason": "rude"}\n```')).toEqual({
      pass: false,
      score: 0,
      reason: 'rude',
    });
    expect(parseVerdict('{"pass": "true", "score": "7"}')).toEqual({
      pass: true,
      score: 1,
      reason: 'passes',
    });
  });

  it('fails an answer without a verdict, quoting it', () => {
    expect(parseVerdict('I think it is fine')).toEqual({
      pass: false,
      reason: `the judge's answer holds no {pass, score, reason} verdict: "I think it is fine"`,
    });
    expect(parseVerdict('{"score": 1}').pass).toBe(false);
  });

  it('findJsonValue skips brackets in strings and non-JSON braces', () => {
    expect(findJsonValue('a {b} [1, "]"] c')).toEqual({ value: [1, ']'], start: 6 });
    expect(findJsonValue('{ unclosed')).toBeUndefined();
  });
});

describe('providers in the core', () => {
  it('echo answers with the system prompt and messages, free', async () => {
    const response = await createEchoProvider().invoke(
      { system: 'S', messages: [{ role: 'user', content: 'U' }], settings: {} },
      { signal: new AbortController().signal },
    );
    expect(response).toEqual({ output: 'S\n\nU', latencyMs: 0, costUsd: 0 });
  });

  it('model settings come from the prompt, overridden by the provider spec', () => {
    expect(evalModelSettings(PROMPT.model)).toEqual({ temperature: 0.2, maxTokens: 300 });
    expect(evalModelSettings(PROMPT.model, { type: 'bedrock', temperature: 0, topP: 0.5 })).toEqual({
      temperature: 0,
      maxTokens: 300,
      topP: 0.5,
    });
  });

  it('resolveProviderSpec: override, then suite, then the prompt model', () => {
    expect(resolveProviderSpec({ prompt: PROMPT })).toEqual({
      type: 'bedrock',
      model: 'anthropic.claude-3-haiku-20240307-v1:0',
    });
    expect(resolveProviderSpec({ prompt: PROMPT, suite: { type: 'bedrock' } }).model).toBe(
      'anthropic.claude-3-haiku-20240307-v1:0',
    );
    expect(
      resolveProviderSpec({
        prompt: PROMPT,
        suite: { type: 'bedrock', model: 'x' },
        override: { type: 'echo' },
      }),
    ).toEqual({
      type: 'echo',
    });
    expect(() => resolveProviderSpec({ prompt: CHAT_PROMPT })).toThrow(ValidationError);
    expect(() => resolveProviderSpec({ prompt: PROMPT, suite: { type: 'openai' } })).toThrow(
      'The openai provider needs a model: set provider.model',
    );
  });

  it('providerNotAllowedReason: Bedrock only with a listed model; echo and openai always', () => {
    expect(providerNotAllowedReason({ type: 'echo' }, [])).toBeUndefined();
    expect(providerNotAllowedReason({ type: 'openai', model: 'm' }, [])).toBeUndefined();
    expect(providerNotAllowedReason({ type: 'bedrock', model: 'a' }, [])).toContain(
      'CDK context "evalModels"',
    );
    expect(providerNotAllowedReason({ type: 'bedrock', model: 'b' }, ['a'])).toBe(
      'the Bedrock model "b" is not in the CDK context "evalModels" (a)',
    );
    expect(providerNotAllowedReason({ type: 'bedrock', model: 'a' }, ['a'])).toBeUndefined();
  });
});
