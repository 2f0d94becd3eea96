/**
 * What `promptops test` (offline) and `promptops eval` (server side) share: where a prompt's suite
 * lives, the `--provider` options, and the test x assertion table and summary line of a run.
 */
import { dirname, join } from 'node:path';
import { Option } from 'commander';
import type { EvalProviderOverride } from '../core/api.ts';
import { PROVIDER_TYPES } from '../core/eval/suite.ts';
import type { CommandContext } from './context.ts';
import { UsageError } from './errors.ts';

/** A prompt's suite sits beside its file as `<id>.eval.yaml`. */
export const SUITE_EXTENSION = '.eval.yaml';

export function suitePathFor(promptPath: string, id: string): string {
  return join(dirname(promptPath), `${id}${SUITE_EXTENSION}`);
}

/** The options naming the provider a run uses instead of the suite's. */
export interface ProviderOptions {
  readonly provider?: string;
  readonly model?: string;
  readonly baseUrl?: string;
}

export const PROVIDER_OPTIONS: readonly Option[] = [
  new Option('--provider <type>', "run with this provider instead of the suite's").choices(PROVIDER_TYPES),
  new Option('--model <id>', 'with --provider: the model (Bedrock model id, or the OpenAI-compatible name)'),
  new Option('--base-url <url>', 'with --provider openai: the chat-completions server, http(s)://host/v1'),
];

/** The override `--provider`, `--model` and `--base-url` give, or undefined for none. */
export function providerOverride(options: ProviderOptions): EvalProviderOverride | undefined {
  if (options.provider === undefined) {
    const given = options.model !== undefined ? '--model' : options.baseUrl !== undefined ? '--base-url' : '';
    if (given) throw new UsageError(`${given} needs --provider <type> (${PROVIDER_TYPES.join(', ')})`);
    return undefined;
  }
  const type = options.provider as EvalProviderOverride['type'];
  if (options.baseUrl !== undefined) {
    if (type !== 'openai') throw new UsageError('--base-url works with --provider openai only');
    if (!/^https?:\/\//i.test(options.baseUrl))
      throw new UsageError(`--base-url ${JSON.stringify(options.baseUrl)} is not an http(s) URL`);
  }
  return {
    type,
    ...(options.model !== undefined ? { model: options.model } : {}),
    ...(options.baseUrl !== undefined ? { baseUrl: options.baseUrl } : {}),
  };
}

/** What the table reads of a test: the runner's results and the API's have this shape. */
export interface ReportedTest {
  readonly description: string;
  readonly passed: boolean;
  readonly latencyMs?: number;
  readonly costUsd?: number;
  readonly assertions: readonly {
    readonly type: string;
    readonly passed: boolean;
    readonly reason: string;
  }[];
  readonly error?: string;
}

export function formatLatency(ms: number | undefined): string {
  return ms === undefined ? '' : `${Math.round(ms)} ms`;
}

export function formatCost(usd: number | undefined): string {
  if (usd === undefined) return '';
  if (usd === 0) return '$0';
  return usd < 0.0001 ? `$${usd.toExponential(1)}` : `$${usd.toFixed(4)}`;
}

export function formatRate(rate: number | undefined): string {
  return rate === undefined ? '-' : `${Math.round(rate * 1000) / 10}%`;
}

interface AssertionRow {
  readonly test?: ReportedTest;
  readonly type: string;
  readonly passed: boolean;
  readonly reason: string;
}

/**
 * One row per assertion: the test's name, latency and cost on its first row; the reason of each
 * failed assertion (or why the test could not run) at the end.
 */
export function printEvaluationTable(ctx: CommandContext, tests: readonly ReportedTest[]): void {
  const c = ctx.out.colors;
  const rows: AssertionRow[] = tests.flatMap((test) => {
    const assertions: AssertionRow[] =
      test.assertions.length > 0
        ? test.assertions.map((a) => ({ type: a.type, passed: a.passed, reason: a.reason }))
        : [{ type: '-', passed: test.passed, reason: test.error ?? '' }];
    return assertions.map((row, i) => (i === 0 ? { ...row, test } : row));
  });
  ctx.out.table(rows, [
    { header: 'TEST', value: (r) => r.test?.description ?? '' },
    { header: 'ASSERTION', value: (r) => r.type },
    { header: 'RESULT', value: (r) => (r.passed ? c.green('pass') : c.red('fail')) },
    { header: 'LATENCY', value: (r) => formatLatency(r.test?.latencyMs), align: 'right' },
    { header: 'COST', value: (r) => formatCost(r.test?.costUsd), align: 'right' },
    // Reasons say why something failed; a table of passes needs none.
    ...(rows.some((r) => !r.passed)
      ? [{ header: 'REASON', value: (r: AssertionRow) => (r.passed ? '' : r.reason) }]
      : []),
  ]);
}

/** What a summary line says about a finished (or running) run. */
export interface RunSummary {
  readonly state: string;
  readonly passRate?: number;
  readonly threshold: number;
  readonly tests?: readonly { readonly passed: boolean }[];
  readonly reason?: string;
}

/** `PASSED  3/3 tests passed (100%), threshold 90%`, and the reason of an ERROR. */
export function summaryLine(ctx: CommandContext, run: RunSummary): string {
  const c = ctx.out.colors;
  const state =
    run.state === 'PASSED'
      ? c.green(run.state)
      : run.state === 'RUNNING'
        ? c.yellow(run.state)
        : c.red(run.state);
  const counts = run.tests
    ? `${run.tests.filter((t) => t.passed).length}/${run.tests.length} tests passed (${formatRate(run.passRate)})`
    : `pass rate ${formatRate(run.passRate)}`;
  return `${state}  ${counts}, threshold ${formatRate(run.threshold)}${run.reason ? `: ${run.reason}` : ''}`;
}
