/**
 * Local mode's daily review reminder (docs/maintenance.md): what the scheduled Lambda does on AWS,
 * once a (time-scaled) day, with the log standing in for the owners' topic.
 */
import type { ReviewDueSettings } from '../../lambda/maintenance/review-due.ts';
import {
  type OwnerNotice,
  type ReviewReminderDeps,
  sendReviewReminders,
} from '../../lambda/maintenance/review-reminder.ts';

const DAY_MS = 86_400_000;

export interface LocalRemindersOptions {
  readonly deps: Omit<ReviewReminderDeps, 'notifier'>;
  readonly settings: ReviewDueSettings;
  /** The day is divided by it, as strategy durations are. */
  readonly timeScale: number;
  readonly log: (line: string) => void;
}

/** Starts the daily run (the first one day after start, as a new stack's schedule); stop it with the result. */
export function startLocalReminders(options: LocalRemindersOptions): () => Promise<void> {
  const notifier = {
    notify: async (notice: OwnerNotice) => {
      options.log(`owners' topic (${notice.owner}): ${notice.subject}`);
      for (const line of notice.message.split('\n')) options.log(`  ${line}`);
    },
  };
  let running: Promise<unknown> = Promise.resolve();
  const timer = setInterval(
    () => {
      running = sendReviewReminders({ ...options.deps, notifier }, options.settings).catch((error: unknown) =>
        options.log(`review reminder failed: ${error instanceof Error ? error.message : String(error)}`),
      );
    },
    Math.max(1000, DAY_MS / options.timeScale),
  );
  timer.unref();
  return async () => {
    clearInterval(timer);
    await running;
  };
}
