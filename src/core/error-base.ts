/**
 * The root of the typed domain errors and the validation error, with the helper that quotes a
 * user-supplied value: what every layer throws, the client's render path included, which bundles
 * this module and variable-errors.ts and none of the other errors (errors.ts).
 */

export type ErrorCode =
  | 'BAD_REQUEST'
  | 'VALIDATION_FAILED'
  | 'SELF_APPROVAL'
  | 'FORBIDDEN'
  | 'NOT_FOUND'
  | 'VERSION_EXISTS'
  | 'VERSION_NOT_GREATER'
  | 'DEPLOYMENT_IN_PROGRESS'
  | 'REVISION_CONFLICT'
  | 'NOTHING_TO_ROLL_BACK'
  | 'PAYLOAD_TOO_LARGE'
  | 'UNSUPPORTED_MEDIA_TYPE'
  | 'LINT_FAILED'
  | 'NOT_APPROVED'
  | 'MANIFEST_TOO_LARGE'
  | 'NO_EVAL_SUITE'
  | 'EVALUATION_REQUIRED'
  | 'PROVIDER_NOT_ALLOWED'
  | 'VERSION_DEPRECATED'
  | 'PROMPT_IN_USE'
  | 'PROMPT_ARCHIVED'
  | 'IDEMPOTENCY_KEY_REUSED'
  | 'IDEMPOTENCY_KEY_IN_USE'
  | 'THROTTLED'
  | 'INTERNAL';

/** A problem with one field of the input; `path` is dotted (`variables.tone.type`, `records.3.version`). */
export interface FieldError {
  readonly path: string;
  readonly message: string;
}

export interface PromptOpsErrorOptions {
  readonly cause?: unknown;
  readonly errors?: readonly FieldError[];
  /** Extra members of the problem body (for example `findings` of a lint failure). */
  readonly extensions?: Readonly<Record<string, unknown>>;
}

/** An error the caller can act on; its message is safe to show (it never holds the cause). */
export class PromptOpsError extends Error {
  /** The contract's code: what the caller branches on, and what the HTTP status is derived from. */
  readonly code: ErrorCode;
  /** The fields at fault, when the input had some. */
  readonly errors?: readonly FieldError[];
  /** Extra members of the problem body. */
  readonly extensions?: Readonly<Record<string, unknown>>;

  constructor(code: ErrorCode, message: string, options: PromptOpsErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'PromptOpsError';
    this.code = code;
    if (options.errors && options.errors.length > 0) this.errors = options.errors;
    if (options.extensions) this.extensions = options.extensions;
  }
}

export function isPromptOpsError(error: unknown): error is PromptOpsError {
  return error instanceof PromptOpsError;
}

export class ValidationError extends PromptOpsError {
  constructor(
    message: string,
    errors: readonly FieldError[] = [],
    options: Omit<PromptOpsErrorOptions, 'errors'> = {},
  ) {
    super('VALIDATION_FAILED', message, { ...options, errors });
    this.name = 'ValidationError';
  }
}

/** Shows a user-supplied value in a message: quoted, non-ASCII escaped (look-alikes become visible), capped. */
export function displayValue(value: unknown, max = 80): string {
  if (typeof value !== 'string') return describeValue(value);
  const escaped = JSON.stringify(value.slice(0, max)).replace(
    /[^\x20-\x7e]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
  return value.length > max ? `${escaped}… (${value.length} characters)` : escaped;
}

export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return `the string ${displayValue(value)}`;
  if (typeof value === 'object') return 'an object';
  return String(value);
}
