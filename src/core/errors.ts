/**
 * Typed domain errors. Each carries a stable `code` from the public contract (docs/api.md); the
 * status a code answers with is in `ERROR_STATUS` (api.ts), and the HTTP layer renders the problem
 * body, so the core knows nothing of HTTP. The root class, `ValidationError` and the errors `render`
 * throws live in error-base.ts and variable-errors.ts, which the client bundles alone; all are
 * re-exported here.
 */
import { PromptOpsError, type PromptOpsErrorOptions, ValidationError } from './error-base.ts';

export {
  displayValue,
  type ErrorCode,
  type FieldError,
  isPromptOpsError,
  PromptOpsError,
  type PromptOpsErrorOptions,
  ValidationError,
} from './error-base.ts';
export { MissingVariableError, UnknownVariableError, VariableTypeError } from './variable-errors.ts';

export class BadRequestError extends PromptOpsError {
  constructor(message: string, options?: PromptOpsErrorOptions) {
    super('BAD_REQUEST', message, options);
    this.name = 'BadRequestError';
  }
}

/** A problem located in a prompt document; `line` is 1-based in the file. */
export interface DocumentIssue {
  readonly path: string;
  readonly message: string;
  readonly line: number;
}

/** A file that does not parse or validate (`what` names its kind); each issue has its path and line. */
export class LocatedParseError extends ValidationError {
  readonly issues: readonly DocumentIssue[];
  constructor(what: string, issues: readonly DocumentIssue[], options: { cause?: unknown } = {}) {
    const first = issues[0];
    const summary = first ? `line ${first.line}: ${first.message}` : `invalid ${what}`;
    const more = issues.length > 1 ? ` (and ${issues.length - 1} more)` : '';
    super(
      `Invalid ${what}: ${summary}${more}`,
      issues.map((i) => ({ path: i.path, message: `line ${i.line}: ${i.message}` })),
      options,
    );
    this.name = 'LocatedParseError';
    this.issues = issues;
  }
}

export class DocumentParseError extends LocatedParseError {
  constructor(issues: readonly DocumentIssue[], options: { cause?: unknown } = {}) {
    super('prompt document', issues, options);
    this.name = 'DocumentParseError';
  }
}

export class TemplateSyntaxError extends ValidationError {
  readonly line: number;
  constructor(message: string, line: number) {
    super(`Template error at line ${line}: ${message}`, [
      { path: 'body', message: `line ${line}: ${message}` },
    ]);
    this.name = 'TemplateSyntaxError';
    this.line = line;
  }
}

export class ForbiddenError extends PromptOpsError {
  constructor(message: string, options?: PromptOpsErrorOptions) {
    super('FORBIDDEN', message, options);
    this.name = 'ForbiddenError';
  }
}

export class SelfApprovalError extends PromptOpsError {
  constructor(message: string, options?: PromptOpsErrorOptions) {
    super('SELF_APPROVAL', message, options);
    this.name = 'SelfApprovalError';
  }
}

export class NotFoundError extends PromptOpsError {
  constructor(message: string, options?: PromptOpsErrorOptions) {
    super('NOT_FOUND', message, options);
    this.name = 'NotFoundError';
  }
}

export class VersionExistsError extends PromptOpsError {
  constructor(message: string, options?: PromptOpsErrorOptions) {
    super('VERSION_EXISTS', message, options);
    this.name = 'VersionExistsError';
  }
}

export class VersionNotGreaterError extends PromptOpsError {
  constructor(message: string, options?: PromptOpsErrorOptions) {
    super('VERSION_NOT_GREATER', message, options);
    this.name = 'VersionNotGreaterError';
  }
}

export class DeploymentInProgressError extends PromptOpsError {
  constructor(message: string, options?: PromptOpsErrorOptions) {
    super('DEPLOYMENT_IN_PROGRESS', message, options);
    this.name = 'DeploymentInProgressError';
  }
}

export class RevisionConflictError extends PromptOpsError {
  constructor(message: string, options?: PromptOpsErrorOptions) {
    super('REVISION_CONFLICT', message, options);
    this.name = 'RevisionConflictError';
  }
}

export class NothingToRollBackError extends PromptOpsError {
  constructor(message: string, options?: PromptOpsErrorOptions) {
    super('NOTHING_TO_ROLL_BACK', message, options);
    this.name = 'NothingToRollBackError';
  }
}

export class PayloadTooLargeError extends PromptOpsError {
  constructor(message: string, options?: PromptOpsErrorOptions) {
    super('PAYLOAD_TOO_LARGE', message, options);
    this.name = 'PayloadTooLargeError';
  }
}

