/**
 * The manifest at 10,000 prompts (issue 16; docs/architecture.md, "Ten thousand prompts"): bytes per
 * referenced entry, and a deployment of 10,000 prompts through the delivery code against dynalite
 * (version items, BatchGetItem) and s3rver (documents and version objects), the prompts published
 * beforehand (not timed). Resolving, building and validating are timed apart; AppConfig is a stub
 * (its calls are two requests whatever the size).
 */
import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoPromptRepository } from '../lambda/adapters/prompt-repository.ts';
import { deployPrompts } from '../lambda/delivery/deploy.ts';
import type { DeliveryDeps } from '../lambda/delivery/deps.ts';
import type { Delivery } from '../lambda/delivery/ports.ts';
import { resolvePins } from '../lambda/delivery/resolve-pins.ts';
import {
  emptyValidationStats,
  REGISTRY_SAMPLE_READS,
  VALIDATOR_READS_IN_FLIGHT,
  VERIFIED_REFS_CAPACITY,
  VerifiedRefs,
  validateManifest,
} from '../lambda/delivery/validate-manifest.ts';
import { buildRegistryDeps } from '../lambda/registry/build-deps.ts';
import { MAIN_TABLE_INDEXES } from '../src/core/contracts.ts';
import { buildEnvironmentManifest } from '../src/core/manifest-builder.ts';
import { startDynamoDb, startS3 } from '../src/local/embedded-services.ts';
import { tableDefinition } from '../src/local/provision.ts';
import {
  MemoryEnvironmentStore,
  MemoryEvaluations,
  TEST_DELIVERY_CONFIG,
} from '../test/fixtures/delivery-fakes.ts';
import { scalePromptId, seedDirectly } from '../test/fixtures/scale.ts';
import { type BenchResult, evaluate } from './harness.ts';

/** 10,000; PROMPTOPS_BENCH_PROMPTS takes fewer to iterate (the rows then say so in their detail). */
const PROMPTS = Number(process.env.PROMPTOPS_BENCH_PROMPTS ?? 10_000);
const BUCKET = 'promptops-bench-bodies';

/** AppConfig as a stub: the hosted version and the deployment start are one call each at any size. */
function stubDelivery(hosted: string[]): Delivery {
  const info = (number: number) => ({
    number,
    state: 'DEPLOYING' as const,
    percentage: 0,
    strategyId: 'AllAtOnce',
    configurationVersion: String(number),
  });
  return {
    createHostedVersion: async ({ content }) => {
      hosted.push(content);
      return hosted.length;
    },
    startDeployment: async ({ versionNumber }) => info(versionNumber),
    getDeployment: async (_env, number) => ({ ...info(number), state: 'COMPLETE', percentage: 100 }),
    findDeployment: async () => undefined,
    stopDeployment: async (_env, number) => ({ ...info(number), state: 'ROLLED_BACK' }),
  };
}

const seconds = (ms: number) => Math.round(ms) / 1000;

/**
 * The heap a full VerifiedRefs holds, per ref: fresh 43-character refs and versions, measured before
 * anything else runs in the process (exact with --expose-gc, which `npx tsx --expose-gc` passes).
 */
function verifiedRefsFootprint(): { perRef: number; exact: boolean } {
  const gc = (globalThis as { gc?: () => void }).gc;
  const collect = () => {
    for (let i = 0; i < 3; i++) gc?.();
  };
  const cache = new VerifiedRefs();
  collect();
  const before = process.memoryUsage().heapUsed;
  for (let i = 0; i < VERIFIED_REFS_CAPACITY; i++)
    cache.remember(createHash('sha256').update(String(i)).digest('base64url'), `1.${i % 100}.0`);
  collect();
  const bytes = process.memoryUsage().heapUsed - before;
  return { perRef: Math.round(bytes / cache.size), exact: gc !== undefined };
}

