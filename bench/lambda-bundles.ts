/**
 * Bundles a Lambda handler the way the stack deploys it (esbuild, minified ESM for nodejs24.x, the
 * AWS SDK v3 left to the Lambda runtime) and measures its size and cold import time.
 */
import { execFile } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { build } from 'esbuild';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
// Inside the repository so the runtime-provided @aws-sdk packages resolve from node_modules.
const outDir = path.join(root, 'node_modules', '.cache', 'promptops-bench');

export interface BundledHandler {
  readonly file: string;
  readonly bytes: number;
}

export async function bundleHandler(name: string): Promise<BundledHandler> {
  await mkdir(outDir, { recursive: true });
  const file = path.join(outDir, `${name}.mjs`);
  const result = await build({
    entryPoints: [path.join(root, 'lambda', 'handlers', `${name}.ts`)],
    outfile: file,
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'node',
    target: 'node24',
    external: ['@aws-sdk/*'],
    // Some CommonJS dependencies call require(); ESM bundles need it defined.
    banner: { js: "import{createRequire as __cr}from'node:module';const require=__cr(import.meta.url);" },
    metafile: true,
    logLevel: 'error',
  });
  const output = Object.values(result.metafile.outputs)[0];
  if (!output) throw new Error(`esbuild produced no output for ${name}`);
  return { file, bytes: output.bytes };
}

const run = promisify(execFile);

/** Median milliseconds to import `file` in a fresh Node process, over `runs` processes. */
export async function medianImportMs(file: string, runs = 9): Promise<number> {
  const script = `const t=performance.now();await import(${JSON.stringify(`file://${file}`)});process.stdout.write(String(performance.now()-t));`;
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], {
      env: { ...process.env, POWERTOOLS_LOG_LEVEL: 'SILENT' },
    });
    times.push(Number(stdout));
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)] as number;
}
