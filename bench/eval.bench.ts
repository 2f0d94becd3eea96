/**
 * `eval-overhead`: what the runner itself costs per test with the echo provider: rendering the prompt,
 * checking a typical mix of assertions and recording the result. No model call is timed, so this is
 * the share of a run's time that is ours.
 */
import assert from 'node:assert/strict';
import { parsePromptDocument } from '../src/core/document.ts';
import { createEchoProvider } from '../src/core/eval/provider.ts';
import { runSuite } from '../src/core/eval/runner.ts';
import { parseEvalSuite } from '../src/core/eval/suite.ts';
import { type BenchResult, evaluate } from './harness.ts';
import { BENCH_DOCUMENT, BENCH_VALUES } from './prompt-fixture.ts';

const TESTS = 100;
const ROUNDS = 30;

/** A suite of TESTS tests with the bench prompt's variables and seven assertions each. */
function benchSuite(): string {
  const vars = JSON.stringify(BENCH_VALUES);
  const test = (i: number) =>
    [
      `  - description: "case ${i}"`,
      `    vars: ${vars}`,
      '    assert:',
      '      - { type: rendered-contains, value: Never promise refunds }',
      '      - { type: not-rendered-regex, value: "\\\\{\\\\{" }',
      '      - { type: icontains, value: dana }',
      '      - { type: contains, value: Acme Queue }',
      '      - { type: not-regex, value: "refund (is )?approved" }',
      '      - { type: starts-with, value: You are }',
      '      - { type: latency, threshold: 1000 }',
    ].join('\n');
  return `description: bench\ntests:\n${Array.from({ length: TESTS }, (_, i) => test(i)).join('\n')}\n`;
}

async function evalOverheadMicros(): Promise<number> {
  const prompt = parsePromptDocument(BENCH_DOCUMENT);
  const suite = parseEvalSuite(benchSuite());
  const provider = createEchoProvider();
  const run = () => runSuite({ suite, prompt, provider });

  const first = await run();
  assert.equal(first.state, 'PASSED', JSON.stringify(first.tests[0]?.assertions));
  assert.equal(first.tests.length, TESTS);
  for (let i = 0; i < 20; i++) await run();

  const samples: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const cpu = process.cpuUsage();
    await run();
    const used = process.cpuUsage(cpu);
    samples.push((used.user + used.system) / TESTS);
  }
  samples.sort((a, b) => a - b);
  return samples[Math.floor(samples.length / 2)] as number;
}

export default async function evaluation(): Promise<BenchResult[]> {
  const overhead = await evalOverheadMicros();
  return [
    evaluate({
      name: 'eval-overhead',
      unit: 'µs',
      value: overhead,
      budget: { max: 200 },
      detail: `CPU per test of runSuite with the echo provider, median of ${ROUNDS} runs of ${TESTS} tests (render, 7 assertions, recording)`,
    }),
  ];
}
