import { describe, expect, it } from 'vitest';
import {
  DocumentParseError,
  displayValue,
  ERROR_STATUS,
  LintFailedError,
  MissingVariableError,
  NotFoundError,
  PromptOpsError,
  problemType,
  ValidationError,
  VersionExistsError,
} from '../../../src/core/errors.ts';

describe('PromptOpsError', () => {
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
      NOT_APPROVED: 422,
      MANIFEST_TOO_LARGE: 422,
      THROTTLED: 429,
      INTERNAL: 500,
    });
  });

  it('renders an RFC 9457 problem body without the cause', () => {
    const cause = new Error('ConditionalCheckFailed: secret table detail');
    const error = new VersionExistsError('Version 1.2.0 of support-reply exists with different content', {
      cause,
    });
    const problem = error.toProblem();
    expect(problem).toEqual({
      type: problemType('VERSION_EXISTS'),
      title: 'Version exists',
      status: 409,
      detail: 'Version 1.2.0 of support-reply exists with different content',
      code: 'VERSION_EXISTS',
    });
    expect(JSON.stringify(problem)).not.toContain('secret table detail');
    expect(error.cause).toBe(cause);
  });

  it('lists field errors and keeps subclasses distinguishable', () => {
    const error = new ValidationError('bad', [{ path: 'version', message: 'not semver' }]);
    expect(error).toBeInstanceOf(PromptOpsError);
    expect(error.name).toBe('ValidationError');
    expect(error.toProblem().errors).toEqual([{ path: 'version', message: 'not semver' }]);
    expect(new NotFoundError('x').status).toBe(404);
  });

  it('carries lint findings in the problem body', () => {
    const error = new LintFailedError([
      { rule: 'secrets', severity: 'error', message: 'looks like a key', line: 3 },
    ]);
    expect(error.status).toBe(422);
    expect(error.message).toContain('line 3');
    expect(error.toProblem().findings).toHaveLength(1);
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
