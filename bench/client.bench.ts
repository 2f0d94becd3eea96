/**
 * The client's hot path, cold start and size.
 *
 * `client-get-render`: a cached `await prompts.get()` plus `render()` of a 600-character prompt with
 * five variables, against two baselines on the same prompt and values, all in this one process:
 * Powertools `getAppConfig` (transform json, cached) plus mustache.js (`client-get-render`, baseline
 * `powertools-getappconfig-mustache`), and @langfuse/client's cached `prompt.get(name, { label })`
 * plus `compile(vars)` against a local HTTP server answering its prompt route
 * (`client-get-render-vs-langfuse`, baseline `langfuse-get-compile`). The sides run in interleaved
 * rounds (order rotating); each p50 is the median of the round p50s, each round's p50 from batches
 * of 100 awaited calls (timer cost amortized). `client-get-render-p99` pools single calls of ours over
 * the rounds.
 *
 * `client-get-render-shadow`: ours again, on the same prompt given a shadow (docs/shadows.md) at a
 * 10 % sample rate, called with a key that is not sampled: the get, the sampling decision (the key's
 * hash) and the render, as one more side in the same rounds, against `client-get-render` (ratio
 * below 1 when slower; at least 1/1.2 required).
 *
 * `client-cold-get` (and its breakdown): see client-cold.ts. `client-install-kb`: see install-size.ts.
 *
 * `client-bundle-agent`: what an app using the agent path loads, bundled and minified with esbuild
 * (platform node, esm), the AWS SDK and Smithy packages external: the entry chunk plus every chunk it
 * imports statically. Code behind dynamic imports (the SDK source, S3 bodies, feedback, shadows, A/B
 * variants, segments' pins, schema 2 manifests, the error wording of rejected bodies and manifests,
 * and the code generator, loaded once a prompt has rendered 256 times) is not on the cold agent path
 * of a schema 1 manifest with one pin per prompt and is left out; the detail gives the entry chunk alone and the
 * whole bundle, lazily loaded chunks included.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { getAppConfig } from '@aws-lambda-powertools/parameters/appconfig';
import {
  AppConfigDataClient,
  GetLatestConfigurationCommand,
  StartConfigurationSessionCommand,
} from '@aws-sdk/client-appconfigdata';
import { LangfuseClient } from '@langfuse/client';
import { mockClient } from 'aws-sdk-client-mock';
import { build } from 'esbuild';
import Mustache from 'mustache';
import { PromptClient } from '../src/client/index.ts';
import { shadowSampler } from '../src/client/shadow.ts';
import { parsePromptDocument } from '../src/core/document.ts';
import { documentHash } from '../src/core/hash.ts';
import { buildManifest } from '../src/core/manifest-builder.ts';
import { coldGetRows } from './client-cold.ts';
import type { BenchResult } from './harness.ts';
import { clientPackageDir, installSize } from './install-size.ts';
import { BENCH_DOCUMENT, BENCH_VALUES } from './prompt-fixture.ts';

const APPLICATION = 'promptops';
const ENVIRONMENT = 'prod';
const PROFILE = 'prompts';
const ID = 'support-reply';
const LANGFUSE_LABEL = 'production';
const LANGFUSE_VERSION = (
  JSON.parse(
    readFileSync(new URL('../node_modules/@langfuse/client/package.json', import.meta.url), 'utf8'),
  ) as { version: string }
).version;
const ROUNDS = 7;
const ROUND_MS = 300;
const COLD_RUNS = 15;
const SHADOW_SAMPLE_RATE = 0.1;

/** Per-call microseconds of an awaited function, one sample per `batch` calls, for `time` ms. */
async function sampleAsync(
  fn: () => Promise<unknown>,
  { batch, time }: { batch: number; time: number },
): Promise<number[]> {
  const samples: number[] = [];
  const until = performance.now() + time;
  while (performance.now() < until) {
    const start = process.hrtime.bigint();
    for (let i = 0; i < batch; i++) await fn();
    samples.push(Number(process.hrtime.bigint() - start) / 1000 / batch);
  }
  return samples;
}

