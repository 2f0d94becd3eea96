import { describe, expect, it } from 'vitest';
import { internalProblem, problemDetails, problemType } from '../../../lambda/runtime/problem-details.ts';
import {
  LintFailedError,
  NotFoundError,
  ValidationError,
  VersionExistsError,
} from '../../../src/core/errors.ts';

describe('problemDetails', () => {
  it('renders an RFC 9457 problem body without the cause', () => {
    const cause = new Error('ConditionalCheckFailed: secret table detail');
    const error = new VersionExistsError('Version 1.2.0 of support-reply exists with different content', {
      cause,
    });
    const problem = problemDetails(error);
    expect(problem).toEqual({
      type: problemType('VERSION_EXISTS'),
      title: 'Version exists',
      status: 409,
      detail: 'Version 1.2.0 of support-reply exists with different content',
      code: 'VERSION_EXISTS',
    });
    expect(problem.type).toBe('urn:promptops:problem:version-exists');
    expect(JSON.stringify(problem)).not.toContain('secret table detail');
    expect(error.cause).toBe(cause);
  });

  it('lists field errors and answers with the status of the code', () => {
    const error = new ValidationError('bad', [{ path: 'version', message: 'not semver' }]);
    expect(problemDetails(error).errors).toEqual([{ path: 'version', message: 'not semver' }]);
    expect(problemDetails(new NotFoundError('x')).status).toBe(404);
  });

  it('carries lint findings in the problem body', () => {
    const error = new LintFailedError([
      { rule: 'secrets', severity: 'error', message: 'looks like a key', line: 3 },
    ]);
    expect(problemDetails(error).status).toBe(422);
    expect(problemDetails(error).findings).toHaveLength(1);
  });

  it('keeps the contract members over extensions of the same name', () => {
    const error = new ValidationError('bad', [], { extensions: { status: 200, code: 'OK' } });
    expect(problemDetails(error)).toMatchObject({ status: 400, code: 'VALIDATION_FAILED' });
  });

  it('names only the request id of an internal error', () => {
    expect(internalProblem('req-1')).toEqual({
      type: 'urn:promptops:problem:internal',
      title: 'Internal error',
      status: 500,
      detail: 'An internal error occurred. Quote request id req-1 to your operators.',
      code: 'INTERNAL',
      requestId: 'req-1',
    });
  });
});
