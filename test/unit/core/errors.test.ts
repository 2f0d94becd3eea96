import { describe, expect, it } from 'vitest';
import { ERROR_STATUS } from '../../../src/core/api.ts';
import {
  DocumentParseError,
  displayValue,
  LintFailedError,
  MissingVariableError,
  NotFoundError,
  PromptOpsError,
  ValidationError,
} from '../../../src/core/errors.ts';

describe('ERROR_STATUS', () => {
  it('maps every contract code to its status', () => {
    expect(ERROR_STATUS).toEqual({
      BAD_REQUEST: 400,
      VALIDATION_FAILED: 400,
      SELF_APPROVAL: 403,
      FORBIDDEN: 403,
      NOT_FOUND: 404,
      VERSION_EXISTS: 409,
      VERSION_NOT_GREATER: 409,
      DEPLOYMENT_IN_PROGRESS: 409,
      REVISION_CONFLICT: 409,
      NOTHING_TO_ROLL_BACK: 409,
      PAYLOAD_TOO_LARGE: 413,
      UNSUPPORTED_MEDIA_TYPE: 415,
      LINT_FAILED: 422,
      IDEMPOTENCY_KEY_REUSED: 422,
      IDEMPOTENCY_KEY_IN_USE: 409,
      NOT_APPROVED: 422,
      MANIFEST_TOO_LARGE: 422,
      NO_EVAL_SUITE: 422,
      EVALUATION_REQUIRED: 422,
      PROVIDER_NOT_ALLOWED: 422,
      VERSION_DEPRECATED: 422,
      PROMPT_IN_USE: 409,
      PROMPT_ARCHIVED: 409,
      THROTTLED: 429,
      INTERNAL: 500,
    });
  });
});

describe('PromptOpsError', () => {
  it('keeps subclasses distinguishable, with a code and no HTTP status', () => {
    const error = new ValidationError('bad', [{ path: 'version', message: 'not semver' }]);
    expect(error).toBeInstanceOf(PromptOpsError);
    expect(error.name).toBe('ValidationError');
    expect(error.errors).toEqual([{ path: 'version', message: 'not semver' }]);
    expect(new NotFoundError('x').code).toBe('NOT_FOUND');
    expect('status' in error).toBe(false);
  });

  it('carries lint findings as problem extensions', () => {
    const error = new LintFailedError([
      { rule: 'secrets', severity: 'error', message: 'looks like a key', line: 3 },
    ]);
    expect(error.code).toBe('LINT_FAILED');
    expect(error.message).toContain('line 3');
    expect(error.extensions?.findings).toHaveLength(1);
  });

  it('names the missing variable', () => {
    const error = new MissingVariableError('ticket');
    expect(error.variable).toBe('ticket');
    expect(error.message).toContain('"ticket"');
    expect(error.code).toBe('VALIDATION_FAILED');
  });

  it('summarizes document issues with their lines', () => {
    const error = new DocumentParseError([
      { path: 'id', message: 'bad id', line: 2 },
      { path: 'body', message: 'bad heading', line: 9 },
    ]);
    expect(error.message).toBe('Invalid prompt document: line 2: bad id (and 1 more)');
    expect(error.errors).toEqual([
      { path: 'id', message: 'line 2: bad id' },
      { path: 'body', message: 'line 9: bad heading' },
    ]);
  });
});

describe('displayValue', () => {
  it('makes look-alike characters visible', () => {
    expect(displayValue('ѕupport')).toBe('"\\u0455upport"');
  });
  it('caps long values and says how long they were', () => {
    expect(displayValue('a'.repeat(100), 10)).toBe('"aaaaaaaaaa"… (100 characters)');
  });
  it('describes non-strings', () => {
    expect(displayValue(undefined)).toBe('undefined');
    expect(displayValue(null)).toBe('null');
    expect(displayValue([1])).toBe('an array');
    expect(displayValue(3)).toBe('3');
    expect(displayValue({})).toBe('an object');
  });
});
