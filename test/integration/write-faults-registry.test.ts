/**
 * The registry's write paths under store faults (docs/architecture.md, "Cut points: registry"): for
 * every store call a path makes, recorded on the SDK clients' middleware stacks rather than listed
 * by hand, the call fails before it reaches the store or after the store committed it. Right after
 * the faulted request a reader of the API sees the prompt untouched or the write complete (a
 * content-addressed object nobody names counts as untouched), and a retry with the same
 * Idempotency-Key (the worker: Lambda's retry of the same job) converges to exactly one effect.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, describe, expect, it } from 'vitest';
import { endpointOverride, sharedDocumentClient } from '../../lambda/adapters/aws-clients.ts';
import { sharedS3Client } from '../../lambda/adapters/s3-client.ts';
import { useIdempotencyStore } from '../../lambda/runtime/middleware/idempotent-writes.ts';
import { ENV } from '../../src/core/contracts.ts';
import {
  approve,
  jobsOf,
  newKey,
  newPromptId,
  type PromptView,
  preparedPrompt,
  publish,
  putSuite,
  runWorker,
  startRun,
  viewOf,
} from '../fixtures/registry-writes.ts';
import {
  type FaultMode,
  injectFaultAtCall,
  type RecordedCall,
  recordCalls,
} from '../fixtures/store-faults.ts';

// The idempotency records go through a client of the test's own, so its calls are cut points too.
const idempotencyClient = new DynamoDBClient(endpointOverride(ENV.dynamodbEndpoint));
useIdempotencyStore({ tableName: process.env[ENV.idempotencyTable] as string, client: idempotencyClient });
afterAll(() => useIdempotencyStore(undefined));

const CLIENTS = {
  dynamodb: sharedDocumentClient(),
  s3: sharedS3Client(),
  idempotency: idempotencyClient,
};

interface Outcome {
  readonly ok: boolean;
  readonly status: number | string;
  readonly body?: unknown;
}

/** What a reader sees, plus the worker jobs launched for the prompt's runs. */
type View = PromptView & { readonly launched: number };

interface WritePath {
  readonly name: string;
  /** A fresh prompt in the state the write starts from, and the write itself (same key every time). */
  prepare(): Promise<{ id: string; send: () => Promise<Outcome> }>;
  /** The view once the write took effect, from the view before it. */
  complete(before: View): View;
  /** Whether a retry answers what the first successful attempt answered (an API replay). */
  readonly replays: boolean;
}

const api = async (response: Promise<{ status: number; body: unknown }>): Promise<Outcome> => {
  const { status, body } = await response;
  return { ok: status >= 200 && status < 300, status, body };
};

async function view(id: string): Promise<View> {
  const launched = new Set(jobsOf(id).map((job) => job.runId)).size;
  return { ...(await viewOf(id)), launched };
}

