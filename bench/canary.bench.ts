/**
 * Canary analysis budget: the judgement of one prompt (a 90/10 split's candidate against its
 * baseline on the three metrics, and the failures picked out), in memory, as each deployment tick
 * runs it for every prompt the deployment changed. The tick Lambda's bundle and import time are
 * canary-handlers.bench.ts's.
 */
import { canaryFailures, canaryReason, canarySettingsOf, judgeCanary } from '../src/core/canary.ts';
import { parseSettings } from '../src/core/settings.ts';
import { type BenchResult, evaluate, measure } from './harness.ts';

const _KB = 1024;

const BATCH = 200;

export default async function canaryBench(): Promise<BenchResult[]> {
  const settings = canarySettingsOf(parseSettings({}));
  const traffic = {
    '1.2.0': {
      invocations: 9000,
      errors: 90,
      latencyP99: 1800,
      latencyMean: 650,
      ratings: 900,
      negativeRatings: 90,
    },
    '1.3.0': {
      invocations: 1000,
      errors: 300,
      latencyP99: 2100,
      latencyMean: 700,
      ratings: 100,
      negativeRatings: 12,
    },
  };
  const judgeOnePrompt = () => {
    const failures = canaryFailures(
      judgeCanary({ promptId: 'support-reply', baseline: '1.2.0', candidates: ['1.3.0'], traffic, settings }),
    );
    return failures.length > 0 ? canaryReason(failures) : failures;
  };
  const judged = await measure('canary-judge', judgeOnePrompt, { batch: BATCH });
  return [
    evaluate({
      name: 'canary-judge',
      unit: 'µs',
      value: judged.p50,
      budget: { max: 50 },
      detail: `p50 per prompt judged (3 metrics, the failure's reason formatted), p99 ${judged.p99.toFixed(2)} µs`,
    }),
  ];
}
