/** What the scheduled scan needs, as ports: in Lambda over DynamoDB, S3 and SNS, in local mode over local stores. */
import type { EnvironmentStore } from '../delivery/ports.ts';
import type { AuditLog, BodyStore, PromptRepository } from '../ports.ts';

/** Where operators hear about findings: the operators' SNS topic on AWS, the console in local mode. */
export interface FindingsNotifier {
  /** `subject` is one line of at most 100 characters (SNS's limit for email subjects). */
  notify(subject: string, message: string): Promise<void>;
}

export interface PinnedScanDeps {
  readonly environments: Pick<EnvironmentStore, 'get'>;
  readonly prompts: Pick<PromptRepository, 'getVersion'>;
  readonly bodies: BodyStore;
  readonly audit: Pick<AuditLog, 'append'>;
  readonly notifier: FindingsNotifier;
  /** Every configured environment (the `environments` setting). */
  readonly environmentNames: readonly string[];
  readonly now: () => Date;
}
