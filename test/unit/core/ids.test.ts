import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ERROR_STATUS } from '../../../src/core/api.ts';
import { displayValue, ValidationError } from '../../../src/core/errors.ts';
import { assertEnvironmentName, assertPromptId, isPromptId, isVariableName } from '../../../src/core/ids.ts';
import { thrownBy } from '../../fixtures/errors.ts';

describe('prompt ids', () => {
  it.each(['ab', 'support-reply', 'a1', '0-9', 'x'.repeat(64), 'a--b'])('accepts %s', (id) => {
    expect(assertPromptId(id)).toBe(id);
  });

  it.each([
    ['empty', ''],
    ['one character', 'a'],
    ['65 characters', 'a'.repeat(65)],
    ['leading hyphen', '-abc'],
    ['trailing hyphen', 'abc-'],
    ['uppercase', 'Support'],
    ['dot dot', '..'],
    ['slash', 'a/b'],
    ['percent-encoded dots', '%2e%2e'],
    ['whitespace', 'support reply'],
    ['trailing newline', 'support\n'],
    ['Cyrillic look-alike', 'ѕupport'],
    ['underscore', 'support_reply'],
    ['__proto__', '__proto__'],
  ])('rejects %s with VALIDATION_FAILED naming the value', (_label, id) => {
    const v = thrownBy(ValidationError, () => assertPromptId(id, 'path.id'));
    expect(v.code).toBe('VALIDATION_FAILED');
    expect(ERROR_STATUS[v.code]).toBe(400);
    expect(v.errors?.[0]?.path).toBe('path.id');
    expect(v.message).toContain('is not a valid prompt id');
    expect(v.message).toContain(displayValue(id));
  });

  it('rejects non-strings', () => {
    expect(() => assertPromptId(42)).toThrow(/42 is not a valid prompt id/);
    expect(() => assertPromptId(undefined)).toThrow(/undefined is not a valid prompt id/);
  });

  it('shows look-alike characters escaped', () => {
    expect(() => assertPromptId('ѕupport')).toThrow('"\\u0455upport" is not a valid prompt id');
  });

  it('accepts exactly the slug language (property)', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 70 }), (s) => {
        const expected = /^[a-z0-9][a-z0-9-]*[a-z0-9]$/.test(s) && s.length >= 2 && s.length <= 64;
        expect(isPromptId(s)).toBe(expected);
      }),
    );
  });
});

describe('environment and variable names', () => {
  it('accepts dev, staging, prod and rejects others', () => {
    expect(assertEnvironmentName('prod')).toBe('prod');
    expect(() => assertEnvironmentName('Prod')).toThrow(/not a valid environment name/);
    expect(() => assertEnvironmentName('1dev')).toThrow(ValidationError);
  });

  it('rejects variable names that shadow Object.prototype', () => {
    expect(isVariableName('customer_name')).toBe(true);
    expect(isVariableName('_x1')).toBe(true);
    expect(isVariableName('__proto__')).toBe(false);
    expect(isVariableName('constructor')).toBe(false);
    expect(isVariableName('toString')).toBe(false);
    expect(isVariableName('1abc')).toBe(false);
    expect(isVariableName('a-b')).toBe(false);
  });
});
