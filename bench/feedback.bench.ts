/**
 * Feedback and metrics budgets: bundle sizes and cold import time of the handlers as deployed, and
 * the CPU one feedback costs in the handler itself (adapters replaced by in-memory fakes).
 */
import { createFeedbackHandler } from '../lambda/handlers/feedback.ts';
import { matchRoute } from '../src/core/routes.ts';
import { apiGatewayEvent } from '../src/local/api-event.ts';
import { lambdaContext } from '../test/fixtures/api.ts';
import { memoryFeedback } from '../test/fixtures/feedback-fakes.ts';
import { type BenchResult, evaluate } from './harness.ts';
import { bundleHandler, medianImportMs } from './lambda-bundles.ts';

const KB = 1024;

async function feedbackOverheadMicros(): Promise<number> {
  const deps = memoryFeedback({ keepMetrics: false, retentionDays: 365 });
  await deps.prompts.createVersion({
    id: 'support-reply',
    version: '1.4.0',
    sha256: 'a'.repeat(64),
    size: 100,
    createdBy: 'arn:aws:iam::123456789012:user/alice',
    createdAt: '2026-11-01T10:00:00.000Z',
    bump: { level: 'minor', reasons: [] },
    approvals: [],
  });
  const handler = createFeedbackHandler(() => deps);
  const match = matchRoute('POST', '/feedback');
  if (!match) throw new Error('no feedback route');
  // A realistic mix: thumbs and stars, hashed user and session ids, a comment and tags.
  const bodies = [
    { rating: 1, userId: 'user-1842', sessionId: 'session-9f2c', tags: ['helpful'] },
    {
      rating: 2,
      scale: 'stars',
      userId: 'user-77',
      comment: 'The reply promised a refund, which our guardrails forbid.',
      tags: ['wrong', 'policy'],
    },
  ].map((fields) =>
    JSON.stringify({ promptId: 'support-reply', version: '1.4.0', environment: 'prod', ...fields }),
  );
  const postOnce = async (i: number) => {
    const event = apiGatewayEvent({
      method: 'POST',
      path: '/feedback',
      routeKey: match.routeKey,
      headers: { 'content-type': 'application/json' },
      body: bodies[i % 2] as string,
      caller: 'arn:aws:iam::123456789012:role/support-app',
    });
    const result = await handler(event, lambdaContext('feedback'));
    if (result.statusCode !== 202) throw new Error(`feedback answered ${result.statusCode}: ${result.body}`);
  };
  for (let i = 0; i < 500; i++) await postOnce(i);
  const samples: number[] = [];
  for (let round = 0; round < 20; round++) {
    const cpu = process.cpuUsage();
    for (let i = 0; i < 200; i++) await postOnce(i);
    const used = process.cpuUsage(cpu);
    samples.push((used.user + used.system) / 200);
  }
  if (deps.metrics.published !== deps.feedback.items.size) throw new Error('a feedback was not counted');
  samples.sort((a, b) => a - b);
  return samples[Math.floor(samples.length / 2)] as number;
}

export default async function feedback(): Promise<BenchResult[]> {
  const feedbackBundle = await bundleHandler('feedback');
  const metricsBundle = await bundleHandler('metrics');
  const importFeedback = await medianImportMs(feedbackBundle.file);
  const overhead = await feedbackOverheadMicros();
  return [
    evaluate({ name: 'bundle-feedback', unit: 'KB', value: feedbackBundle.bytes / KB, budget: { max: 500 } }),
    evaluate({ name: 'bundle-metrics', unit: 'KB', value: metricsBundle.bytes / KB, budget: { max: 500 } }),
    evaluate({ name: 'import-feedback', unit: 'ms', value: importFeedback, budget: { max: 120 } }),
    evaluate({ name: 'feedback-overhead', unit: 'µs', value: overhead, budget: { max: 500 } }),
  ];
}
