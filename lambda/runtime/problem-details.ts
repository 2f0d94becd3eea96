/**
 * Renders errors as RFC 9457 problem details (docs/api.md). The core's errors carry only a code;
 * the HTTP status, title and `type` URN are added here, at the HTTP layer, as middy's
 * http-error-handler does.
 */
import { ERROR_STATUS, type ProblemDetails } from '../../src/core/api.ts';
import type { ErrorCode, PromptOpsError } from '../../src/core/errors.ts';

const PROBLEM_TITLES: Readonly<Record<ErrorCode, string>> = {
  BAD_REQUEST: 'Bad request',
  VALIDATION_FAILED: 'Validation failed',
  SELF_APPROVAL: 'Self approval is not allowed',
  FORBIDDEN: 'Forbidden',
  NOT_FOUND: 'Not found',
  VERSION_EXISTS: 'Version exists',
  VERSION_NOT_GREATER: 'Version not greater than the latest',
  DEPLOYMENT_IN_PROGRESS: 'Deployment in progress',
  REVISION_CONFLICT: 'Revision conflict',
  NOTHING_TO_ROLL_BACK: 'Nothing to roll back',
  PAYLOAD_TOO_LARGE: 'Payload too large',
  UNSUPPORTED_MEDIA_TYPE: 'Unsupported media type',
  LINT_FAILED: 'Lint failed',
  NOT_APPROVED: 'Not approved',
  MANIFEST_TOO_LARGE: 'Manifest too large',
  NO_EVAL_SUITE: 'No evaluation suite',
  EVALUATION_REQUIRED: 'Evaluation required',
  PROVIDER_NOT_ALLOWED: 'Provider not allowed',
  VERSION_DEPRECATED: 'Version deprecated',
  PROMPT_IN_USE: 'Prompt in use',
  PROMPT_ARCHIVED: 'Prompt archived',
  IDEMPOTENCY_KEY_REUSED: 'Idempotency key reused',
  IDEMPOTENCY_KEY_IN_USE: 'Idempotency key in use',
  THROTTLED: 'Throttled',
  INTERNAL: 'Internal error',
};

export function problemType(code: ErrorCode): string {
  return `urn:promptops:problem:${code.toLowerCase().replaceAll('_', '-')}`;
}

export function problemTitle(code: ErrorCode): string {
  return PROBLEM_TITLES[code];
}

/** The problem body of a typed error. Never includes the cause or the stack. */
export function problemDetails(error: PromptOpsError): ProblemDetails {
  return {
    ...error.extensions,
    type: problemType(error.code),
    title: problemTitle(error.code),
    status: ERROR_STATUS[error.code],
    detail: error.message,
    code: error.code,
    ...(error.errors ? { errors: error.errors } : {}),
  };
}

/** The body of an unexpected failure: nothing about it, only the request id to quote. */
export function internalProblem(requestId: string): ProblemDetails {
  return {
    type: problemType('INTERNAL'),
    title: problemTitle('INTERNAL'),
    status: ERROR_STATUS.INTERNAL,
    detail: `An internal error occurred. Quote request id ${requestId} to your operators.`,
    code: 'INTERNAL',
    requestId,
  };
}
