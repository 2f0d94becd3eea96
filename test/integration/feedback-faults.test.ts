/**
 * Feedback under store faults (docs/architecture.md, "Exact feedback counts"): whichever write a
 * fault hits, before or after the store committed it, the failed request leaves no item and a
 * report that equals the items; a retry with the same Idempotency-Key then records exactly one. A
 * Lambda killed between its writes leaves a pending item, which the reconciler counts exactly once.
 */
import { randomBytes } from 'node:crypto';
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { afterEach, describe, expect, it } from 'vitest';
import { sharedDocumentClient } from '../../lambda/adapters/aws-clients.ts';
import { DynamoFeedbackRepository } from '../../lambda/adapters/feedback-repository.ts';
import { reconcileFeedback } from '../../lambda/feedback/reconcile-feedback.ts';
import { createFeedbackHandler, handler as feedbackHandler } from '../../lambda/handlers/feedback.ts';
import { handler as publishHandler } from '../../lambda/handlers/publish.ts';
import { ENV, KEYS } from '../../src/core/contracts.ts';
import { call } from '../fixtures/api.ts';
import { loseIdempotentAnswer } from '../fixtures/lost-answer.ts';
import { exampleDocument } from '../fixtures/registry.ts';
import {
  type FaultMode,
  type InjectedFault,
  injectFault,
  recordCalls,
  WRITE_COMMANDS,
} from '../fixtures/store-faults.ts';

process.env[ENV.feedbackHashSecret] ??= `it-${randomBytes(16).toString('hex')}`;

// 1,000 parallel posts on both stores (dynalite in-process; moto, one request at a time, some 35 ms a
// store call, about 30-50 s for the burst with the test handlers' 45 s budget there).
const BURST = 1000;

const faults: InjectedFault[] = [];
afterEach(() => {
  for (const fault of faults.splice(0)) fault.remove();
});

async function published(): Promise<string> {
  const id = `fault-${randomBytes(5).toString('hex')}`;
  const document = exampleDocument('Replies to a customer support ticket').replace(
    'id: support-reply',
    `id: ${id}`,
  );
  expect((await call(publishHandler, 'POST', `/prompts/${id}/versions`, { body: { document } })).status).toBe(
    201,
  );
  return id;
}

async function stored(id: string) {
  const { Items = [] } = await sharedDocumentClient().send(
    new QueryCommand({
      TableName: process.env[ENV.feedbackTable],
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': KEYS.feedbackPk('prod', id, '1.0.0') },
      ConsistentRead: true,
    }),
  );
  const items = Items.filter((i) => String(i.sk).startsWith(KEYS.feedbackItemSkPrefix));
  // What a user sees: the report, which recounts a shard a failed post marked dirty.
  const report = await call(feedbackHandler, 'GET', `/prompts/${id}/feedback`, {
    query: { environment: 'prod' },
  });
  expect(report.status).toBe(200);
  const version = report.body.versions.find((v: { version: string }) => v.version === '1.0.0');
  return { items: items.length, count: version?.count ?? 0, negative: version?.negative ?? 0 };
}

/** The stored aggregate shards as they are, before any settle. */
async function rawCount(id: string): Promise<number> {
  const { Items = [] } = await sharedDocumentClient().send(
    new QueryCommand({
      TableName: process.env[ENV.feedbackTable],
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: {
        ':pk': KEYS.feedbackPk('prod', id, '1.0.0'),
        ':prefix': KEYS.feedbackAggregateSkPrefix,
      },
      ConsistentRead: true,
    }),
  );
  return Items.reduce((total, a) => total + Number(a.count ?? 0), 0);
}

/** The aggregate's ADD (not the item's pending mark being cleared, nor a dirty mark). */
const isCount = (command: string, input: Record<string, unknown>) =>
  command === 'UpdateItemCommand' &&
  input.TableName === process.env[ENV.feedbackTable] &&
  String(input.UpdateExpression).includes(' ADD #count');

