/**
 * `synth`: full synthesis of the CDK app as a user runs it (`npx cdk synth --quiet`, handlers bundled
 * by esbuild, every validation plugin on), in a child process; the median of three runs, in seconds.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BenchResult } from './harness.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const RUNS = 3;

function synthSeconds(outdir: string): number {
  const started = process.hrtime.bigint();
  // Written to a scratch directory so the timing never touches (or races on) the repository's cdk.out.
  const result = spawnSync('npx', ['cdk', 'synth', '--quiet', '--output', outdir], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env, CDK_DISABLE_VERSION_CHECK: 'true' },
  });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (result.status !== 0) {
    throw new Error(`npx cdk synth failed (exit ${result.status}):\n${result.stderr}${result.stdout}`);
  }
  return seconds;
}

export default async function synth(): Promise<BenchResult[]> {
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const outdir = mkdtempSync(path.join(tmpdir(), 'promptops-synth-'));
    try {
      times.push(synthSeconds(outdir));
    } finally {
      rmSync(outdir, { recursive: true, force: true });
    }
  }
  times.sort((a, b) => a - b);
  return [{ name: 'synth', unit: 's', value: times[Math.floor(RUNS / 2)] as number, budget: { max: 20 } }];
}
