/**
 * Local mode killed with SIGKILL at random points of a publish / deploy / feedback load, restarted
 * on the same data dir, every request that got no 2xx retried with its Idempotency-Key: nothing
 * lost (every 2xx'd write is there), nothing double (one version per publish key, one deployment per
 * deploy key, feedback aggregates equal to the items). The kill delays and the ratings come from a
 * seeded generator; the seed is printed, and PROMPTOPS_SIGKILL_SEED=<seed> replays them (where a
 * delay lands in the load still varies with the machine's speed). The kill goes to local mode's own
 * process: killing `npm start`'s npm would leave its node child running, holding the data dir.
 */
import { randomInt } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOCK_FILE } from '../../src/local/data-dir-lock.ts';
import { exampleDocument } from '../fixtures/registry.ts';
import { call, type Json, type SpawnedLocalMode, spawnLocalMode, tempDir } from './support.ts';

const SEED = Number(process.env.PROMPTOPS_SIGKILL_SEED ?? randomInt(2 ** 31));
const ROUNDS = 2;
const PROMPTS = ['kill-alpha', 'kill-beta', 'kill-gamma'] as const;
const ENV = 'dev';
/**
 * A killed request's Idempotency-Key stays in use for its function's timeout (deploy: 29 s), counted
 * from before the restart: the retries wait that out, with a margin for a loaded runner.
 */
const SETTLE_MS = 60_000;

