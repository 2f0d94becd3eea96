/**
 * The notifier as deployed: `bundle-notifier` and `import-notifier`. EventBridge invokes it off the
 * request path, so the deployed handlers' common budgets apply (700 KB, 150 ms cold import); the CPU
 * to build one notification (`notification-build`, µs) is reported.
 */
import { performance } from 'node:perf_hooks';
import { buildNotification } from '../src/core/notification.ts';
import { type BenchResult, evaluate } from './harness.ts';
import { bundleHandler, medianImportMs } from './lambda-bundles.ts';

const KB = 1024;

export default async function notifier(): Promise<BenchResult[]> {
  const bundle = await bundleHandler('notifier');
  const event = {
    kind: 'alarm',
    environment: 'prod',
    alarmName: 'promptops-prod-ErrorRate',
    alarm: 'ErrorRate',
    state: 'ALARM',
    previousState: 'OK',
    reason: 'Threshold Crossed',
    at: '2026-12-01T17:04:40.985Z',
  } as const;
  const context = {
    deployment: { number: 7, state: 'DEPLOYING', strategy: 'Canary10Percent20Minutes', percentage: 10 },
    changes: [{ promptId: 'support-reply', from: '1.2.0', to: '1.3.0', approvedBy: ['bob'] }],
    rollbackAlarms: ['ErrorRate'],
  } as const;
  const runs = 2000;
  const start = performance.now();
  for (let i = 0; i < runs; i++) buildNotification('promptops', event, context);
  const perMessageUs = ((performance.now() - start) * 1000) / runs;
  return [
    evaluate({ name: 'bundle-notifier', unit: 'KB', value: bundle.bytes / KB, budget: { max: 700 } }),
    evaluate({
      name: 'import-notifier',
      unit: 'ms',
      value: await medianImportMs(bundle.file),
      budget: { max: 150 },
    }),
    evaluate({ name: 'notification-build', unit: 'µs', value: perMessageUs }),
  ];
}
