/**
 * `npm run bench [-- filter]`: runs every `bench/*.bench.ts` (or those whose file name contains the
 * filter), prints a table, writes `bench/results.json` and exits non-zero when a row misses its budget.
 * A filtered run merges its rows into the existing results by name.
 */
import { readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { type BenchResult, type Budget, evaluate } from './harness.ts';

const benchDir = path.dirname(fileURLToPath(import.meta.url));
const resultsPath = path.join(benchDir, 'results.json');
const filter = process.argv[2];

const files = (await readdir(benchDir))
  .filter((f) => f.endsWith('.bench.ts') && (filter === undefined || f.includes(filter)))
  .sort();
if (files.length === 0) {
  console.error(`No bench/*.bench.ts file name contains "${filter}". Run "npm run bench" for all of them.`);
  process.exit(1);
}

const rows: BenchResult[] = [];
const broken: string[] = [];
for (const file of files) {
  console.error(`running ${file} ...`);
  try {
    const mod = (await import(pathToFileURL(path.join(benchDir, file)).href)) as { default?: unknown };
    if (typeof mod.default !== 'function') {
      throw new Error('it must default-export an async function returning BenchResult[]');
    }
    const result = (await mod.default()) as BenchResult[];
    rows.push(...result.map((row) => evaluate(round(row))));
  } catch (error) {
    console.error(`${file} failed: ${error instanceof Error ? (error.stack ?? error.message) : error}`);
    broken.push(file);
  }
}

printTable(rows);
await writeFile(resultsPath, `${JSON.stringify(await merge(rows), null, 2)}\n`);
console.log(`\nwrote ${path.relative(process.cwd(), resultsPath)}`);

const failed = rows.filter((r) => r.pass === false).map((r) => r.name);
if (failed.length > 0) console.error(`over budget: ${failed.join(', ')}`);
if (broken.length > 0) console.error(`bench files that threw: ${broken.join(', ')}`);
if (failed.length > 0 || broken.length > 0) process.exitCode = 1;

/** Without a filter the run is complete and replaces the file; with one, other rows are kept. */
async function merge(fresh: BenchResult[]): Promise<BenchResult[]> {
  if (filter === undefined) return fresh;
  let existing: BenchResult[] = [];
  try {
    existing = JSON.parse(await readFile(resultsPath, 'utf8')) as BenchResult[];
  } catch {
    // No previous results (or unreadable ones): this run's rows are all there is.
  }
  const byName = new Map(fresh.map((r) => [r.name, r]));
  const merged = existing.map((r) => byName.get(r.name) ?? r);
  const kept = new Set(existing.map((r) => r.name));
  return [...merged, ...fresh.filter((r) => !kept.has(r.name))];
}

/** Four significant digits: measurement noise is far above that. */
function round(row: BenchResult): BenchResult {
  const sig = (n: number | undefined) => (n === undefined ? undefined : Number(n.toPrecision(4)));
  return {
    ...row,
    value: sig(row.value) as number,
    ...(row.baselineValue !== undefined ? { baselineValue: sig(row.baselineValue) } : {}),
    ...(row.ratio !== undefined ? { ratio: sig(row.ratio) } : {}),
  };
}

function printTable(results: readonly BenchResult[]): void {
  const header = ['name', 'value', 'baseline', 'ratio', 'budget', 'pass'];
  const body = results.map((r) => [
    r.name,
    `${formatNumber(r.value)} ${r.unit}`,
    r.baseline === undefined ? '' : `${r.baseline} (${formatNumber(r.baselineValue)} ${r.unit})`,
    r.ratio === undefined ? '' : `${r.ratio.toFixed(2)}×`,
    formatBudget(r.budget, r.unit),
    r.pass === undefined ? '' : r.pass ? '✓' : '✗',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((cells) => (cells[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  console.log(`\n${line(header)}\n${line(widths.map((w) => '-'.repeat(w)))}`);
  for (const cells of body) console.log(line(cells));
  const details = results.filter((r) => r.detail !== undefined);
  if (details.length > 0) console.log('');
  for (const r of details) console.log(`${r.name}: ${r.detail}`);
}

function formatBudget(budget: Budget | undefined, unit: string): string {
  if (!budget) return '';
  const parts: string[] = [];
  if (budget.max !== undefined) parts.push(`≤ ${formatNumber(budget.max)} ${unit}`);
  if (budget.min !== undefined) parts.push(`≥ ${formatNumber(budget.min)} ${unit}`);
  if (budget.minRatio !== undefined) parts.push(`≥ ${budget.minRatio}×`);
  return parts.join(', ');
}

function formatNumber(n: number | undefined): string {
  if (n === undefined) return '?';
  const abs = Math.abs(n);
  return n.toFixed(abs >= 100 ? 0 : abs >= 10 ? 1 : abs >= 1 ? 2 : 3);
}