/** The feedback table's writes: the keyed id's mark, the item's put and the aggregate's update. */
const CUT_POINTS: readonly { name: string; command: string; sk?: string }[] = [
  { name: 'the key mark', command: 'PutItemCommand', sk: 'KEY#' },
  { name: 'the item put', command: 'PutItemCommand', sk: KEYS.feedbackItemSkPrefix },
  { name: 'the aggregate update', command: 'UpdateItemCommand' },
];
const matchesCut =
  (cut: { command: string; sk?: string }) => (command: string, input: Record<string, unknown>) =>
    cut.command === 'UpdateItemCommand'
      ? isCount(command, input)
      : command === cut.command &&
        input.TableName === process.env[ENV.feedbackTable] &&
        String((input.Item as { sk?: unknown } | undefined)?.sk).startsWith(cut.sk ?? '');
const MODES: readonly FaultMode[] = ['fail-before', 'fail-after-commit'];

describe('feedback under store faults', () => {
  for (const cut of CUT_POINTS) {
    for (const mode of MODES) {
      it(`${mode} on ${cut.name}: 500, nothing left, and a retry with the key counts exactly once`, async () => {
        const id = await published();
        // One earlier rating, so a wrong recount would show.
        const body = { promptId: id, version: '1.0.0', environment: 'prod', rating: -1 };
        expect((await call(feedbackHandler, 'POST', '/feedback', { body })).status).toBe(202);

        faults.push(injectFault(sharedDocumentClient(), { mode, matches: matchesCut(cut) }));
        const key = `key-${randomBytes(6).toString('hex')}`;
        const headers = { 'idempotency-key': key };
        const failed = await call(feedbackHandler, 'POST', '/feedback', { body, headers });
        expect(failed.status).toBe(500);
        expect(faults[0]?.hits()).toBe(1);
        expect(await stored(id)).toEqual({ items: 1, count: 1, negative: 1 });

        const retry = await call(feedbackHandler, 'POST', '/feedback', { body, headers });
        expect(retry.status).toBe(202);
        expect(await stored(id)).toEqual({ items: 2, count: 2, negative: 2 });
        const again = await call(feedbackHandler, 'POST', '/feedback', { body, headers });
        expect(again.body).toEqual(retry.body);
        expect(await stored(id)).toEqual({ items: 2, count: 2, negative: 2 });
        const report = await call(feedbackHandler, 'GET', `/prompts/${id}/feedback`, {
          query: { environment: 'prod' },
        });
        expect(report.body.versions).toEqual([{ version: '1.0.0', count: 2, positive: 0, negative: 2 }]);
      });
    }
  }

  it('a delayed aggregate update under parallel posts still counts every 202 once', async () => {
    const id = await published();
    faults.push(
      injectFault(sharedDocumentClient(), { mode: 'delay', delayMs: 50, times: 20, matches: isCount }),
    );
    faults.push(
      injectFault(sharedDocumentClient(), { mode: 'fail-after-commit', times: 10, matches: isCount }),
    );
    const responses = await Promise.all(
      Array.from({ length: 60 }, () =>
        call(feedbackHandler, 'POST', '/feedback', {
          body: { promptId: id, version: '1.0.0', environment: 'prod', rating: 1 },
        }),
      ),
    );
    const accepted = responses.filter((r) => r.status === 202).length;
    expect(accepted).toBe(50);
    // The ten failed ADDs landed on their shards: the stored shards over-count until settled.
    expect(await rawCount(id)).toBe(60);
    expect(await stored(id)).toEqual({ items: 50, count: 50, negative: 0 });
    expect(await rawCount(id)).toBe(50);
  });

  it('a Lambda killed between its two writes: the item waits pending, and the reconciler counts it exactly once', async () => {
    const id = await published();
    const body = { promptId: id, version: '1.0.0', environment: 'prod', rating: -1 };
    expect((await call(feedbackHandler, 'POST', '/feedback', { body })).status).toBe(202);
    // The cut: the ADD never leaves (a killed Lambda answers nothing, and undoes nothing).
    let killed = false;
    faults.push(
      injectFault(sharedDocumentClient(), {
        mode: 'fail-before',
        matches: (command, input) => {
          if (!isCount(command, input)) return false;
          killed = true;
          return true;
        },
      }),
    );
    const repository = new DynamoFeedbackRepository(
      sharedDocumentClient(),
      String(process.env[ENV.feedbackTable]),
    );
    const { buildFeedbackDeps } = await import('../../lambda/feedback/deps.ts');
    const deps = buildFeedbackDeps();
    // Its undo never runs either: the process is gone after the item landed.
    const dying = createFeedbackHandler(() => ({
      ...deps,
      feedback: Object.assign(Object.create(repository) as DynamoFeedbackRepository, {
        deleteFeedback: async () => {
          throw new Error('killed');
        },
        markDirty: async () => {
          throw new Error('killed');
        },
      }),
    }));
    expect((await call(dying, 'POST', '/feedback', { body })).status).toBe(500);
    expect(killed).toBe(true);
    expect(await stored(id)).toEqual({ items: 2, count: 1, negative: 1 });

    // Within the grace the writer might still be running: the reconciler leaves it alone.
    const soon = await reconcileFeedback({ feedback: repository, now: () => new Date() });
    expect(soon).toEqual({ settled: 0, cleared: 0 });
    expect(await stored(id)).toEqual({ items: 2, count: 1, negative: 1 });

    // After it, the item is counted, and a second run changes nothing.
    const later = () => new Date(Date.now() + 3 * 60_000);
    const first = await reconcileFeedback({ feedback: repository, now: later });
    expect(first.cleared).toBeGreaterThanOrEqual(1);
    expect(await stored(id)).toEqual({ items: 2, count: 2, negative: 2 });
    await reconcileFeedback({ feedback: repository, now: later });
    expect(await stored(id)).toEqual({ items: 2, count: 2, negative: 2 });
    expect(await rawCount(id)).toBe(2);
  });

  it('a settle that counted a pending item refuses its late ADD: counted once, never twice', async () => {
    const id = await published();
    const repository = new DynamoFeedbackRepository(
      sharedDocumentClient(),
      String(process.env[ENV.feedbackTable]),
    );
    const at = new Date().toISOString();
    const record = {
      feedbackId: `late-${randomBytes(4).toString('hex')}`,
      promptId: id,
      version: '1.0.0',
      environment: 'prod',
      scale: 'thumbs' as const,
      rating: 1,
      sentiment: 'positive' as const,
      at,
    };
    const increment = { count: 1, positive: 1, negative: 0, stars: 0, starsSum: 0 };
    await repository.putFeedback(record);
    const { shardOfRecord } = await import('../../lambda/adapters/feedback-repository.ts');
    // The settle runs between the writer's put and its ADD.
    expect(await repository.settleShard(shardOfRecord(record))).toMatchObject({ count: 1 });
    expect(await repository.countFeedback(record, increment)).toBe('claimed');
    await repository.markCounted(record);
    expect(await stored(id)).toEqual({ items: 1, count: 1, negative: 0 });
    // The next settle sees no pending item and drops the claim; a new post counts as usual.
    await repository.settleShard(shardOfRecord(record));
    expect(await stored(id)).toEqual({ items: 1, count: 1, negative: 0 });
  });

  it(`${BURST.toLocaleString('en-US')} parallel posts at the reserved concurrency, each non-202 retried with its key: every rating stored and counted once`, async () => {
    const id = await published();
    // Lambda runs at most the feedback function's reserved concurrency (20, lib/private/promptops-handlers.ts)
    // at once; here the others wait for a free slot (on AWS they are throttled and retried).
    const RESERVED_CONCURRENCY = 20;
    let running = 0;
    const waiting: (() => void)[] = [];
    const post = async (i: number, key: string) => {
      if (running >= RESERVED_CONCURRENCY) await new Promise<void>((resolve) => waiting.push(resolve));
      running++;
      try {
        return await call(feedbackHandler, 'POST', '/feedback', {
          body: { promptId: id, version: '1.0.0', environment: 'prod', rating: i % 4 === 0 ? -1 : 1 },
          headers: { 'idempotency-key': key },
        });
      } finally {
        running--;
        waiting.shift()?.();
      }
    };
    let retried = 0;
    const started = Date.now();
    const ids = await Promise.all(
      Array.from({ length: BURST }, async (_, i) => {
        const key = `bulk-${i}-${randomBytes(4).toString('hex')}`;
        // As a client does: back off (capped, with jitter) and retry with the same key.
        for (let attempt = 0; attempt < 8; attempt++) {
          const response = await post(i, key);
          if (response.status === 202) return response.body.id as string;
          retried++;
          const backoff = Math.min(2000, 50 * 2 ** attempt);
          await new Promise((resolve) => setTimeout(resolve, backoff / 2 + Math.random() * backoff));
        }
        throw new Error(`post ${i} never succeeded`);
      }),
    );
    // Figures for docs/architecture.md ("Exact feedback counts"), printed for the record.
    console.info(`${BURST} posts accepted in ${Date.now() - started} ms, ${retried} answers retried`);
    expect(new Set(ids).size).toBe(BURST);
    expect(await stored(id)).toEqual({ items: BURST, count: BURST, negative: BURST / 4 });
  }, 240_000);
});

