/**
 * Safe retries of a write to the PromptOps API: every attempt carries the same Idempotency-Key, so
 * the API runs the write once and answers a retry with the first response (docs/architecture.md,
 * "Idempotent writes"). Retried: network errors, timeouts, 429 and 5xx; anything else is final.
 */

import { IDEMPOTENCY_KEY_HEADER, newIdempotencyKey } from '../core/idempotency-key.ts';

export { IDEMPOTENCY_KEY_HEADER, newIdempotencyKey };

export interface RetryPolicy {
  /** Attempts in all, the first included. @default 3 */
  readonly attempts?: number;
  /** Delay before the second attempt; doubled each time, with full jitter. @default 200 */
  readonly baseDelayMs?: number;
}

function retryable(status: number): boolean {
  return status === 429 || status >= 500;
}

/** Runs `attempt` until it answers a final response, or the attempts are used up. */
export async function withRetries(
  attempt: () => Promise<Response>,
  policy: RetryPolicy = {},
): Promise<Response> {
  const attempts = Math.max(1, policy.attempts ?? 3);
  const baseDelayMs = policy.baseDelayMs ?? 200;
  for (let n = 1; ; n++) {
    try {
      const response = await attempt();
      if (!retryable(response.status) || n >= attempts) return response;
      await response.body?.cancel();
    } catch (error) {
      if (n >= attempts) throw error;
    }
    await new Promise((resolve) => setTimeout(resolve, Math.random() * baseDelayMs * 2 ** (n - 1)));
  }
}
