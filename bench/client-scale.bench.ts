/**
 * The client at 10,000 prompts (docs/architecture.md, "Ten thousand prompts"): a schema 2 manifest
 * whose every version is a reference, read by the file source, version objects from s3rver running
 * in this process on loopback (as local mode runs it).
 *
 * `client-cold-get-referenced`: the first `get` of a referenced prompt in a client that has loaded
 * the manifest: GetObject of `versions/<ref>.json`, its SHA-256, the check, the compile; the median
 * over 99 prompts of one client (the S3 client made by its first referenced get, which
 * `client-cold-get-referenced-new-s3-client` times over fresh clients). The SDK module is imported
 * once, by an untimed client, as it is after a container's first S3 call. s3rver answers in this
 * process, so its own work (a file read per GET, about 7 ms for a bare GetObject on a quiet bench
 * machine) is in the figures.
 *
 * `client-heap-10k`: heap used (after a full GC) by a client holding the 10,000-prompt manifest with
 * 100 of its prompts fetched, minus the heap before the client was created.
 *
 * `client-get-render-referenced`: a cached `get` + `render` of a referenced prompt after its first
 * get, against the same prompt inline in the same client (interleaved rounds, median of round
 * medians): the request path is the inline one once the version is fetched.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import v8 from 'node:v8';
import vm from 'node:vm';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { PromptClient } from '../src/client/index.ts';
import { CLIENT_ENV } from '../src/core/client-contract.ts';
import { parsePromptDocument } from '../src/core/document.ts';
import { documentHash } from '../src/core/hash.ts';
import type { ManifestVersion } from '../src/core/manifest.ts';
import { buildManifest } from '../src/core/manifest-builder.ts';
import { versionObject } from '../src/core/version-object.ts';
import { startS3 } from '../src/local/embedded-services.ts';
import type { BenchResult } from './harness.ts';
import { BENCH_DOCUMENT, BENCH_VALUES } from './prompt-fixture.ts';

const PROMPTS = 10_000;
const GETS = 100;
const NEW_CLIENT_RUNS = 9;
const BUCKET = 'promptops-bench-bodies';
const ROUNDS = 9;
const ROUND_CALLS = 20_000;

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** The full version of prompt `i`: the bench prompt with its own id and a marker in its text. */
function fullVersions(count: number): ManifestVersion[] {
  const versions: ManifestVersion[] = [];
  const chunk = 200;
  for (let start = 0; start < count; start += chunk) {
    const prompts = Object.fromEntries(
      Array.from({ length: Math.min(chunk, count - start) }, (_, k) => {
        const id = `prompt-${String(start + k).padStart(5, '0')}`;
        const document = parsePromptDocument(
          BENCH_DOCUMENT.replace('id: support-reply', `id: ${id}`).replace(
            '## guardrails',
            `## guardrails\nCase ${id}.`,
          ),
        );
        return [id, [{ version: '1.0.0', sha256: documentHash(document), document, weight: 100 }]];
      }),
    );
    const { manifest } = buildManifest(
      { environment: 'prod', revision: 1, generatedAt: '2026-12-02T00:00:00.000Z', prompts },
      { inlineThresholdBytes: 1_000_000 },
    );
    for (const prompt of Object.values(manifest.prompts)) versions.push(prompt);
  }
  return versions;
}

function objectOf(entry: ManifestVersion) {
  const { version, sha256, kind, model, variables, body } = entry;
  return versionObject({
    version,
    sha256,
    kind,
    ...(model ? { model } : {}),
    variables,
    body: body as string,
  });
}