/** The feedback table's writes of a clean keyed post, in order (the cut points below). */
async function keyedPostWrites(): Promise<string[]> {
  const id = await published();
  const recorder = recordCalls({ dynamodb: sharedDocumentClient() });
  const response = await call(feedbackHandler, 'POST', '/feedback', {
    body: { promptId: id, version: '1.0.0', environment: 'prod', rating: 1 },
    headers: { 'idempotency-key': `key-${randomBytes(6).toString('hex')}` },
  });
  recorder.remove();
  expect(response.status).toBe(202);
  return recorder.calls
    .filter((c) => c.write && c.target === process.env[ENV.feedbackTable])
    .map((c) => c.command);
}

const keyedWrites = await keyedPostWrites();

/**
 * A post cut off as a killed Lambda is (docs/architecture.md, "Exact feedback counts"): its `n`th
 * feedback-table write lands, and every later call to that table fails, its undo included. The
 * idempotency table has its own client, so Powertools drops the failed request's record and the
 * retry with the same key runs.
 */
function cutOffAfterWrite(n: number, answered = true): () => boolean {
  let writes = 0;
  let cut = false;
  // Each call's part, decided once (both faults see the same input object): before the cut, the cut
  // write itself, or after it.
  const roles = new WeakMap<object, 'before' | 'cut' | 'after'>();
  const role = (command: string, input: Record<string, unknown>) => {
    let part = roles.get(input);
    if (part === undefined) {
      if (input.TableName !== process.env[ENV.feedbackTable]) part = 'before';
      else if (cut) part = 'after';
      else if (WRITE_COMMANDS.has(command) && ++writes === n) {
        cut = true;
        part = 'cut';
      } else part = 'before';
      roles.set(input, part);
    }
    return part;
  };
  faults.push(
    injectFault(sharedDocumentClient(), {
      mode: 'fail-before',
      times: Number.POSITIVE_INFINITY,
      matches: (command, input) => role(command, input) === 'after',
    }),
  );
  // With `answered` false the cut write lands but its answer is lost too (a timeout after the commit).
  if (!answered)
    faults.push(
      injectFault(sharedDocumentClient(), {
        mode: 'fail-after-commit',
        matches: (command, input) => role(command, input) === 'cut',
      }),
    );
  return () => cut;
}