/** mulberry32: small, seedable, good enough to pick kill points. */
function generator(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

interface Write {
  readonly kind: 'publish' | 'deploy' | 'feedback';
  readonly key: string;
  readonly method: string;
  readonly path: string;
  readonly body: Json;
  /** The 2xx answer, once there is one. */
  answer?: { status: number; body: Json };
  /** What the attempts before it got (for the failure message). */
  readonly attempts: string[];
}

let dir: { path: string; remove: () => Promise<void> };
const processes: SpawnedLocalMode[] = [];

beforeAll(async () => {
  dir = await tempDir('promptops-e2e-sigkill-');
});
afterAll(async () => {
  for (const local of processes)
    if (local.child.exitCode === null && local.child.signalCode === null) {
      local.child.kill('SIGTERM');
      await local.exited;
    }
  await dir?.remove();
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function send(api: string, write: Write): Promise<boolean> {
  try {
    const response = await call(api, write.method, write.path, write.body, 'local:dev', {
      'idempotency-key': write.key,
    });
    if (response.status >= 200 && response.status < 300) {
      write.answer = response;
      return true;
    }
    write.attempts.push(`${response.status} ${response.body?.code ?? ''}`);
  } catch (error) {
    write.attempts.push(`no answer (${(error as Error).message})`);
  }
  return false;
}

/**
 * Exactly once, strictly: every difference from one effect per key fails (docs/architecture.md, "A
 * process killed mid-request").
 */
describe('local mode under SIGKILL', () => {
  it('loses nothing and doubles nothing when killed at random points and restarted', async () => {
    console.log(`local-mode-sigkill seed ${SEED} (PROMPTOPS_SIGKILL_SEED=${SEED} replays it)`);
    const random = generator(SEED);
    const dataDir = `${dir.path}/state`;
    const lockFile = join(dataDir, LOCK_FILE);
    const start = async () => {
      const local = spawnLocalMode(dataDir, { PROMPTOPS_SEED: 'false', PROMPTOPS_TIME_SCALE: '300' });
      processes.push(local);
      return { local, endpoints: await local.ready };
    };
    const writes: Write[] = [];
    const write = (kind: Write['kind'], method: string, path: string, body: Json): Write => {
      const entry: Write = {
        kind,
        key: `${kind}-${writes.length}-${SEED}`,
        method,
        path,
        body,
        attempts: [],
      };
      writes.push(entry);
      return entry;
    };
    /** Published versions (2xx'd), for deploys and feedback to use. */
    const published: { id: string; version: string }[] = [];
    let publishes = 0;

    const publishOne = async (api: string): Promise<boolean> => {
      const id = PROMPTS[publishes % PROMPTS.length] as string;
      const document = exampleDocument(`Replies to ticket kind ${publishes}`).replace(
        'id: support-reply',
        `id: ${id}`,
      );
      publishes++;
      const entry = write('publish', 'POST', `/prompts/${id}/versions`, { document });
      if (!(await send(api, entry))) return false;
      published.push({ id, version: entry.answer?.body.version });
      return true;
    };
    const deployBody = (target: { id: string; version: string } | undefined) => ({
      prompts: { [target?.id ?? '']: target?.version },
      strategy: 'LocalSeed',
      description: `deploy ${writes.length}`,
    });
    const feedbackWrite = () => {
      const target = published[Math.floor(random() * published.length)];
      return write('feedback', 'POST', '/feedback', {
        promptId: target?.id,
        version: target?.version,
        environment: ENV,
        rating: random() < 0.3 ? -1 : 1,
      });
    };
    /** Waits for the environment's deployment to end; false if local mode stopped answering or `stop` says so. */
    const settled = async (api: string, stop = () => false): Promise<boolean> => {
      while (!stop()) {
        const status = await call(api, 'GET', `/environments/${ENV}`).catch(() => undefined);
        if (!status) return false;
        const state = status.body?.deployment?.state;
        if (state !== 'DEPLOYING' && state !== 'BAKING') return true;
        await sleep(20);
      }
      return false;
    };

    let { local, endpoints } = await start();
    for (let round = 0; round < ROUNDS; round++) {
      const api = endpoints.api as string;
      let killed = false;
      const publisher = async () => {
        while (!killed) if (!(await publishOne(api))) return;
      };
      const deployer = async () => {
        let next = 0;
        while (!killed) {
          const target = published[next++ % published.length];
          const entry = write('deploy', 'POST', `/environments/${ENV}/deployments`, deployBody(target));
          if (!(await send(api, entry))) return;
          // One deployment at a time per environment: wait for it to end.
          if (!(await settled(api, () => killed))) return;
        }
      };
      const rater = async () => {
        while (!killed) if (!(await send(api, feedbackWrite()))) return;
      };
      // Each handler's first keyed write imports it and the idempotency utility (a second or more
      // under tsx): one of each before the kill timer starts, so the kill lands in the load.
      expect(await publishOne(api)).toBe(true);
      // After a kill the environment may still be deploying (a resumed deployment) or claimed by
      // the killed deploy: then this one is retried with the others at the end.
      await settled(api);
      const warmDeploy = write(
        'deploy',
        'POST',
        `/environments/${ENV}/deployments`,
        deployBody(published.at(-1)),
      );
      if (await send(api, warmDeploy)) await settled(api);
      expect(await send(api, feedbackWrite())).toBe(true);
      const load = Promise.all([publisher(), deployer(), rater(), rater(), rater()]);
      const killAfterMs = 50 + Math.floor(random() * 1500);
      await sleep(killAfterMs);
      local.child.kill('SIGKILL');
      killed = true;
      expect((await local.exited).signal).toBe('SIGKILL');
      // No exit handler ran: the lock still names the dead process, and the restart takes it over.
      expect(Number(await readFile(lockFile, 'utf8'))).toBe(local.child.pid);
      await load;
      console.log(
        `round ${round + 1}: killed after ${killAfterMs} ms with ${writes.length} writes sent, ${writes.filter((w) => !w.answer).length} without a 2xx so far`,
      );
      ({ local, endpoints } = await start());
      expect(Number(await readFile(lockFile, 'utf8'))).toBe(local.child.pid);
    }

    // Every write without a 2xx, again with its key; each waits out a key still in use and a
    // deployment still running.
    const api = endpoints.api as string;
    const deadline = Date.now() + SETTLE_MS;
    const unanswered = writes.filter((w) => !w.answer);
    const retry = async (entry: Write) => {
      while (!(await send(api, entry))) {
        const last = entry.attempts.at(-1) ?? '';
        // REVISION_CONFLICT: another killed deploy's claim, until that deploy's own retry recovers it.
        const transient =
          /^(5\d\d|409 IDEMPOTENCY_KEY_IN_USE|409 DEPLOYMENT_IN_PROGRESS|409 REVISION_CONFLICT|no answer)/.test(
            last,
          );
        if (!transient || Date.now() > deadline)
          throw new Error(`${entry.kind} ${entry.key} never succeeded: ${entry.attempts.join(', ')}`);
        await sleep(250);
      }
    };
    // Publishes in sequence (each bumps the version the one before created).
    const inOrder = async (kind: Write['kind']) => {
      for (const entry of unanswered.filter((w) => w.kind === kind)) await retry(entry);
    };
    // Deploys all at once: a killed deploy's claim holds the others (REVISION_CONFLICT) until its own
    // retry recovers it, which must not wait behind them.
    await Promise.all([inOrder('publish'), ...unanswered.filter((w) => w.kind !== 'publish').map(retry)]);

    // Every difference from "once" is collected, so one run names them all.
    const problems: string[] = [];
    const differ = (what: string, stored: unknown, expected: unknown) => {
      if (JSON.stringify(stored) !== JSON.stringify(expected))
        problems.push(`${what}: stored ${JSON.stringify(stored)}, expected ${JSON.stringify(expected)}`);
    };
    // Nothing double: one version per publish key, each 2xx'd version stored.
    for (const id of PROMPTS) {
      const keys = writes.filter((w) => w.kind === 'publish' && w.path === `/prompts/${id}/versions`);
      const answered = keys.map((w) => w.answer?.body.version).sort();
      const versions = await call(api, 'GET', `/prompts/${id}/versions`);
      const stored = keys.length === 0 ? [] : versions.body.items.map((v: Json) => v.version).sort();
      differ(`${id} versions`, stored, answered);
      differ(`${id} distinct versions answered`, new Set(answered).size, keys.length);
    }
    // One deployment per deploy key (each deploy's description is its own), the 2xx'd one.
    const deploys = writes.filter((w) => w.kind === 'deploy');
    const revisions = await call(api, 'GET', `/environments/${ENV}/revisions?limit=100`);
    expect(revisions.status).toBe(200);
    expect(revisions.body.nextCursor).toBeUndefined();
    const history: Json[] = revisions.body.items;
    for (const entry of deploys) {
      const mine = history.filter((r) => r.description === entry.body.description);
      differ(
        `revisions of ${entry.key}`,
        mine.map((r) => r.deploymentNumber),
        [entry.answer?.body.deploymentNumber],
      );
    }
    differ(
      `${ENV} history entries of no deploy key`,
      history.filter((r) => !deploys.some((w) => w.body.description === r.description)).length,
      0,
    );
    // Feedback: exactly the 202'd ids stored, and each version's aggregate equal to its items.
    const feedback = writes.filter((w) => w.kind === 'feedback');
    for (const id of PROMPTS) {
      const mine = feedback.filter((w) => w.body.promptId === id);
      const items = await call(api, 'GET', `/prompts/${id}/feedback/items?environment=${ENV}&limit=100`);
      expect(items.body.nextCursor).toBeUndefined();
      const listed: Json[] = items.body.items ?? [];
      differ(`${id} feedback ids`, listed.map((i) => i.id).sort(), mine.map((w) => w.answer?.body.id).sort());
      const report = await call(api, 'GET', `/prompts/${id}/feedback?environment=${ENV}`);
      for (const version of new Set(listed.map((i) => i.version as string))) {
        const ofVersion = listed.filter((i) => i.version === version);
        const counted = report.body.versions.find((v: Json) => v.version === version);
        differ(
          `${id}@${version} aggregate`,
          { count: counted?.count ?? 0, negative: counted?.negative ?? 0 },
          { count: ofVersion.length, negative: ofVersion.filter((i) => i.rating === -1).length },
        );
      }
    }
    expect(problems, `seed ${SEED}`).toEqual([]);
    console.log(
      `${writes.length} writes (${writes.length - unanswered.length} answered 2xx before a kill, ${unanswered.length} retried): ${PROMPTS.length} prompts, ${deploys.length} deploys, ${feedback.length} feedback`,
    );
  }, 180_000);
});
