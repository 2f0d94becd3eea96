/**
 * Library maintenance (docs/maintenance.md): the review reminder as deployed (`bundle-review-reminders`,
 * `import-review-reminders`, once a day off any request path, so reported, not budgeted), and the
 * near-duplicate finder on a library of 1,000 prompts (`near-duplicates-1000`, ms) against comparing
 * every pair exactly in the same run (`near-duplicates-all-pairs-1000`): MinHash must stay faster.
 */
import { parsePromptDocument } from '../src/core/document.ts';
import { type ComparedPrompt, findNearDuplicates, jaccard, shingles } from '../src/core/near-duplicates.ts';
import { type BenchResult, evaluate } from './harness.ts';
import { bundleHandler, medianImportMs } from './lambda-bundles.ts';

const KB = 1024;
const LIBRARY_SIZE = 1000;

/** Deterministic pseudo-random words, so every run compares the same library. */
function library(size: number): ComparedPrompt[] {
  let seed = 42;
  const next = () => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return seed;
  };
  const vocabulary = Array.from({ length: 3000 }, (_, i) => `w${i.toString(36)}`);
  const text = (n: number) =>
    Array.from({ length: n }, () => vocabulary[next() % vocabulary.length]).join(' ');
  return Array.from({ length: size }, (_, i) => {
    const body = `## role\n${text(20)}\n\n## instructions\n${text(120)}\n\n## output_format\nPlain text.\n`;
    return {
      id: `prompt-${i}`,
      document: parsePromptDocument(`---\nid: prompt-${i}\nvariables: {}\n---\n${body}`),
    };
  });
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
}

function timeMs(run: () => unknown, runs = 3): number {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    run();
    times.push(performance.now() - started);
  }
  return median(times);
}

export default async function maintenance(): Promise<BenchResult[]> {
  const reminders = await bundleHandler('review-reminders');
  const prompts = library(LIBRARY_SIZE);
  const indexed = timeMs(() => findNearDuplicates(prompts));
  const allPairs = timeMs(() => {
    const sets = prompts.map((p) => new Set(p.document.sections.flatMap((s) => [...shingles(s.content)])));
    let found = 0;
    for (let i = 0; i < sets.length; i++)
      for (let j = i + 1; j < sets.length; j++)
        if (jaccard(sets[i] as Set<string>, sets[j] as Set<string>) >= 0.8) found++;
    return found;
  }, 1);
  return [
    evaluate({ name: 'bundle-review-reminders', unit: 'KB', value: reminders.bytes / KB }),
    evaluate({ name: 'import-review-reminders', unit: 'ms', value: await medianImportMs(reminders.file) }),
    evaluate({ name: 'near-duplicates-all-pairs-1000', unit: 'ms', value: allPairs }),
    evaluate({
      name: 'near-duplicates-1000',
      unit: 'ms',
      value: indexed,
      baseline: 'near-duplicates-all-pairs-1000',
      baselineValue: allPairs,
      // ratio = all pairs / indexed: how many times faster the index is; it must not be slower.
      budget: { minRatio: 1 },
    }),
  ];
}
