/**
 * Shared types and helpers for `npm run bench`. A bench file (`bench/<case>.bench.ts`) default-exports
 * an async function returning rows; `bench/run.ts` evaluates budgets, prints them and writes
 * `bench/results.json` (CONTRACT section 6).
 */
import { Bench } from 'tinybench';

/** Limits a row must meet. Every unit used so far (µs, ms, s, KB) is lower-is-better. */
export interface Budget {
  /** `value` must be <= max. */
  readonly max?: number;
  /** `value` must be >= min. */
  readonly min?: number;
  /** `ratio` must be >= minRatio. */
  readonly minRatio?: number;
}

export interface BenchResult {
  readonly name: string;
  readonly unit: string;
  readonly value: number;
  /** Name of the row this one is compared against. */
  readonly baseline?: string;
  readonly baselineValue?: number;
  /** baselineValue / value: a speedup (or shrink) factor, above 1 when we beat the baseline. */
  readonly ratio?: number;
  readonly budget?: Budget;
  readonly pass?: boolean;
  /** How the value was measured, or what it is made of: printed under the table. */
  readonly detail?: string;
}

/** What a bench file default-exports. */
export type BenchCase = () => Promise<BenchResult[]>;

/** Fills in `ratio` from `baselineValue` when missing, and `pass` when the row has a budget. */
export function evaluate(row: BenchResult): BenchResult {
  const ratio =
    row.ratio ??
    (row.baselineValue !== undefined && row.value > 0 ? row.baselineValue / row.value : undefined);
  const withRatio = ratio === undefined ? row : { ...row, ratio };
  const { budget } = row;
  if (!budget) return withRatio;
  const pass =
    (budget.max === undefined || row.value <= budget.max) &&
    (budget.min === undefined || row.value >= budget.min) &&
    // A ratio budget without a ratio to check cannot pass.
    (budget.minRatio === undefined || (ratio !== undefined && ratio >= budget.minRatio));
  return { ...withRatio, pass };
}

export interface MeasureOptions {
  /** Calls of `fn` per timed iteration, so sub-microsecond work rises above timer resolution. */
  readonly batch?: number;
  /** Time budget in milliseconds (after warmup). */
  readonly time?: number;
}

/** Per-call statistics in microseconds. */
export interface Measurement {
  readonly name: string;
  readonly p50: number;
  /** p99 of per-batch averages: it understates the tail of single calls when batch > 1. */
  readonly p99: number;
  readonly mean: number;
  /** Timed iterations (each of `batch` calls). */
  readonly samples: number;
}

/** Written on every call so the JIT cannot drop the measured work as dead code. */
let _sink: unknown;

export async function measure(
  name: string,
  fn: () => unknown,
  { batch = 1, time = 1000 }: MeasureOptions = {},
): Promise<Measurement> {
  const bench = new Bench({ name, time, warmup: true, throws: true, timestampProvider: 'hrtimeNow' });
  bench.add(name, () => {
    for (let i = 0; i < batch; i++) _sink = fn();
  });
  await bench.run();
  const result = bench.getTask(name)?.result;
  if (result?.state !== 'completed') throw new Error(`bench "${name}" did not complete: ${result?.state}`);
  const perCallMicros = (ms: number) => (ms * 1000) / batch;
  const { latency } = result;
  return {
    name,
    p50: perCallMicros(latency.p50),
    p99: perCallMicros(latency.p99),
    mean: perCallMicros(latency.mean),
    samples: latency.samplesCount,
  };
}
