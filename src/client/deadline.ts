/** A deadline for one load: what a hung endpoint or file read counts as. */
/**
 * `work`, given a signal that aborts after `ms`; rejects with a `TimeoutError` then, even if `work`
 * ignores the signal. The timer is cleared when `work` settles and never keeps the process alive.
 */
export function withDeadline<T>(
  ms: number,
  what: string,
  work: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  const controller = new AbortController();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const error = new Error(`${what} did not finish within ${ms} ms`);
      error.name = 'TimeoutError';
      controller.abort(error);
      reject(error);
    }, ms);
    timer.unref?.();
  });
  return Promise.race([work(controller.signal), deadline]).finally(() => clearTimeout(timer));
}
