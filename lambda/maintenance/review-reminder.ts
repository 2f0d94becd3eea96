/**
 * The daily review reminder (docs/maintenance.md, "Review reminders"): builds the review-due report
 * and publishes it to the owners' topic, one message per owner with the `owner` message attribute,
 * so a subscription can filter on its own team (`{"owner": ["support-team"]}`). Nothing due, nothing
 * sent. A retried invocation may send a day's reminder twice; a reminder is safe to repeat.
 */
import type { ReviewDueItem, ReviewDueReport } from '../../src/core/api.ts';
import { reviewDueMessage } from '../../src/core/review-due.ts';
import { type ReviewDueDeps, type ReviewDueSettings, reviewDueReport } from './review-due.ts';

/** The owner attribute of items whose front matter names no owner. */
export const NO_OWNER = 'unowned';

export interface OwnerNotice {
  /** The owner from front matter, or NO_OWNER. */
  readonly owner: string;
  /** At most 100 characters (SNS's subject limit). */
  readonly subject: string;
  readonly message: string;
}

/** Where owners are told: the owners' SNS topic on AWS, the log in local mode. */
export interface OwnerNotifier {
  notify(notice: OwnerNotice): Promise<void>;
}

export interface ReviewReminderDeps extends ReviewDueDeps {
  readonly notifier: OwnerNotifier;
}

/** SNS takes 256 KiB a message; a long list is cut with a pointer to the full one. */
const MAX_MESSAGE_BYTES = 200 * 1024;

function cut(message: string): string {
  if (Buffer.byteLength(message, 'utf8') <= MAX_MESSAGE_BYTES) return message;
  const tail = '\n… (cut: run `promptops review-due` for the whole list)';
  let text = message.slice(0, MAX_MESSAGE_BYTES);
  while (Buffer.byteLength(text + tail, 'utf8') > MAX_MESSAGE_BYTES) text = text.slice(0, -1024);
  return text + tail;
}

export function ownerNotices(report: ReviewDueReport): OwnerNotice[] {
  const byOwner = new Map<string, ReviewDueItem[]>();
  for (const item of report.items) {
    const owner = item.owner ?? NO_OWNER;
    byOwner.set(owner, [...(byOwner.get(owner) ?? []), item]);
  }
  return [...byOwner]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([owner, items]) => ({
      owner,
      subject:
        `PromptOps: ${items.length} prompt version${items.length === 1 ? '' : 's'} due for review (${owner})`.slice(
          0,
          100,
        ),
      message: cut(reviewDueMessage(items, report.reviewEveryDays)),
    }));
}

export interface ReminderResult {
  readonly due: number;
  readonly notified: readonly string[];
}

export async function sendReviewReminders(
  deps: ReviewReminderDeps,
  settings: ReviewDueSettings,
): Promise<ReminderResult> {
  const report = await reviewDueReport(deps, settings);
  const notices = ownerNotices(report);
  for (const notice of notices) await deps.notifier.notify(notice);
  return { due: report.items.length, notified: notices.map((n) => n.owner) };
}