function quantile(values: readonly number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number;
}

/** A local stand-in for the Langfuse API: GET /api/public/v2/prompts/{name}?label=... answers a text prompt. */
async function langfuseServer(name: string, label: string, prompt: string) {
  const route = `/api/public/v2/prompts/${encodeURIComponent(name)}`;
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (req.method === 'GET' && url.pathname === route && url.searchParams.get('label') === label) {
      server.promptGets++;
      res.writeHead(200, { 'content-type': 'application/json' }).end(
        JSON.stringify({
          name,
          version: 1,
          type: 'text',
          prompt,
          config: {},
          labels: [label],
          tags: [],
          commitMessage: null,
        }),
      );
    } else {
      res.writeHead(404, { 'content-type': 'application/json' }).end('{"message":"not found"}');
    }
  }) as ReturnType<typeof createServer> & { promptGets: number };
  server.promptGets = 0;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

async function agentBundle(): Promise<{ kb: number; entryKB: number; files: number; allKB: number }> {
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
  const kb = (names: Iterable<string>) =>
    [...names].reduce((sum, name) => sum + (outputs[name]?.bytes ?? 0), 0) / 1024;
  return {
    kb: kb(loaded),
    entryKB: kb([entry]),
    files: loaded.size,
    allKB: kb(Object.keys(outputs).filter((name) => name.endsWith('.js'))),
  };
}

