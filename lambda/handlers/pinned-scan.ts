/**
 * The scheduled scan's Lambda: an EventBridge schedule (daily by default) invokes it asynchronously.
 * It re-lints every pinned version with the current rules, audits and notifies the operators' topic
 * when anything is found (lambda/scan/run-pinned-scan.ts). A failing store throws: Lambda retries
 * the event and then sends it to the dead-letter queue, whose alarm notifies the operators too.
 */
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { ScheduledEvent } from 'aws-lambda';
import { createLogger } from '../runtime/logger.ts';
import { pinnedScanDeps } from '../scan/deps.ts';
import type { PinnedScanDeps } from '../scan/ports.ts';
import { runPinnedScan } from '../scan/run-pinned-scan.ts';

const logger = createLogger('pinned-scan');

/** What a run answers (and logs): counts only, never a document or a finding's text. */
export interface PinnedScanSummary {
  readonly scannedAt: string;
  readonly environments: readonly string[];
  readonly versions: number;
  readonly errorCount: number;
  readonly warningCount: number;
  readonly unreadable: number;
  readonly reported: boolean;
}

/** Invoked by the schedule with a ScheduledEvent; local mode passes one of its own. */
export type PinnedScanEvent = Pick<ScheduledEvent, 'id' | 'time'>;

export function createPinnedScanHandler(deps: () => PinnedScanDeps) {
  return middy<PinnedScanEvent, PinnedScanSummary>()
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .handler(async (event, context) => {
      try {
        const outcome = await runPinnedScan(deps(), {
          requestId: event.id ?? context.awsRequestId,
          ...(event.time ? { scheduledAt: event.time } : {}),
        });
        const summary: PinnedScanSummary = {
          scannedAt: outcome.scannedAt,
          environments: outcome.environments,
          versions: outcome.scan.versions.length + outcome.unreadable.length,
          errorCount: outcome.scan.errorCount,
          warningCount: outcome.scan.warningCount,
          unreadable: outcome.unreadable.length,
          reported: outcome.reported,
        };
        logger.info('pinned versions scanned', { ...summary });
        return summary;
      } catch (error) {
        logger.error('pinned scan failed: the event is retried, then dead-lettered', { error });
        throw error;
      }
    });
}

export const handler = createPinnedScanHandler(pinnedScanDeps);
