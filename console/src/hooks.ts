/** Data loading for the pages: one load, or a poll with backoff (logic/polling.ts). */
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { nextPollDelay, type PollTiming } from './logic/polling.ts';

export interface Loaded<T> {
  readonly data: T | undefined;
  readonly error: unknown;
  readonly loading: boolean;
  /** Loads again now (after a write, say). */
  readonly reload: () => void;
}

/** Loads once per change of `deps`; an answer to an older load never overwrites a newer one. */
export function useLoad<T>(load: () => Promise<T>, deps: readonly unknown[]): Loaded<T> {
  const [state, setState] = useState<{ data?: T; error?: unknown; loading: boolean }>({ loading: true });
  const [tick, setTick] = useState(0);
  useEffect(() => {
    let current = true;
    setState((s) => ({ ...s, loading: true }));
    load().then(
      (data) => current && setState({ data, loading: false }),
      (error: unknown) => current && setState({ error, loading: false }),
    );
    return () => {
      current = false;
    };
  }, [...deps, tick]);
  const reload = useCallback(() => setTick((t) => t + 1), []);
  return { data: state.data, error: state.error, loading: state.loading, reload };
}

export interface Polled<T> extends Loaded<T> {
  /** Consecutive failures; the last good data stays shown meanwhile. */
  readonly failures: number;
  /** Milliseconds to the next poll. */
  readonly nextInMs: number;
}

/**
 * Polls while mounted: fast while `active(data)` holds, slowly otherwise, backing off after failures;
 * paused while the page is hidden, polled at once when it shows again.
 */
export function usePoll<T>(
  load: () => Promise<T>,
  deps: readonly unknown[],
  active: (data: T | undefined) => boolean = () => false,
  timing: PollTiming = {},
): Polled<T> {
  const [state, setState] = useState<{
    data?: T;
    error?: unknown;
    loading: boolean;
    failures: number;
    nextInMs: number;
  }>({
    loading: true,
    failures: 0,
    nextInMs: 0,
  });
  const wake = useRef<() => void>(() => undefined);
  useEffect(() => {
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let failures = 0;
    let last: T | undefined;
    setState({ loading: true, failures: 0, nextInMs: 0 });
    const run = async () => {
      timer = undefined;
      if (stopped) return;
      if (document.hidden) return; // visibilitychange polls again
      try {
        last = await load();
        failures = 0;
        if (!stopped) setState({ data: last, loading: false, failures: 0, nextInMs: 0 });
      } catch (error) {
        failures++;
        if (!stopped) setState((s) => ({ ...s, error, loading: false, failures }));
      }
      if (stopped) return;
      const delay = nextPollDelay({ failures, active: failures === 0 && active(last) }, timing);
      setState((s) => ({ ...s, nextInMs: delay }));
      timer = setTimeout(run, delay);
    };
    wake.current = () => {
      if (timer) clearTimeout(timer);
      void run();
    };
    const onVisible = () => {
      if (!document.hidden && timer === undefined) void run();
    };
    document.addEventListener('visibilitychange', onVisible);
    void run();
    return () => {
      stopped = true;
      if (timer) clearTimeout(timer);
      document.removeEventListener('visibilitychange', onVisible);
    };
  }, deps);
  const reload = useCallback(() => wake.current(), []);
  return {
    data: state.data,
    error: state.failures > 0 || state.data === undefined ? state.error : undefined,
    loading: state.loading,
    failures: state.failures,
    nextInMs: state.nextInMs,
    reload,
  };
}
