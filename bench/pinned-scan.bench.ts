/**
 * The scheduled scan as deployed: `bundle-pinned-scan` (budget 300 KB, README "Performance budgets")
 * and `import-pinned-scan`, reported only: it runs once a day, off the request path, so a cold start
 * is a small share of a run.
 */
import { type BenchResult, evaluate } from './harness.ts';
import { bundleHandler, medianImportMs } from './lambda-bundles.ts';

const KB = 1024;
/** Also asserted by test/infra/bundling.test.ts. */
export const PINNED_SCAN_BUNDLE_BUDGET_KB = 300;

export default async function pinnedScan(): Promise<BenchResult[]> {
  const scan = await bundleHandler('pinned-scan');
  return [
    evaluate({
      name: 'bundle-pinned-scan',
      unit: 'KB',
      value: scan.bytes / KB,
      budget: { max: PINNED_SCAN_BUNDLE_BUDGET_KB },
    }),
    evaluate({ name: 'import-pinned-scan', unit: 'ms', value: await medianImportMs(scan.file) }),
  ];
}
