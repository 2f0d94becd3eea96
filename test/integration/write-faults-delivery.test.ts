/**
 * Deploy and rollback under faults, over the real handlers, dynalite and s3rver, and the local
 * AppConfig emulator (docs/architecture.md, "Cut points: delivery"). The cut points are the writes a
 * clean request makes, recorded on the SDK middleware stacks, so a write added later is covered;
 * each is failed before it reaches the store and after the store committed it. Right after the
 * faulted request an API reader sees the environment untouched or the deploy complete; a retry with
 * the same Idempotency-Key then converges to exactly one effect: one AppConfig deployment, one
 * revision, one audit event, the manifest AppConfig serves at that revision.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { sharedDocumentClient } from '../../lambda/adapters/aws-clients.ts';
import { handler as publishHandler } from '../../lambda/handlers/publish.ts';
import { ALICE, call } from '../fixtures/api.ts';
import {
  type DeliveryEnvironment,
  nthCall,
  type RecordedCall,
  recordCalls,
  startDeliveryStack,
  writeCutPoints,
} from '../fixtures/delivery-faults.ts';
import { promptDocument } from '../fixtures/delivery-setup.ts';
import { loseIdempotentAnswer } from '../fixtures/lost-answer.ts';
import { type FaultMode, type InjectedFault, injectFault } from '../fixtures/store-faults.ts';

const stack = await startDeliveryStack();
/** Real time: a deployment started here is still baking when the rollback under test stops it. */
const slowStack = await startDeliveryStack(1);
const suffix = randomBytes(3).toString('hex');
const id = `wf-delivery-${suffix}`;
for (const version of ['1.0.0', '1.1.0']) {
  const published = await call(publishHandler, 'POST', `/prompts/${id}/versions`, {
    body: { document: promptDocument(id, `Answer {{question}} (${version}).`), version },
    caller: ALICE,
  });
  if (published.status !== 201) throw new Error(`publish ${version}: ${JSON.stringify(published.body)}`);
}

const faults: InjectedFault[] = [];
afterEach(() => {
  for (const fault of faults.splice(0)) fault.remove();
});
afterAll(async () => {
  await stack.close();
  await slowStack.close();
});

let environments = 0;
const nextEnvironment = (scenario: Scenario) => scenario.stack.environment(`wf${suffix}${++environments}`);
const newKey = () => ({ 'idempotency-key': `key-${randomBytes(8).toString('hex')}` });

/** Waits for AppConfig to end what the fast stack started; the slow one's deployments keep baking. */
async function settled(scenario: Scenario, env: DeliveryEnvironment) {
  if (scenario.stack === stack) await env.settle();
}

/** What an API reader sees of an environment, reduced to what a deploy changes. */
async function view(env: DeliveryEnvironment) {
  const status = await env.status();
  const audit = await env.audit();
  const deployments = await env.deployments();
  return {
    revision: status.body.revision as number,
    pin: status.body.prompts[id] as string | undefined,
    history: (status.body.history as { revision: number }[]).map((h) => h.revision),
    started: audit
      .filter((e) => e.action === 'environment.deploy' || e.action === 'environment.rollback')
      .map((e) => `${e.action}@${e.details.revision}`),
    deployments: deployments.length,
    served: await env.servedRevision(),
    ended: audit
      .filter((e) => e.action === 'environment.deployment.rolled-back')
      .map((e) => `${e.action}@${e.details.revision}`),
  };
}

interface Scenario {
  readonly name: string;
  readonly stack: typeof stack;
  /** Writes a clean run makes, at least. */
  readonly writes: readonly string[];
  /** Whether a same-key retry after a lost answer is covered (docs/architecture.md says when not). */
  readonly replaysLostAnswer: boolean;
  /** Brings a fresh environment to where the request under test starts. */
  readonly prepare: (env: DeliveryEnvironment) => Promise<void>;
  readonly request: (
    env: DeliveryEnvironment,
    headers: Record<string, string>,
  ) => ReturnType<DeliveryEnvironment['deploy']>;
  readonly untouched: Awaited<ReturnType<typeof view>>;
  readonly complete: Awaited<ReturnType<typeof view>>;
}

async function deployed(env: DeliveryEnvironment, version: string) {
  const response = await env.deploy({ [id]: version });
  if (response.status !== 202) throw new Error(`deploy ${version}: ${JSON.stringify(response.body)}`);
  await env.settle();
  // Records the ending now, so the request under test makes the same writes every run.
  await env.status();
}

