/**
 * `render`: one compiled prompt rendered with all its variables, against mustache.js rendering the
 * same body text. Both sides are compiled or parsed once up front; only rendering is timed.
 */
import assert from 'node:assert/strict';
import Mustache from 'mustache';
import { documentBody, parsePromptDocument } from '../src/core/document.ts';
import { compilePrompt } from '../src/core/prompt.ts';
import { type BenchResult, evaluate, measure } from './harness.ts';
import { BENCH_DOCUMENT, BENCH_VALUES } from './prompt-fixture.ts';

const BATCH = 200;

export default async function render(): Promise<BenchResult[]> {
  const document = parsePromptDocument(BENCH_DOCUMENT);
  const body = documentBody(document);
  const prompt = compilePrompt({ body, variables: document.variables });

  Mustache.escape = (text: string) => text;
  Mustache.parse(body);

  const ours = prompt.render(BENCH_VALUES);
  const theirs = Mustache.render(body, BENCH_VALUES);
  assert.equal(typeof ours, 'string');
  // Same text once Mustache's copy loses the `## name` headings and both lose blank lines, which is
  // the only thing compilePrompt does differently (it joins sections with one blank line).
  const contentLines = (text: string, headings: boolean) =>
    text.split('\n').filter((line) => line.trim() !== '' && !(headings && /^## [a-z_]+$/.test(line)));
  assert.deepEqual(contentLines(ours as string, false), contentLines(theirs, true));
  for (const value of Object.values(BENCH_VALUES)) assert.ok((ours as string).includes(value), value);

  const mustache = await measure('mustache-render', () => Mustache.render(body, BENCH_VALUES), {
    batch: BATCH,
  });
  const compiled = await measure('render', () => prompt.render(BENCH_VALUES), { batch: BATCH });

  return [
    evaluate({
      name: 'render',
      unit: 'µs',
      value: compiled.p50,
      baseline: 'mustache-render',
      baselineValue: mustache.p50,
      ratio: mustache.p50 / compiled.p50,
      budget: { minRatio: 5 },
    }),
    { name: 'mustache-render', unit: 'µs', value: mustache.p50 },
  ];
}
