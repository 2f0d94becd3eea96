/**
 * Registry budgets: bundle sizes and cold import time of the handlers as deployed, and the CPU a
 * publish costs in the handler itself (adapters replaced by in-memory fakes).
 */
import { createPublishHandler } from '../lambda/handlers/publish.ts';
import { matchRoute } from '../src/core/routes.ts';
import { apiGatewayEvent } from '../src/local/api-event.ts';
import { lambdaContext } from '../test/fixtures/api.ts';
import { EXAMPLE_TEXT } from '../test/fixtures/documents.ts';
import { memoryRegistry } from '../test/fixtures/registry-fakes.ts';
import { type BenchResult, evaluate } from './harness.ts';
import { bundleHandler, medianImportMs } from './lambda-bundles.ts';

const KB = 1024;

async function publishOverheadMicros(): Promise<number> {
  const deps = memoryRegistry();
  const handler = createPublishHandler(() => deps);
  const match = matchRoute('POST', '/prompts/support-reply/versions');
  if (!match) throw new Error('no publish route');
  // Alternate two documents so every call publishes a new version (the full path, not a retry).
  const bodies = [
    EXAMPLE_TEXT,
    EXAMPLE_TEXT.replace('Replies to a customer support ticket', 'Replies kindly'),
  ].map((document) => JSON.stringify({ document }));
  const publishOnce = async (i: number) => {
    const event = apiGatewayEvent({
      method: 'POST',
      path: '/prompts/support-reply/versions',
      routeKey: match.routeKey,
      pathParameters: match.pathParameters,
      headers: { 'content-type': 'application/json' },
      body: bodies[i % 2] as string,
      caller: 'arn:aws:iam::123456789012:user/alice',
    });
    const result = await handler(event, lambdaContext('publish'));
    if (result.statusCode !== 201) throw new Error(`publish answered ${result.statusCode}: ${result.body}`);
  };
  for (let i = 0; i < 300; i++) await publishOnce(i);
  const samples: number[] = [];
  for (let round = 0; round < 20; round++) {
    const cpu = process.cpuUsage();
    for (let i = 0; i < 100; i++) await publishOnce(round * 100 + i + 300);
    const used = process.cpuUsage(cpu);
    samples.push((used.user + used.system) / 100);
  }
  samples.sort((a, b) => a - b);
  return samples[Math.floor(samples.length / 2)] as number;
}

export default async function registry(): Promise<BenchResult[]> {
  const publish = await bundleHandler('publish');
  const query = await bundleHandler('query');
  const review = await bundleHandler('review');
  const importPublish = await medianImportMs(publish.file);
  const overhead = await publishOverheadMicros();
  return [
    evaluate({ name: 'bundle-publish', unit: 'KB', value: publish.bytes / KB, budget: { max: 600 } }),
    evaluate({ name: 'bundle-query', unit: 'KB', value: query.bytes / KB, budget: { max: 600 } }),
    evaluate({ name: 'bundle-review', unit: 'KB', value: review.bytes / KB }),
    evaluate({ name: 'import-publish', unit: 'ms', value: importPublish, budget: { max: 150 } }),
    evaluate({ name: 'publish-overhead', unit: 'µs', value: overhead, budget: { max: 1000 } }),
  ];
}
