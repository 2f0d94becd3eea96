/** Ports of the notifier (docs/runbooks/README.md): the ledger that makes each notification once, the topic, the timeline. */
import type { RecordedEvent } from '../../src/core/incident.ts';
import type { Notification } from '../../src/core/notification.ts';

/**
 * One item per notification id. `claim` succeeds for a new id, for one whose sender failed
 * (`release`), and for one claimed longer ago than the stale age (a sender that died mid-way);
 * `sent` once `markSent` has run, whoever asks.
 */
export interface NotificationLedger {
  claim(id: string, now: Date): Promise<'claimed' | 'sent' | 'in-progress'>;
  markSent(id: string, now: Date, via: NotificationPath): Promise<void>;
  release(id: string): Promise<void>;
}

/** Which path told operators: the notifier's enriched message, or the raw alarm action it stood in for. */
export type NotificationPath = 'enriched' | 'fallback';

export interface NotificationTopic {
  publish(notification: Notification): Promise<void>;
}

/** The incident timeline's store of what the notifier saw. */
export interface IncidentEventStore {
  /** Idempotent: the same id at the same time writes the same item. */
  record(environment: string, id: string, event: RecordedEvent): Promise<void>;
  /** Oldest first, from `since` on. */
  list(environment: string, since: Date): Promise<RecordedEvent[]>;
}