const PATHS: readonly WritePath[] = [
  {
    name: 'publish',
    replays: true,
    prepare: async () => {
      const id = newPromptId();
      const key = newKey();
      return { id, send: () => api(publish(id, undefined, key)) };
    },
    complete: (before) => ({
      ...before,
      latest: '1.0.0',
      listed: '1.0.0',
      versions: [{ version: '1.0.0', approvals: [] }],
      audit: ['prompt.publish'],
      runs: [],
    }),
  },
  {
    name: 'approve',
    replays: true,
    prepare: async () => {
      const id = await preparedPrompt();
      const key = newKey();
      return { id, send: () => api(approve(id, key)) };
    },
    complete: (before) => ({
      ...before,
      versions: [{ version: '1.0.0', approvals: ['arn:aws:iam::123456789012:user/bob'] }],
      audit: [...before.audit, 'prompt.approve'].sort(),
    }),
  },
  {
    name: 'suite put',
    replays: true,
    prepare: async () => {
      const id = await preparedPrompt();
      const key = newKey();
      return { id, send: () => api(putSuite(id, undefined, key)) };
    },
    complete: (before) => ({ ...before, suite: 1, audit: [...before.audit, 'evalsuite.updated'].sort() }),
  },
  {
    name: 'evaluation start',
    replays: true,
    prepare: async () => {
      const id = await preparedPrompt({ suite: true });
      const key = newKey();
      return { id, send: () => api(startRun(id, {}, key)) };
    },
    complete: (before) => ({
      ...before,
      runs: ['RUNNING'],
      launched: 1,
      audit: [...before.audit, 'evaluation.started'].sort(),
    }),
  },
  {
    name: 'evaluation worker',
    replays: false,
    prepare: async () => {
      const id = await preparedPrompt({ suite: true });
      const started = await startRun(id);
      if (started.status !== 202) throw new Error(`seed start answered ${started.status}`);
      const [job] = jobsOf(id);
      if (!job) throw new Error('the seed start launched nothing');
      return {
        id,
        send: async () => {
          try {
            return { ok: true, status: (await runWorker(job)).result };
          } catch (error) {
            // Lambda retries an asynchronous invoke whose handler threw.
            return { ok: false, status: (error as Error).name };
          }
        },
      };
    },
    complete: (before) => ({
      ...before,
      // Whatever its verdict (a store read failing mid-run ends it in ERROR), the run has ended once.
      runs: [expect.stringMatching(/^(PASSED|ERROR)$/) as unknown as string],
      audit: [...before.audit, 'evaluation.finished'].sort(),
    }),
  },
];

/** Every store call each path makes on a clean run, in order: its cut points. */
const recorded = new Map<string, readonly RecordedCall[]>();
for (const path of PATHS) {
  const { send } = await path.prepare();
  const recorder = recordCalls(CLIENTS);
  try {
    const outcome = await send();
    if (!outcome.ok) throw new Error(`${path.name} answered ${outcome.status} without a fault`);
  } finally {
    recorder.remove();
  }
  recorded.set(path.name, recorder.calls);
}

/** Deep equality as toEqual sees it (asymmetric matchers included), without failing the test. */
function equal(actual: unknown, expected: unknown): boolean {
  try {
    expect(actual).toEqual(expected);
    return true;
  } catch {
    return false;
  }
}

const label = (call: RecordedCall) => {
  const store =
    call.client === 'idempotency' ? 'idempotency record' : call.client === 's3' ? 'body bucket' : 'table';
  return `${call.command.replace(/Command$/, '')} on the ${store}`;
};

describe('registry write paths under store faults', () => {
  for (const path of PATHS) {
    const calls = recorded.get(path.name) ?? [];
    describe(`${path.name} (${calls.length} store calls)`, () => {
      it('makes at least one write', () => {
        expect(calls.some((call) => call.write)).toBe(true);
      });
      calls.forEach((call, index) => {
        // A read that answers an error after "committing" is the same as one that never ran.
        const modes: FaultMode[] = call.write ? ['fail-before', 'fail-after-commit'] : ['fail-before'];
        for (const mode of modes) {
          it(`call ${index + 1}, ${label(call)}, ${mode}: untouched or complete, one effect after a retry`, async () => {
            const { id, send } = await path.prepare();
            const before = await view(id);
            const complete = path.complete(before);
            const fault = injectFaultAtCall(CLIENTS, index, mode);
            let first: Outcome;
            try {
              first = await send();
            } finally {
              fault.remove();
            }
            expect(fault.hits()).toBe(1);
            const after = await view(id);
            if (first.ok || !equal(after, before)) expect(after).toEqual(complete);
            // Past its commit point the handler is alive to finish (retrying a write once), so a
            // write that shows was answered as a success, never as a 500.
            if (!equal(after, before)) expect(first).toMatchObject({ ok: true });

            const retry = await send();
            expect(retry.ok).toBe(true);
            expect(await view(id)).toEqual(complete);
            const again = await send();
            if (path.replays) expect(again).toEqual(retry);
            expect(await view(id)).toEqual(complete);
          });
        }
      });
    });
  }
});
