/**
 * Local mode's feedback reconciler (docs/architecture.md, "Exact feedback counts"): what the
 * scheduled Lambda does on AWS, on the same 2-minute period (not time-scaled: its grace stands for
 * the feedback function's timeout, which local mode does not scale either).
 */
import { reconcileFeedback } from '../../lambda/feedback/reconcile-feedback.ts';
import type { FeedbackRepository } from '../../lambda/ports.ts';

const PERIOD_MS = 120_000;

export interface LocalFeedbackReconcilerOptions {
  readonly feedback: FeedbackRepository;
  readonly log: (line: string) => void;
}

/**
 * One run at startup with no grace, before local mode answers: every pending item and dirty mark
 * then is older than this process, so its writer was a local mode that stopped or was killed (the
 * data-dir lock let one run at a time), and a restart leaves no count short for the 2-minute grace.
 */
export async function reconcileAtStartup(options: LocalFeedbackReconcilerOptions): Promise<void> {
  const result = await reconcileFeedback(
    { feedback: options.feedback, now: () => new Date() },
    { graceMs: 0 },
  );
  if (result.settled > 0)
    options.log(
      `feedback reconciler at startup: ${result.settled} shards recounted, ${result.cleared} pending items counted`,
    );
}

/** Starts the periodic run; stop it with the result (waits for a run under way). */
export function startLocalFeedbackReconciler(options: LocalFeedbackReconcilerOptions): () => Promise<void> {
  let running: Promise<unknown> = Promise.resolve();
  const timer = setInterval(() => {
    running = reconcileFeedback({ feedback: options.feedback, now: () => new Date() })
      .then((result) => {
        if (result.settled > 0)
          options.log(
            `feedback reconciler: ${result.settled} shards recounted, ${result.cleared} pending items counted`,
          );
      })
      .catch((error: unknown) =>
        options.log(`feedback reconciler failed: ${error instanceof Error ? error.message : String(error)}`),
      );
  }, PERIOD_MS);
  timer.unref();
  return async () => {
    clearInterval(timer);
    await running;
  };
}