export default async function manifestScale(): Promise<BenchResult[]> {
  const footprint = verifiedRefsFootprint();
  process.env.AWS_REGION ??= 'us-east-1';
  process.env.AWS_ACCESS_KEY_ID ??= 'S3RVER';
  process.env.AWS_SECRET_ACCESS_KEY ??= 'S3RVER';
  const directory = await mkdtemp(path.join(tmpdir(), 'promptops-bench-s3-'));
  const dynamo = await startDynamoDb();
  const s3server = await startS3({ directory, buckets: [BUCKET] });
  const client = new DynamoDBClient({ endpoint: dynamo.endpoint });
  const documents = DynamoDBDocumentClient.from(client);
  const s3 = new S3Client({ endpoint: s3server.endpoint, forcePathStyle: true });
  try {
    const table = 'promptops-bench-scale';
    await client.send(new CreateTableCommand(tableDefinition(table, MAIN_TABLE_INDEXES)));
    const registry = buildRegistryDeps({ documents, s3, table, bucket: BUCKET });
    const ids = Array.from({ length: PROMPTS }, (_, i) => scalePromptId(i));
    await seedDirectly(registry, ids);

    const hosted: string[] = [];
    const deps: DeliveryDeps = {
      ...registry,
      environments: new MemoryEnvironmentStore(),
      delivery: stubDelivery(hosted),
      evaluations: new MemoryEvaluations(),
      config: { ...TEST_DELIVERY_CONFIG, bodyBucket: BUCKET },
      now: () => new Date(),
    };
    const pins = Object.fromEntries(ids.map((id) => [id, { version: '1.0.0' }]));
    const options = { gated: new Map([[ids[0] as string, new Set(['1.0.0'])]]), requireApproval: false };

    // The steady state: one prompt changes, 9,999 travel by their recorded ref.
    let started = performance.now();
    const resolved = await resolvePins(deps, pins, options);
    const resolving = performance.now() - started;
    started = performance.now();
    const built = buildEnvironmentManifest(
      { environment: 'dev', revision: 1, generatedAt: new Date().toISOString(), ...resolved },
      { bodyBucket: BUCKET },
    );
    const building = performance.now() - started;
    // The validator cold (a new container) as the Lambda runs it: the refs the registry records by
    // BatchGetItem, a sample of objects read; then warm; then cold without the registry, every object
    // read and checked (what a ref the registry does not record costs).
    const recorded = new DynamoPromptRepository(documents, table);
    const verified = new VerifiedRefs();
    const stats = emptyValidationStats();
    started = performance.now();
    await validateManifest(registry.bodies, built.json, registry.versionObjects, verified, {
      recorded,
      stats,
    });
    const validating = performance.now() - started;
    started = performance.now();
    await validateManifest(registry.bodies, built.json, registry.versionObjects, verified, { recorded });
    const validatingWarm = performance.now() - started;
    started = performance.now();
    await validateManifest(registry.bodies, built.json, registry.versionObjects, new VerifiedRefs());
    const validatingUnrecorded = performance.now() - started;
    const referenced = built.references.length;

    // Whole deployments through deployPrompts: every prompt new (each gated), then one changed.
    started = performance.now();
    await deployPrompts(deps, {
      environment: 'dev',
      pins: Object.fromEntries(ids.map((id) => [id, '1.0.0'])),
      caller: 'bench',
      requestId: 'first',
    });
    const first = performance.now() - started;
    // The stub reports the first deployment COMPLETE when the second asks (deploy.ts, settledState).
    started = performance.now();
    await deployPrompts(deps, {
      environment: 'dev',
      pins: { [ids[1] as string]: '1.0.0' },
      caller: 'bench',
      requestId: 'second',
    });
    const second = performance.now() - started;
    const bytes = Buffer.byteLength(hosted.at(-1) ?? '');

    return [
      evaluate({
        name: 'manifest-bytes-per-prompt',
        unit: 'B',
        value: Math.round((built.bytes / PROMPTS) * 10) / 10,
        budget: { max: 200 },
        detail: `${PROMPTS} referenced entries (18-character ids) in ${built.bytes} bytes; ${referenced} refs; AppConfig limit 1048576`,
      }),
      evaluate({
        name: 'deploy-10k',
        unit: 's',
        value: seconds(first),
        detail: `first deployment of ${PROMPTS} prompts of 3 KB, every one gated (publish's lint stamp current, so none read or linted), dynalite + s3rver, AppConfig stubbed, manifest ${bytes} bytes; deploy timeout 29 s`,
      }),
      evaluate({
        name: 'deploy-10k-one-change',
        unit: 's',
        value: seconds(second),
        detail: `redeploy changing one prompt of ${PROMPTS}: the other ${PROMPTS - 1} by their recorded ref, no document read`,
      }),
      evaluate({
        name: 'deploy-10k-resolving',
        unit: 's',
        value: seconds(resolving),
        detail: 'resolvePins, BatchGetItem of 10,000 version items',
      }),
      evaluate({
        name: 'deploy-10k-building',
        unit: 's',
        value: seconds(building),
        detail: 'buildEnvironmentManifest over the resolved pins',
      }),
      evaluate({
        name: 'validator-10k',
        unit: 's',
        value: seconds(validating),
        detail: `validateManifest, a cold container with the registry: ${stats.confirmedByRegistry} of ${stats.refs} refs confirmed by the refs their version items record (BatchGetItem from dynalite), ${stats.objectsRead} objects read from s3rver and checked (the sample of ${REGISTRY_SAMPLE_READS}); timeout 15 s on AWS`,
      }),
      evaluate({
        name: 'validator-10k-unrecorded',
        unit: 's',
        value: seconds(validatingUnrecorded),
        detail: `validateManifest, a cold container, no ref confirmed by the registry: ${referenced} version objects read from s3rver and checked, ${VALIDATOR_READS_IN_FLIGHT} in flight, client and server sharing the 2 cores (on S3 about 20 ms a read, I/O)`,
      }),
      evaluate({
        name: 'validator-10k-warm',
        unit: 's',
        value: seconds(validatingWarm),
        detail: `validateManifest again in the same container: ${verified.size} refs verified before, no object read`,
      }),
      evaluate({
        name: 'validator-verified-refs-bytes',
        unit: 'B',
        value: footprint.perRef,
        detail: `heap per verified ref of a full VerifiedRefs (${VERIFIED_REFS_CAPACITY} refs: ${((footprint.perRef * VERIFIED_REFS_CAPACITY) / 1e6).toFixed(1)} MB)${footprint.exact ? '' : ', without --expose-gc so approximate'}`,
      }),
    ];
  } finally {
    documents.destroy();
    s3.destroy();
    await dynamo.close();
    await s3server.close();
    await rm(directory, { recursive: true, force: true });
  }
}
