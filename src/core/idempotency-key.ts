/**
 * The Idempotency-Key header that makes a write to the PromptOps API safe to retry: the API runs the
 * write once and answers a retry with the first response (docs/architecture.md, "Idempotent writes").
 * Shared by the client library's feedback() and the CLI.
 */

/** The header the API reads the key from. */
export const IDEMPOTENCY_KEY_HEADER = 'idempotency-key';

/** A new key for one logical write (a UUID; the API accepts up to 255 characters). */
export function newIdempotencyKey(): string {
  return globalThis.crypto.randomUUID();
}
