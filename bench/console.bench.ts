/**
 * The web console (docs/console.md): `console-bundle-kb`, the built JavaScript and CSS a browser
 * downloads on first load (KB minified; gzip and the chunks loaded on demand in the detail), and
 * `console-first-render-ms`, from navigation to the prompt list rendered with data in headless
 * Chromium against seeded local mode (median of 7 loads, each in a fresh browser context, so nothing
 * is cached), beside the same browser's load of a page with no script from the same server.
 */
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { ensureConsoleBuild } from '../src/local/console-assets.ts';
import { startLocalMode } from '../src/local/local-mode.ts';
import { launchChromium } from '../test/e2e/browser.ts';
import type { BenchResult } from './harness.ts';

const LOADS = 7;

/**
 * Runs in the page before its scripts: notes, by the page's own clock (milliseconds since navigation
 * started), when the first prompt link of the list is in the document.
 */
const MARK_FIRST_RENDER = `new MutationObserver((_, observer) => {
  if (document.querySelector('main tbody tr a')) {
    window.firstRender = performance.now();
    observer.disconnect();
  }
}).observe(document, { subtree: true, childList: true });`;

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
}

/** KB of the JS and CSS the first load fetches (what index.html references), and of the chunks loaded later. */
async function bundleRow(dir: string): Promise<BenchResult> {
  const html = await readFile(path.join(dir, 'index.html'), 'utf8');
  const firstLoad = new Set([...html.matchAll(/assets\/([^"']+\.(?:js|css))/g)].map((m) => m[1] as string));
  let first = 0;
  let later = 0;
  let gzipped = 0;
  const parts: string[] = [];
  for (const name of (await readdir(path.join(dir, 'assets'))).sort()) {
    if (!/\.(js|css)$/.test(name)) continue;
    const file = path.join(dir, 'assets', name);
    const size = (await stat(file)).size;
    if (firstLoad.has(name)) {
      first += size;
      gzipped += gzipSync(await readFile(file)).length;
    } else later += size;
    parts.push(`${name} ${(size / 1024).toFixed(1)} KB${firstLoad.has(name) ? '' : ' (on demand)'}`);
  }
  return {
    name: 'console-bundle-kb',
    unit: 'KB',
    value: first / 1024,
    budget: { max: 150 },
    detail: `first load ${(gzipped / 1024).toFixed(1)} KB gzipped; on demand ${(later / 1024).toFixed(1)} KB more (the preview's YAML parser and renderer); ${parts.join(', ')}`,
  };
}

/** Until the seeded examples' evaluation runs have ended: their work is not the console's to time. */
async function seedSettled(api: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  const prompts = (await (await fetch(`${api}/prompts`)).json()) as {
    items: { id: string; latestVersion: string }[];
  };
  for (const { id, latestVersion } of prompts.items) {
    for (;;) {
      const runs = (await (
        await fetch(`${api}/prompts/${id}/versions/${latestVersion}/evaluations`)
      ).json()) as {
        items?: { state: string }[];
      };
      if (!runs.items?.some((r) => r.state === 'RUNNING')) break;
      if (Date.now() > deadline) throw new Error(`the seeded evaluation of ${id} did not end within 60 s`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

export default async function consoleBench(): Promise<BenchResult[]> {
  const build = await ensureConsoleBuild();
  const rows = [await bundleRow(build.dir)];
  const dataDir = await mkdtemp(path.join(tmpdir(), 'promptops-console-bench-'));
  const local = await startLocalMode({ dataDir, port: 0, seed: true, log: () => undefined });
  const browser = await launchChromium();
  try {
    await seedSettled(local.endpoints.api);
    const renders: number[] = [];
    const blanks: number[] = [];
    for (let i = 0; i < LOADS + 1; i++) {
      const context = await browser.newContext();
      const page = await context.newPage();
      await page.addInitScript(MARK_FIRST_RENDER);
      await page.goto(`${local.endpoints.console}#/prompts`);
      await page.locator('main tbody tr a').first().waitFor({ timeout: 30_000 });
      const rendered = (await page.evaluate('window.firstRender')) as number;
      await page.goto(`${local.endpoints.api}/console/settings.json`);
      const blank = (await page.evaluate(
        'performance.getEntriesByType("navigation")[0].loadEventEnd',
      )) as number;
      await context.close();
      // The first load warms the server's caches (and the build check); it is not counted.
      if (i === 0) continue;
      renders.push(rendered);
      blanks.push(blank);
    }
    rows.push({
      name: 'console-first-render-ms',
      unit: 'ms',
      value: median(renders),
      baseline: 'console-no-script-page-ms',
      baselineValue: median(blanks),
      budget: { max: 1000 },
      detail: `prompt list with data, median of ${LOADS} cold loads (${renders.map((r) => Math.round(r)).join(', ')} ms); a page with no script loads in ${Math.round(median(blanks))} ms`,
    });
  } finally {
    await browser.close();
    await local.close();
    await rm(dataDir, { recursive: true, force: true });
  }
  return rows;
}
