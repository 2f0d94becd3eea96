/**
 * Thrown by the AT_DEPLOYMENT_TICK Lambda when a candidate fails: an error from an extension's
 * Lambda at that action point makes AppConfig roll the deployment back, recording the message in
 * the deployment's EventLog (docs/canary-analysis.md). The message is `canaryReason` of the failures.
 */
import type { CanaryAnalysisEntry } from '../../src/core/api.ts';

export class CanaryAnalysisFailedError extends Error {
  /** The failing entries the message describes. */
  readonly failures: readonly CanaryAnalysisEntry[];

  constructor(reason: string, failures: readonly CanaryAnalysisEntry[] = [], options?: ErrorOptions) {
    super(reason, options);
    this.name = 'CanaryAnalysisFailedError';
    this.failures = failures;
  }
}