export class UnsupportedMediaTypeError extends PromptOpsError {
  constructor(message: string, options?: PromptOpsErrorOptions) {
    super('UNSUPPORTED_MEDIA_TYPE', message, options);
    this.name = 'UnsupportedMediaTypeError';
  }
}

export class NotApprovedError extends PromptOpsError {
  constructor(message: string, options?: PromptOpsErrorOptions) {
    super('NOT_APPROVED', message, options);
    this.name = 'NotApprovedError';
  }
}

/**
 * A deploy to a gated environment of versions without a PASSED evaluation run against their prompt's
 * current suite; `extensions.versions` lists each refused version and why (docs/evaluations-gate.md).
 */
export class EvaluationRequiredError extends PromptOpsError {
  constructor(message: string, options?: PromptOpsErrorOptions) {
    super('EVALUATION_REQUIRED', message, options);
    this.name = 'EvaluationRequiredError';
  }
}

export interface LintFindingSummary {
  readonly rule: string;
  readonly severity: 'error' | 'warning';
  readonly message: string;
  readonly line?: number;
}

export class LintFailedError extends PromptOpsError {
  readonly findings: readonly LintFindingSummary[];
  constructor(findings: readonly LintFindingSummary[]) {
    const errors = findings.filter((f) => f.severity === 'error');
    const first = errors[0];
    super(
      'LINT_FAILED',
      `The prompt has ${errors.length} lint error${errors.length === 1 ? '' : 's'}${first ? `; first: ${first.line ? `line ${first.line}: ` : ''}${first.message}` : ''}`,
      { extensions: { findings } },
    );
    this.name = 'LintFailedError';
    this.findings = findings;
  }
}

export interface ManifestEntrySize {
  readonly id: string;
  readonly bytes: number;
}

export class ManifestTooLargeError extends PromptOpsError {
  readonly size: number;
  readonly limit: number;
  readonly largest: readonly ManifestEntrySize[];
  constructor(size: number, limit: number, largest: readonly ManifestEntrySize[]) {
    super(
      'MANIFEST_TOO_LARGE',
      `The environment manifest would be ${size} bytes, over AppConfig's ${limit}-byte limit; largest prompts: ${largest
        .map((l) => `${l.id} (${l.bytes} bytes)`)
        .join(
          ', ',
        )}. Lower the inline body threshold so large bodies are stored by reference, or split prompts.`,
      { extensions: { size, limit, largest } },
    );
    this.name = 'ManifestTooLargeError';
    this.size = size;
    this.limit = limit;
    this.largest = largest;
  }
}

/** An Idempotency-Key sent again with a different body (docs/architecture.md, "Idempotent writes"). */
export class IdempotencyKeyReusedError extends PromptOpsError {
  constructor(message: string, options?: PromptOpsErrorOptions) {
    super('IDEMPOTENCY_KEY_REUSED', message, options);
    this.name = 'IdempotencyKeyReusedError';
  }
}

/** An Idempotency-Key whose first request has not finished yet. */
export class IdempotencyKeyInUseError extends PromptOpsError {
  constructor(message: string, options?: PromptOpsErrorOptions) {
    super('IDEMPOTENCY_KEY_IN_USE', message, options);
    this.name = 'IdempotencyKeyInUseError';
  }
}

export class ThrottledError extends PromptOpsError {
  constructor(message: string, options?: PromptOpsErrorOptions) {
    super('THROTTLED', message, options);
    this.name = 'ThrottledError';
  }
}

/**
 * A deploy of versions marked deprecated without `allowDeprecated: true`; `extensions.versions` lists
 * each as `{id, version, reason}` (docs/maintenance.md).
 */
export class VersionDeprecatedError extends PromptOpsError {
  constructor(message: string, options?: PromptOpsErrorOptions) {
    super('VERSION_DEPRECATED', message, options);
    this.name = 'VersionDeprecatedError';
  }
}

/** Archiving a prompt that an environment still pins; `extensions.environments` names them. */
export class PromptInUseError extends PromptOpsError {
  constructor(message: string, options?: PromptOpsErrorOptions) {
    super('PROMPT_IN_USE', message, options);
    this.name = 'PromptInUseError';
  }
}

/** Publishing to, or deploying, an archived prompt (docs/maintenance.md): unarchive it first. */
export class PromptArchivedError extends PromptOpsError {
  constructor(message: string, options?: PromptOpsErrorOptions) {
    super('PROMPT_ARCHIVED', message, options);
    this.name = 'PromptArchivedError';
  }
}