describe('a keyed feedback post cut off after each of its writes', () => {
  it('makes the writes the cut points cover: the key mark, the item, the count, the pending mark cleared', () => {
    expect(keyedWrites).toEqual([
      'PutItemCommand',
      'PutItemCommand',
      'UpdateItemCommand',
      'UpdateItemCommand',
    ]);
  });

  for (const [index, command] of keyedWrites.entries()) {
    for (const reconciled of [false, true]) {
      it(`after write ${index + 1} (${command})${reconciled ? ', the reconciler past its grace first' : ''}: the same-key retry stores and counts it once, under one id`, async () => {
        const id = await published();
        const body = { promptId: id, version: '1.0.0', environment: 'prod', rating: -1 };
        expect((await call(feedbackHandler, 'POST', '/feedback', { body })).status).toBe(202);
        const headers = { 'idempotency-key': `key-${randomBytes(6).toString('hex')}` };
        const cut = cutOffAfterWrite(index + 1, false);
        const first = await call(feedbackHandler, 'POST', '/feedback', { body, headers });
        for (const fault of faults.splice(0)) fault.remove();
        expect(cut() || first.status === 202).toBe(true);
        if (reconciled) {
          const repository = new DynamoFeedbackRepository(
            sharedDocumentClient(),
            String(process.env[ENV.feedbackTable]),
          );
          await reconcileFeedback({ feedback: repository, now: () => new Date(Date.now() + 3 * 60_000) });
        }
        const retry = await call(feedbackHandler, 'POST', '/feedback', { body, headers });
        expect(retry.status).toBe(202);
        if (first.status === 202) expect(retry.body).toEqual(first.body);
        expect(await stored(id)).toEqual({ items: 2, count: 2, negative: 2 });
        expect(await rawCount(id)).toBe(2);
        const again = await call(feedbackHandler, 'POST', '/feedback', { body, headers });
        expect(again.body).toEqual(retry.body);
        expect(await stored(id)).toEqual({ items: 2, count: 2, negative: 2 });
      });
    }
  }

  it('a restart reconciles with no grace: a post killed after its item is counted at once (local mode at startup)', async () => {
    const id = await published();
    const body = { promptId: id, version: '1.0.0', environment: 'prod', rating: -1 };
    // No key: its first write is the item.
    const cut = cutOffAfterWrite(1);
    expect((await call(feedbackHandler, 'POST', '/feedback', { body })).status).toBe(500);
    for (const fault of faults.splice(0)) fault.remove();
    expect(cut()).toBe(true);
    expect(await stored(id)).toEqual({ items: 1, count: 0, negative: 0 });
    const repository = new DynamoFeedbackRepository(
      sharedDocumentClient(),
      String(process.env[ENV.feedbackTable]),
    );
    const now = () => new Date();
    expect(
      (await reconcileFeedback({ feedback: repository, now }, { graceMs: 0 })).cleared,
    ).toBeGreaterThanOrEqual(1);
    expect(await stored(id)).toEqual({ items: 1, count: 1, negative: 1 });
    await reconcileFeedback({ feedback: repository, now }, { graceMs: 0 });
    expect(await stored(id)).toEqual({ items: 1, count: 1, negative: 1 });
    expect(await rawCount(id)).toBe(1);
  });

  it('a post whose answer was lost after its last write: the retry answers the same id and stores nothing more', async () => {
    const id = await published();
    const body = { promptId: id, version: '1.0.0', environment: 'prod', rating: 1 };
    const lost = loseIdempotentAnswer();
    try {
      const headers = { 'idempotency-key': `key-${randomBytes(6).toString('hex')}` };
      expect((await call(feedbackHandler, 'POST', '/feedback', { body, headers })).status).toBe(500);
      expect(lost.fault.hits()).toBe(2);
      expect(await stored(id)).toEqual({ items: 1, count: 1, negative: 0 });
      const retry = await call(feedbackHandler, 'POST', '/feedback', { body, headers });
      expect(retry.status).toBe(202);
      expect(await stored(id)).toEqual({ items: 1, count: 1, negative: 0 });
      const items = await call(feedbackHandler, 'GET', `/prompts/${id}/feedback`, {
        query: { environment: 'prod' },
      });
      expect(items.status).toBe(200);
    } finally {
      lost.restore();
    }
  });
});