export default async function clientBench(): Promise<BenchResult[]> {
  const document = parsePromptDocument(BENCH_DOCUMENT);
  const { json, manifest } = buildManifest(
    {
      environment: ENVIRONMENT,
      revision: 1,
      generatedAt: new Date().toISOString(),
      prompts: { [ID]: [{ version: '1.0.0', sha256: documentHash(document), document, weight: 100 }] },
    },
    { programs: true },
  );
  const body = manifest.prompts[ID]?.body as string;
  // As deploy builds it: the body's program beside it (docs/architecture.md, "The client's bundle").
  assert.ok(manifest.prompts[ID]?.program, 'the manifest carries the program');
  assert.ok(body.length >= 580 && body.length <= 620, `the prompt body is ${body.length} characters`);

  const dir = mkdtempSync(path.join(tmpdir(), 'promptops-bench-'));
  const manifestPath = path.join(dir, 'manifest.json');
  writeFileSync(manifestPath, json);
  // The same prompt with a shadow: a candidate whose instructions differ by one word.
  const candidateDocument = parsePromptDocument(BENCH_DOCUMENT.replace('numbered steps', 'short steps'));
  const candidate = buildManifest(
    {
      environment: ENVIRONMENT,
      revision: 1,
      generatedAt: new Date().toISOString(),
      prompts: {
        [ID]: [
          {
            version: '1.1.0',
            sha256: documentHash(candidateDocument),
            document: candidateDocument,
            weight: 100,
          },
        ],
      },
    },
    { programs: true },
  ).manifest.prompts[ID];
  const shadowManifestPath = path.join(dir, 'manifest-shadow.json');
  writeFileSync(
    shadowManifestPath,
    JSON.stringify({
      ...manifest,
      prompts: {
        [ID]: { ...manifest.prompts[ID], shadow: { ...candidate, sampleRate: SHADOW_SAMPLE_RATE } },
      },
    }),
  );
  const isSampled = shadowSampler(ID, SHADOW_SAMPLE_RATE);
  const keys = Array.from({ length: 100 }, (_, i) => `user-${1000 + i}`);
  const unsampledKey = keys.find((key) => !isSampled(key)) as string;
  const sampledKey = keys.find((key) => isSampled(key)) as string;

  process.env.AWS_REGION ??= 'us-east-1';
  const appConfig = mockClient(AppConfigDataClient);
  appConfig.on(StartConfigurationSessionCommand).resolves({ InitialConfigurationToken: 'token' });
  appConfig.on(GetLatestConfigurationCommand).resolves({
    Configuration: new TextEncoder().encode(json) as never,
    NextPollConfigurationToken: 'next',
    NextPollIntervalInSeconds: 3600,
  });
  const langfuseApi = await langfuseServer(ID, LANGFUSE_LABEL, body);

  try {
    // One cached client per manifest file: every get after the first is served from memory.
    const fileClient = (path: string) =>
      new PromptClient({
        application: APPLICATION,
        environment: ENVIRONMENT,
        profile: PROFILE,
        source: { type: 'file', path },
        maxAgeSeconds: 3600,
      });
    const prompts = fileClient(manifestPath);
    const ours = async () => (await prompts.get(ID)).render(BENCH_VALUES);
    const shadowPrompts = fileClient(shadowManifestPath);
    const shadowGetOptions = { key: unsampledKey };
    const oursShadow = async () => (await shadowPrompts.get(ID, shadowGetOptions)).render(BENCH_VALUES);

    // mustache.js is one module instance here, shared with @langfuse/client: no HTML escaping on
    // either side (the values hold nothing to escape, so the text is the same; escaping would only
    // cost the baselines time).
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

    // Only the prompt API client: no tracing SDK is registered (@opentelemetry/api stays a no-op) and
    // nothing is scored or flushed, so the hot path makes no network call. The cache TTL is an hour
    // (the default is 60 s, after which get serves the stale prompt and refetches in the background).
    const langfuse = new LangfuseClient({
      publicKey: 'pk-lf-bench',
      secretKey: 'sk-lf-bench',
      baseUrl: langfuseApi.baseUrl,
    });
    const langfuseGetCompile = async () =>
      (await langfuse.prompt.get(ID, { label: LANGFUSE_LABEL, cacheTtlSeconds: 3600 })).compile(BENCH_VALUES);

    const rendered = (await ours()) as string;
    assert.equal(await oursShadow(), rendered, 'the unsampled call renders the primary');
    assert.equal((await shadowPrompts.get(ID, shadowGetOptions)).shadow, undefined, 'the key is not sampled');
    assert.equal((await shadowPrompts.get(ID, { key: sampledKey })).shadow?.version, '1.1.0');
    assert.equal((await prompts.get(ID)).shadow, undefined, 'no shadow without one in the manifest');
    const baselineText = await powertools();
    const langfuseText = await langfuseGetCompile();
    for (const value of Object.values(BENCH_VALUES)) {
      assert.ok(rendered.includes(value), value);
      assert.ok(baselineText.includes(value), value);
    }
    assert.equal(langfuseText, baselineText, 'Langfuse compiles the same text as mustache.js');
    const unescaped = (
      await langfuse.prompt.get(ID, { label: LANGFUSE_LABEL, cacheTtlSeconds: 3600 })
    ).compile({ ...BENCH_VALUES, tone: '<&>' });
    assert.ok(unescaped.includes('in a <&> tone'), 'Langfuse shares the unescaping mustache.js');
    assert.equal(appConfig.commandCalls(GetLatestConfigurationCommand).length, 1, 'the baseline is cached');
    assert.equal(langfuseApi.server.promptGets, 1, 'Langfuse fetched the prompt once');

    // Interleaved rounds, the order rotating each round, so every side sees the same machine state;
    // each side's p50 is the median of its round p50s. Ours single calls are pooled for the p99.
    const sides = [
      { name: 'ours', fn: ours },
      { name: 'ours-shadow', fn: oursShadow },
      { name: 'powertools', fn: powertools },
      { name: 'langfuse', fn: langfuseGetCompile },
    ];
    const warmUntil = performance.now() + 900;
    while (performance.now() < warmUntil)
      for (const side of sides) for (let i = 0; i < 100; i++) await side.fn();
    const roundP50s = new Map<string, number[]>(sides.map((side) => [side.name, []]));
    const singles: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      for (let k = 0; k < sides.length; k++) {
        const side = sides[(round + k) % sides.length] as (typeof sides)[number];
        const samples = await sampleAsync(side.fn, { batch: 100, time: ROUND_MS });
        roundP50s.get(side.name)?.push(quantile(samples, 0.5));
      }
      for (const sample of await sampleAsync(ours, { batch: 1, time: ROUND_MS })) singles.push(sample);
    }
    assert.equal(
      appConfig.commandCalls(GetLatestConfigurationCommand).length,
      1,
      'the baseline stayed cached',
    );
    assert.equal(langfuseApi.server.promptGets, 1, 'Langfuse never refetched');
    const p50 = (name: string) => quantile(roundP50s.get(name) as number[], 0.5);
    const oursP50 = p50('ours');
    const oursShadowP50 = p50('ours-shadow');
    const powertoolsP50 = p50('powertools');
    const langfuseP50 = p50('langfuse');
    const method = `median of ${ROUNDS} interleaved round p50s (batches of 100 awaited calls, ${ROUND_MS} ms per side per round)`;

    const root = fileURLToPath(new URL('..', import.meta.url));
    const packageDir = clientPackageDir(root);
    // npm pack runs with --ignore-scripts (install-size.ts): build dist first, or a fresh checkout
    // would measure a tarball of README and package.json only.
    const buildScript = path.join(packageDir, 'build.mjs');
    if (existsSync(buildScript)) execFileSync(process.execPath, [buildScript], { stdio: 'ignore' });
    const installed = await installSize(packageDir, mkdtempSync(path.join(dir, 'install-')));

    return [
      {
        name: 'client-get-render',
        unit: 'µs',
        value: oursP50,
        baseline: 'powertools-getappconfig-mustache',
        baselineValue: powertoolsP50,
        ratio: powertoolsP50 / oursP50,
        budget: { max: 2, minRatio: 10 },
        detail: method,
      },
      {
        name: 'client-get-render-vs-langfuse',
        unit: 'µs',
        value: oursP50,
        baseline: 'langfuse-get-compile',
        baselineValue: langfuseP50,
        ratio: langfuseP50 / oursP50,
        budget: { minRatio: 10 },
      },
      {
        name: 'client-get-render-shadow',
        unit: 'µs',
        value: oursShadowP50,
        baseline: 'client-get-render',
        baselineValue: oursP50,
        ratio: oursP50 / oursShadowP50,
        budget: { minRatio: 1 / 1.2 },
        detail: `get(id, { key }) + render of the prompt with a shadow at sample rate ${SHADOW_SAMPLE_RATE}, the key not sampled, in the same rounds as client-get-render (${method})`,
      },
      {
        name: 'client-get-render-p99',
        unit: 'µs',
        value: quantile(singles, 0.99),
        budget: { max: 20 },
        detail: `p99 of ${singles.length} single awaited calls pooled over the rounds`,
      },
      { name: 'powertools-getappconfig-mustache', unit: 'µs', value: powertoolsP50 },
      {
        name: 'langfuse-get-compile',
        unit: 'µs',
        value: langfuseP50,
        detail: `@langfuse/client ${LANGFUSE_VERSION} prompt.get(name, { label, cacheTtlSeconds: 3600 }) + compile(vars), cache warm, one fetch in the whole run`,
      },
      ...(await coldGetRows(
        { application: APPLICATION, environment: ENVIRONMENT, profile: PROFILE, id: ID, json },
        path.join(dir, 'cold-bundle'),
        COLD_RUNS,
      )),
      {
        name: 'client-install-kb',
        unit: 'KB',
        value: installed.kb,
        budget: { max: 500 },
        detail: `npm pack of ${installed.packageName} (${path.relative(root, packageDir) || 'repository root'}) installed without peers or optional dependencies: ${installed.packages} packages`,
      },
      await (async (): Promise<BenchResult> => {
        const bundle = await agentBundle();
        return {
          name: 'client-bundle-agent',
          unit: 'KB',
          value: bundle.kb,
          budget: { max: 15 },
          detail: `${bundle.files} files: the entry chunk (${bundle.entryKB.toFixed(2)} KB) and what it imports statically; every chunk of the bundle, the lazily loaded ones included, ${bundle.allKB.toFixed(2)} KB`,
        };
      })(),
    ];
  } finally {
    appConfig.restore();
    langfuseApi.server.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