const SCENARIOS: readonly Scenario[] = [
  {
    name: 'deploy',
    stack,
    writes: [
      'UpdateItemCommand',
      'PutItemCommand',
      'CreateHostedConfigurationVersionCommand',
      'StartDeploymentCommand',
    ],
    replaysLostAnswer: true,
    prepare: (env) => deployed(env, '1.0.0'),
    request: (env, headers) => env.deploy({ [id]: '1.1.0' }, headers),
    untouched: {
      revision: 1,
      pin: '1.0.0',
      history: [1],
      started: ['environment.deploy@1'],
      deployments: 1,
      served: 1,
      ended: [],
    },
    complete: {
      revision: 2,
      pin: '1.1.0',
      history: [2, 1],
      started: ['environment.deploy@1', 'environment.deploy@2'],
      deployments: 2,
      served: 2,
      ended: [],
    },
  },
  {
    name: 'rollback',
    stack,
    writes: [
      'UpdateItemCommand',
      'PutItemCommand',
      'CreateHostedConfigurationVersionCommand',
      'StartDeploymentCommand',
    ],
    replaysLostAnswer: true,
    prepare: async (env) => {
      await deployed(env, '1.0.0');
      await deployed(env, '1.1.0');
    },
    request: (env, headers) => env.rollback({ reason: 'bad answers' }, headers),
    untouched: {
      revision: 2,
      pin: '1.1.0',
      history: [2, 1],
      started: ['environment.deploy@1', 'environment.deploy@2'],
      deployments: 2,
      served: 2,
      ended: [],
    },
    complete: {
      revision: 3,
      pin: '1.0.0',
      history: [3, 2, 1],
      started: ['environment.deploy@1', 'environment.deploy@2', 'environment.rollback@3'],
      deployments: 3,
      served: 3,
      ended: [],
    },
  },
  {
    name: 'rollback of a running deployment',
    stack: slowStack,
    writes: ['StopDeploymentCommand', 'UpdateItemCommand', 'PutItemCommand'],
    replaysLostAnswer: true,
    prepare: async (env) => {
      expect((await env.deploy({ [id]: '1.0.0' })).status).toBe(202);
    },
    request: (env, headers) => env.rollback({ reason: 'bad answers' }, headers),
    untouched: {
      revision: 1,
      pin: '1.0.0',
      history: [1],
      started: ['environment.deploy@1'],
      deployments: 1,
      served: 1,
      ended: [],
    },
    complete: {
      revision: 0,
      pin: undefined,
      history: [1],
      started: ['environment.deploy@1'],
      deployments: 1,
      served: 0,
      ended: ['environment.deployment.rolled-back@1'],
    },
  },
];

/** The writes of a clean run of the scenario's request, in the order it makes them. */
async function cutPointsOf(scenario: Scenario) {
  const env = await nextEnvironment(scenario);
  await scenario.prepare(env);
  const calls: RecordedCall[] = [];
  const recorders = [
    recordCalls(sharedDocumentClient(), 'dynamodb', calls),
    recordCalls(scenario.stack.appconfig, 'appconfig', calls),
  ];
  const response = await scenario.request(env, newKey());
  for (const recorder of recorders) recorder.stop();
  if (response.status !== 202) throw new Error(`${scenario.name}: ${JSON.stringify(response.body)}`);
  return writeCutPoints(calls);
}

const MODES: readonly FaultMode[] = ['fail-before', 'fail-after-commit'];

for (const scenario of SCENARIOS) {
  const points = await cutPointsOf(scenario);

  describe(`${scenario.name} under faults`, () => {
    it('makes the writes the cut points below cover', () => {
      expect(points.map((p) => p.command)).toEqual(expect.arrayContaining([...scenario.writes]));
    });

    for (const point of points) {
      for (const mode of MODES) {
        it(`${mode} on ${point.client} ${point.label}: untouched or complete, and a same-key retry converges once`, async () => {
          const env = await nextEnvironment(scenario);
          await scenario.prepare(env);
          const client = point.client === 'dynamodb' ? sharedDocumentClient() : scenario.stack.appconfig;
          faults.push(
            injectFault(client, { mode, matches: nthCall(point.command, point.occurrence, point.client) }),
          );
          const headers = newKey();
          const faulted = await scenario.request(env, headers);
          expect(faults[0]?.hits()).toBe(1);
          faults.splice(0).forEach((f) => {
            f.remove();
          });
          expect([202, 500]).toContain(faulted.status);
          await settled(scenario, env);
          const after = await view(env);
          if (faulted.status === 202) expect(after).toEqual(scenario.complete);
          else expect([scenario.untouched, scenario.complete]).toContainEqual(after);

          const retry = await scenario.request(env, headers);
          expect(retry.status).toBe(202);
          if (faulted.status === 202) expect(retry.body).toEqual(faulted.body);
          await settled(scenario, env);
          expect(await view(env)).toEqual(scenario.complete);
          const again = await scenario.request(env, headers);
          expect(again.body).toEqual(retry.body);
          expect(await view(env)).toEqual(scenario.complete);
        });
      }
    }

    it.runIf(scenario.replaysLostAnswer)(
      'cut off after the last write, before responding: complete, and a same-key retry answers the start',
      async () => {
        const env = await nextEnvironment(scenario);
        await scenario.prepare(env);
        const lostAnswer = loseIdempotentAnswer();
        try {
          const headers = newKey();
          const lost = await scenario.request(env, headers);
          expect(lostAnswer.fault.hits()).toBe(2);
          expect(lost.status).toBe(500);
          await settled(scenario, env);
          expect(await view(env)).toEqual(scenario.complete);

          const retry = await scenario.request(env, headers);
          expect(retry.status).toBe(202);
          expect(retry.body).toMatchObject({ environment: env.name, revision: scenario.complete.revision });
          await settled(scenario, env);
          expect(await view(env)).toEqual(scenario.complete);
        } finally {
          lostAnswer.restore();
        }
      },
    );
  });
}