export default async function clientScaleBench(): Promise<BenchResult[]> {
  const dir = mkdtempSync(path.join(tmpdir(), 'promptops-client-scale-'));
  const s3 = await startS3({ directory: path.join(dir, 's3'), buckets: [BUCKET] });
  const saved = { ...process.env };
  try {
    process.env[CLIENT_ENV.s3Endpoint] = s3.endpoint;
    // s3rver knows one account, S3RVER.
    process.env.AWS_REGION ??= 'us-east-1';
    process.env.AWS_ACCESS_KEY_ID = 'S3RVER';
    process.env.AWS_SECRET_ACCESS_KEY = 'S3RVER';
    const full = fullVersions(PROMPTS);
    const objects = full.map(objectOf);
    const ids = full.map((_, i) => `prompt-${String(i).padStart(5, '0')}`);
    // Prompt 0 inline and by reference under literal ids (as an app writes them), for the cached
    // get + render comparison.
    const inlineId = 'inline-twin';
    const referencedId = 'referenced-twin';
    const prompts: Record<string, unknown> = {
      [inlineId]: full[0],
      [referencedId]: { version: '1.0.0', ref: (objects[0] as { ref: string }).ref },
    };
    ids.forEach((id, i) => {
      prompts[id] = { version: '1.0.0', ref: (objects[i] as { ref: string }).ref };
    });
    const manifest = {
      schemaVersion: 2,
      environment: 'prod',
      revision: 1,
      generatedAt: '2026-12-02T00:00:00.000Z',
      prompts,
    };
    const manifestPath = path.join(dir, 'manifest.json');
    const json = JSON.stringify(manifest);
    writeFileSync(manifestPath, json);
    const fetchedCount = GETS + NEW_CLIENT_RUNS + 1;
    const uploader = new S3Client({ endpoint: s3.endpoint, forcePathStyle: true });
    for (const object of objects.slice(0, fetchedCount)) {
      await uploader.send(
        new PutObjectCommand({
          Bucket: BUCKET,
          Key: object.key,
          Body: object.text,
          ContentType: 'application/json',
        }),
      );
    }
    uploader.destroy();
    const newClient = () =>
      new PromptClient({
        application: 'promptops',
        environment: 'prod',
        source: { type: 'file', path: manifestPath },
        bodyBucket: BUCKET,
        logger: { warn: () => undefined },
      });

    // Untimed: the SDK module and the client's code imported once, as after a container's first call.
    const warm = newClient();
    await warm.get(ids[fetchedCount - 1] as string);

    // A fresh client's first referenced get also creates its S3 client (endpoint rules, connection).
    const firstOfClient: number[] = [];
    for (let i = 0; i < NEW_CLIENT_RUNS; i++) {
      const client = newClient();
      await client.refresh();
      const start = performance.now();
      await client.get(ids[GETS + i] as string);
      firstOfClient.push(performance.now() - start);
    }

    gc();
    const before = process.memoryUsage().heapUsed;
    const big = newClient();
    await big.get(ids[0] as string);
    const cold: number[] = [];
    for (let i = 1; i < GETS; i++) {
      const start = performance.now();
      await big.get(ids[i] as string);
      cold.push(performance.now() - start);
    }
    gc();
    const heapMb = (process.memoryUsage().heapUsed - before) / 1024 / 1024;

    // Cached get + render: the referenced prompt 0 (fetched above) and its inline twin, interleaved.
    const sides = {
      referenced: [] as number[],
      inline: [] as number[],
    };
    const time = async (id: string) => {
      const start = process.hrtime.bigint();
      for (let i = 0; i < ROUND_CALLS; i++) (await big.get(id)).render(BENCH_VALUES);
      return Number(process.hrtime.bigint() - start) / 1000 / ROUND_CALLS;
    };
    await time(referencedId);
    await time(inlineId);
    for (let round = 0; round < ROUNDS; round++) {
      if (round % 2 === 0) {
        sides.referenced.push(await time(referencedId));
        sides.inline.push(await time(inlineId));
      } else {
        sides.inline.push(await time(inlineId));
        sides.referenced.push(await time(referencedId));
      }
    }
    const referencedUs = median(sides.referenced);
    const inlineUs = median(sides.inline);

    return [
      {
        name: 'client-cold-get-referenced',
        unit: 'ms',
        value: median(cold),
        budget: { max: 20 },
        detail: `median of the first gets of ${GETS - 1} referenced prompts (range ${Math.min(...cold).toFixed(2)}-${Math.max(...cold).toFixed(2)} ms) in a client holding the ${PROMPTS}-prompt manifest, its S3 client made by an earlier one: GetObject from s3rver in this process, SHA-256, check, compile`,
      },
      {
        name: 'client-cold-get-referenced-new-s3-client',
        unit: 'ms',
        value: median(firstOfClient),
        detail: `the first referenced get of a fresh client, which also creates its S3 client: median of ${NEW_CLIENT_RUNS} clients (range ${Math.min(...firstOfClient).toFixed(2)}-${Math.max(...firstOfClient).toFixed(2)} ms), the SDK module already imported`,
      },
      {
        name: 'client-heap-10k',
        unit: 'MB',
        value: heapMb,
        detail: `heap used after a full GC by a client with a ${PROMPTS}-prompt schema 2 manifest (${(json.length / 1024).toFixed(0)} KB of JSON, every version a reference) loaded and ${GETS} prompts fetched, minus the heap before it`,
      },
      {
        name: 'client-get-render-referenced',
        unit: 'µs',
        value: referencedUs,
        baseline: 'client-get-render-inline-twin',
        baselineValue: inlineUs,
        budget: { minRatio: 1 / 1.2 },
        detail: `cached get + render of a referenced prompt after its first get vs the same prompt inline in the same client: median of ${ROUNDS} interleaved rounds of ${ROUND_CALLS} awaited calls`,
      },
    ];
  } finally {
    process.env = saved;
    await s3.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
