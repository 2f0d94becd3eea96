/**
 * The evaluation functions as deployed: `bundle-evaluate` and `import-evaluate` (the API handler, on
 * the request path, so it has the API handlers' budgets) and `bundle-evaluation-worker` (invoked
 * asynchronously, where a cold start is a small share of a run; reported without a budget).
 */
import { type BenchResult, evaluate } from './harness.ts';
import { bundleHandler, medianImportMs } from './lambda-bundles.ts';

const KB = 1024;

export default async function evaluationHandlers(): Promise<BenchResult[]> {
  const api = await bundleHandler('evaluate');
  const worker = await bundleHandler('evaluation-worker');
  return [
    evaluate({ name: 'bundle-evaluate', unit: 'KB', value: api.bytes / KB, budget: { max: 600 } }),
    evaluate({
      name: 'import-evaluate',
      unit: 'ms',
      value: await medianImportMs(api.file),
      budget: { max: 150 },
    }),
    evaluate({ name: 'bundle-evaluation-worker', unit: 'KB', value: worker.bytes / KB }),
  ];
}
