/**
 * The client's hot path and size.
 *
 * `client-get-render`: a cached `await prompts.get()` plus `render()` of a 600-character prompt with
 * five variables, against Powertools `getAppConfig` (transform json, cached) plus mustache.js
 * rendering the same template, measured side by side in one run. Both sides are awaited, so the
 * harness's synchronous `measure` cannot time them: `measureAsync` below does, with the same
 * warm-up and percentile method for both. p50 comes from batches (timer cost amortized), p99 from
 * single calls.
 *
 * `client-bundle-agent`: what an app using the agent path loads, bundled and minified with esbuild
 * (platform node, esm), the AWS SDK and Smithy packages external: the entry chunk plus every chunk it
 * imports statically. Code behind dynamic imports (the SDK source, S3 bodies, feedback) is not on the
 * agent path and is left out.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { getAppConfig } from '@aws-lambda-powertools/parameters/appconfig';
import {
  AppConfigDataClient,
  GetLatestConfigurationCommand,
  StartConfigurationSessionCommand,
} from '@aws-sdk/client-appconfigdata';
import { mockClient } from 'aws-sdk-client-mock';
import { build } from 'esbuild';
import Mustache from 'mustache';
import { PromptClient } from '../src/client/index.ts';
import { parsePromptDocument } from '../src/core/document.ts';
import { documentHash } from '../src/core/hash.ts';
import { buildManifest } from '../src/core/manifest-builder.ts';
import type { BenchResult } from './harness.ts';
import { BENCH_DOCUMENT, BENCH_VALUES } from './prompt-fixture.ts';

const APPLICATION = 'promptops';
const ENVIRONMENT = 'prod';
const PROFILE = 'prompts';
const ID = 'support-reply';

interface AsyncMeasurement {
  readonly p50: number;
  readonly p99: number;
}

/** Per-call microseconds of an awaited function: `batch` calls per sample, for `time` ms after a warm-up. */
async function measureAsync(
  fn: () => Promise<unknown>,
  { batch, time }: { batch: number; time: number },
): Promise<AsyncMeasurement> {
  const warmUntil = performance.now() + 300;
  while (performance.now() < warmUntil) for (let i = 0; i < 100; i++) await fn();
  const samples: number[] = [];
  const until = performance.now() + time;
  while (performance.now() < until) {
    const start = process.hrtime.bigint();
    for (let i = 0; i < batch; i++) await fn();
    samples.push(Number(process.hrtime.bigint() - start) / 1000 / batch);
  }
  samples.sort((a, b) => a - b);
  const at = (q: number) => samples[Math.min(samples.length - 1, Math.floor(q * samples.length))] as number;
  return { p50: at(0.5), p99: at(0.99) };
}

async function agentBundleKB(): Promise<number> {
  const root = fileURLToPath(new URL('..', import.meta.url));
  const result = await build({
    entryPoints: [path.join(root, 'src/client/index.ts')],
    bundle: true,
    splitting: true,
    outdir: path.join(tmpdir(), 'promptops-client-bundle'),
    write: false,
    platform: 'node',
    format: 'esm',
    minify: true,
    metafile: true,
    external: ['@aws-sdk/*', '@smithy/*'],
    logLevel: 'silent',
  });
  const outputs = result.metafile.outputs;
  const entry = Object.keys(outputs).find((name) =>
    outputs[name]?.entryPoint?.endsWith('src/client/index.ts'),
  );
  assert.ok(entry, 'the client entry chunk');
  const loaded = new Set<string>();
  const visit = (name: string) => {
    if (loaded.has(name)) return;
    loaded.add(name);
    for (const imported of outputs[name]?.imports ?? []) {
      if (!imported.external && imported.kind === 'import-statement') visit(imported.path);
    }
  };
  visit(entry);
  const bytes = [...loaded].reduce((sum, name) => sum + (outputs[name]?.bytes ?? 0), 0);
  return bytes / 1024;
}

export default async function clientBench(): Promise<BenchResult[]> {
  const document = parsePromptDocument(BENCH_DOCUMENT);
  const { json, manifest } = buildManifest({
    environment: ENVIRONMENT,
    revision: 1,
    generatedAt: new Date().toISOString(),
    prompts: { [ID]: [{ version: '1.0.0', sha256: documentHash(document), document, weight: 100 }] },
  });
  const body = manifest.prompts[ID]?.body as string;
  assert.ok(body.length >= 580 && body.length <= 620, `the prompt body is ${body.length} characters`);

  const dir = mkdtempSync(path.join(tmpdir(), 'promptops-bench-'));
  const manifestPath = path.join(dir, 'manifest.json');
  writeFileSync(manifestPath, json);

  process.env.AWS_REGION ??= 'us-east-1';
  const appConfig = mockClient(AppConfigDataClient);
  appConfig.on(StartConfigurationSessionCommand).resolves({ InitialConfigurationToken: 'token' });
  appConfig.on(GetLatestConfigurationCommand).resolves({
    Configuration: new TextEncoder().encode(json) as never,
    NextPollConfigurationToken: 'next',
    NextPollIntervalInSeconds: 3600,
  });

  try {
    const prompts = new PromptClient({
      application: APPLICATION,
      environment: ENVIRONMENT,
      profile: PROFILE,
      source: { type: 'file', path: manifestPath },
      maxAgeSeconds: 3600,
    });
    const ours = async () => (await prompts.get(ID)).render(BENCH_VALUES);

    Mustache.escape = (text: string) => text;
    const powertools = async () => {
      const config = (await getAppConfig(PROFILE, {
        application: APPLICATION,
        environment: ENVIRONMENT,
        transform: 'json',
        maxAge: 3600,
      })) as typeof manifest;
      return Mustache.render(config.prompts[ID]?.body as string, BENCH_VALUES);
    };

    const rendered = (await ours()) as string;
    const baselineText = await powertools();
    for (const value of Object.values(BENCH_VALUES)) {
      assert.ok(rendered.includes(value), value);
      assert.ok(baselineText.includes(value), value);
    }
    assert.equal(appConfig.commandCalls(GetLatestConfigurationCommand).length, 1, 'the baseline is cached');

    // Interleaved, so both sides see the same machine state.
    const theirs = await measureAsync(powertools, { batch: 100, time: 1000 });
    const oursBatched = await measureAsync(ours, { batch: 100, time: 1000 });
    const oursSingle = await measureAsync(ours, { batch: 1, time: 1000 });
    assert.equal(
      appConfig.commandCalls(GetLatestConfigurationCommand).length,
      1,
      'the baseline stayed cached',
    );

    return [
      {
        name: 'client-get-render',
        unit: 'µs',
        value: oursBatched.p50,
        baseline: 'powertools-getappconfig-mustache',
        baselineValue: theirs.p50,
        ratio: theirs.p50 / oursBatched.p50,
        budget: { max: 2, minRatio: 10 },
      },
      { name: 'client-get-render-p99', unit: 'µs', value: oursSingle.p99, budget: { max: 20 } },
      { name: 'powertools-getappconfig-mustache', unit: 'µs', value: theirs.p50 },
      { name: 'client-bundle-agent', unit: 'KB', value: await agentBundleKB(), budget: { max: 15 } },
    ];
  } finally {
    appConfig.restore();
    rmSync(dir, { recursive: true, force: true });
  }
}
