/**
 * The canary tick as deployed: `bundle-canary-tick` and `import-canary-tick`. AppConfig calls it about
 * once a minute during a deployment, off the request path, so the issue asks for them reported, not
 * budgeted.
 */
import { type BenchResult, evaluate } from './harness.ts';
import { bundleHandler, medianImportMs } from './lambda-bundles.ts';

const KB = 1024;

export default async function canaryHandlers(): Promise<BenchResult[]> {
  const tick = await bundleHandler('canary-tick');
  return [
    evaluate({ name: 'bundle-canary-tick', unit: 'KB', value: tick.bytes / KB }),
    evaluate({ name: 'import-canary-tick', unit: 'ms', value: await medianImportMs(tick.file) }),
  ];
}
