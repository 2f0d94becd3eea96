/** How long PromptOps keeps feedback items: a `Duration` of whole days, or forever. */
import type { Duration } from 'aws-cdk-lib';

/**
 * How long feedback items are kept before DynamoDB's TTL deletes them. Aggregates are kept either way.
 *
 * @example
 * new PromptOps(stack, 'PromptOps', { feedbackRetention: FeedbackRetention.after(Duration.days(90)) });
 */
export class FeedbackRetention {
  /** Keeps each feedback item for `duration` (whole days, from 1 to 3650) after it is received. */
  static after(duration: Duration): FeedbackRetention {
    return new FeedbackRetention(duration);
  }

  /** Keeps feedback items until they are deleted by hand: no expiry attribute is written. */
  static forever(): FeedbackRetention {
    return new FeedbackRetention(undefined);
  }

  /** How long an item is kept; undefined keeps it forever. */
  readonly duration?: Duration;

  private constructor(duration: Duration | undefined) {
    if (duration !== undefined) this.duration = duration;
  }
}
