/**
 * Local mode's scheduled scan: `POST /_local/scan` runs the same handler the stack's daily schedule
 * invokes (lambda/handlers/pinned-scan.ts) over the local stores. The operators' topic is the
 * console: a run with findings prints the notification, and the answer carries it too; its audit
 * entry lands in the local audit log (GET /audit). See README, "Local mode".
 */
import type { Context } from 'aws-lambda';
import { createPinnedScanHandler, type PinnedScanSummary } from '../../lambda/handlers/pinned-scan.ts';
import type { FindingsNotifier, PinnedScanDeps } from '../../lambda/scan/ports.ts';
import type { LocalRoute } from './gateway.ts';

export interface LocalNotification {
  readonly subject: string;
  readonly message: string;
}

/** The local route; `log` prints what SNS would deliver. */
export function localScanRoute(
  deps: Omit<PinnedScanDeps, 'notifier'>,
  log: (line: string) => void,
  context: () => Context,
): LocalRoute {
  return async ({ method }) => {
    if (method !== 'POST') return { status: 405, body: { title: 'Method not allowed: POST /_local/scan' } };
    const sent: LocalNotification[] = [];
    const notifier: FindingsNotifier = {
      notify: async (subject, message) => {
        sent.push({ subject, message });
        log(`scan: ${subject}\n${message}`);
      },
    };
    const handler = createPinnedScanHandler(() => ({ ...deps, notifier }));
    const now = new Date().toISOString();
    const summary: PinnedScanSummary = await handler({ id: `local-scan-${now}`, time: now }, context());
    return { status: 200, body: { ...summary, ...(sent[0] ? { notification: sent[0] } : {}) } };
  };
}
