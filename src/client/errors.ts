/**
 * Errors a caller of `promptops/client` can catch by type. Rendering errors come from the core
 * (variable-errors.ts); index.ts exports them beside these, so that apps import every error from one
 * place. Not re-exported here: the lazily loaded modules that import this one (feedback, S3 bodies,
 * the fallback) would then share the variable errors with the entry, one more esbuild chunk.
 */

/** The id is not deployed to the environment the client reads. */
export class PromptNotFoundError extends Error {
  declare readonly promptId: string;
  declare readonly environment: string;
  constructor(promptId: string, environment: string, available: readonly string[]) {
    const list =
      (available
        .slice(0, 10)
        .map((id) => `"${id}"`)
        .join(', ') || 'none') + (available.length > 10 ? ', ...' : '');
    super(
      `Prompt "${promptId}" is not deployed to environment "${environment}" (deployed: ${list}); deploy it with "promptops deploy --env ${environment} ${promptId}@<version>" or fix the id`,
    );
    this.name = 'PromptNotFoundError';
    this.promptId = promptId;
    this.environment = environment;
  }
}

/**
 * No manifest could be loaded: the source failed (or served something invalid) and there was no
 * earlier good manifest and no usable fallback snapshot. The source's error is in `cause`.
 */
export class PromptSourceError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'PromptSourceError';
  }
}

/** `feedback()` could not be delivered; `status` is the HTTP status when the API answered. */
export class FeedbackError extends Error {
  readonly status?: number;
  /** The API's problem `code` (CONTRACT section 2), when it sent one. */
  readonly code?: string;
  constructor(message: string, options: { cause?: unknown; status?: number; code?: string } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'FeedbackError';
    if (options.status !== undefined) this.status = options.status;
    if (options.code !== undefined) this.code = options.code;
  }
}
