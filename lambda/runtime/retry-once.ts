/**
 * The writes a request makes after its commit point are idempotent (docs/architecture.md, "Cut
 * points: registry"): one that answers a store error (a timeout after the store applied it, a
 * throttle, a dropped connection) is tried once more, so the request finishes what it committed
 * rather than answering 500 with half of it written. A domain error (a 4xx) is final.
 */
import { isPromptOpsError } from '../../src/core/errors.ts';

/** Long enough for a throttle or a dropped connection to pass, short against any Lambda timeout. */
const RETRY_DELAY_MS = 50;

export async function retryOnce<T>(write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (error) {
    if (isPromptOpsError(error)) throw error;
    await new Promise((resolve) => setTimeout(resolve, RETRY_DELAY_MS));
    return write();
  }
}
