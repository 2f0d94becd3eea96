/** Delivery budgets: the deploy handler's bundle size and cold import time, as deployed. */
import { type BenchResult, evaluate } from './harness.ts';
import { bundleHandler, medianImportMs } from './lambda-bundles.ts';

export default async function delivery(): Promise<BenchResult[]> {
  const deploy = await bundleHandler('deploy');
  const validator = await bundleHandler('config-validator');
  const events = await bundleHandler('deployment-events');
  return [
    evaluate({ name: 'bundle-deploy', unit: 'KB', value: deploy.bytes / 1024, budget: { max: 700 } }),
    evaluate({
      name: 'import-deploy',
      unit: 'ms',
      value: await medianImportMs(deploy.file),
      budget: { max: 150 },
    }),
    evaluate({ name: 'bundle-config-validator', unit: 'KB', value: validator.bytes / 1024 }),
    evaluate({ name: 'bundle-deployment-events', unit: 'KB', value: events.bytes / 1024 }),
  ];
}
