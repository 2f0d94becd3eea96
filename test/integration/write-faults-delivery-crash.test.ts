/**
 * Deploy cut off mid-request, as a Lambda killed or timed out is (docs/architecture.md, "Cut points:
 * delivery"): after each of a clean deploy's writes, that write lands and every later call to the
 * main table and AppConfig fails, the request's own undo included, so whatever it had written stays:
 * a claim, a STARTING revision record, an unused hosted version, a started AppConfig deployment.
 * Then either a retry with the same Idempotency-Key or, once the claim has expired, another deploy
 * finishes or releases what the cut-off request left: one AppConfig deployment per key, one revision,
 * one start event, the environment never claimed for good.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { sharedDocumentClient } from '../../lambda/adapters/aws-clients.ts';
import { applyDeploymentInfo } from '../../lambda/delivery/outcome.ts';
import { CLAIM_SECONDS } from '../../lambda/delivery/start-revision.ts';
import { createDeployHandler } from '../../lambda/handlers/deploy.ts';
import { handler as publishHandler } from '../../lambda/handlers/publish.ts';
import { ENV } from '../../src/core/contracts.ts';
import { ALICE, BOB, call } from '../fixtures/api.ts';
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
import { type InjectedFault, injectFault } from '../fixtures/store-faults.ts';

const stack = await startDeliveryStack();
const suffix = randomBytes(3).toString('hex');
const id = `wf-crash-${suffix}`;
for (const version of ['1.0.0', '1.1.0', '1.2.0']) {
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
afterAll(() => stack.close());

let environments = 0;
const nextEnvironment = () => stack.environment(`crash${suffix}${++environments}`);
const newKey = () => ({ 'idempotency-key': `key-${randomBytes(8).toString('hex')}` });

async function deployed(env: DeliveryEnvironment, version: string) {
  const response = await env.deploy({ [id]: version });
  if (response.status !== 202) throw new Error(`deploy ${version}: ${JSON.stringify(response.body)}`);
  await env.settle();
  await env.status();
}

/** What an API reader sees of the environment, reduced to what deploys change. */
async function view(env: DeliveryEnvironment) {
  await env.settle();
  const status = await env.status();
  const audit = await env.audit();
  return {
    revision: status.body.revision as number,
    pin: status.body.prompts[id] as string | undefined,
    history: (status.body.history as { revision: number; state: string }[]).map(
      (h) => `${h.revision} ${h.state}`,
    ),
    started: audit.filter((e) => e.action === 'environment.deploy').map((e) => e.details.revision),
    deployments: (await env.deployments()).length,
    served: await env.servedRevision(),
  };
}

/**
 * From the call after the one `isTarget` picks, every call to the main table and AppConfig fails
 * before reaching them: the process is gone. The idempotency table has its own client, so Powertools
 * still drops the failed request's record and a same-key retry runs.
 */
function cutOffAfter(
  isTarget: (client: RecordedCall['client'], command: string, input: Record<string, unknown>) => boolean,
) {
  let cut = false;
  const scope = (client: RecordedCall['client']) => (command: string, input: Record<string, unknown>) => {
    if (cut) return client === 'appconfig' || input.TableName === process.env[ENV.table];
    if (isTarget(client, command, input)) cut = true;
    return false;
  };
  faults.push(
    injectFault(sharedDocumentClient(), { mode: 'fail-before', times: Infinity, matches: scope('dynamodb') }),
    injectFault(stack.appconfig, { mode: 'fail-before', times: Infinity, matches: scope('appconfig') }),
  );
  return () => cut;
}

function stopFaults() {
  for (const fault of faults.splice(0)) fault.remove();
}

/** The writes of a clean deploy, in order. */
async function cutPoints() {
  const env = await nextEnvironment();
  await deployed(env, '1.0.0');
  const calls: RecordedCall[] = [];
  const recorders = [
    recordCalls(sharedDocumentClient(), 'dynamodb', calls),
    recordCalls(stack.appconfig, 'appconfig', calls),
  ];
  const response = await env.deploy({ [id]: '1.1.0' }, newKey());
  for (const recorder of recorders) recorder.stop();
  if (response.status !== 202) throw new Error(`deploy: ${JSON.stringify(response.body)}`);
  return writeCutPoints(calls);
}

const points = await cutPoints();
const complete = {
  revision: 2,
  pin: '1.1.0',
  history: ['2 COMPLETE', '1 COMPLETE'],
  started: [1, 2],
  deployments: 2,
  served: 2,
};

describe('deploy cut off after a write', () => {
  it('covers the claim, the hosted version, the STARTING record, StartDeployment and the commit', () => {
    expect(points.map((p) => p.label)).toEqual(
      expect.arrayContaining([
        'UpdateItemCommand #1 (STATE)',
        'CreateHostedConfigurationVersionCommand #1',
        'PutItemCommand #1 (REVISION)',
        'StartDeploymentCommand #1',
        'UpdateItemCommand #2 (STATE)',
      ]),
    );
  });

  for (const point of points) {
    const target = (client: RecordedCall['client'], command: string, input: Record<string, unknown>) =>
      client === point.client && matcher(command, input);
    let matcher = nthCall(point.command, point.occurrence, point.client);

    it(`after ${point.client} ${point.label}: a same-key retry finishes it at once, with one deployment`, async () => {
      const env = await nextEnvironment();
      await deployed(env, '1.0.0');
      matcher = nthCall(point.command, point.occurrence, point.client);
      const cut = cutOffAfter(target);
      const headers = newKey();
      const faulted = await env.deploy({ [id]: '1.1.0' }, headers);
      expect(cut()).toBe(true);
      stopFaults();
      expect([202, 500]).toContain(faulted.status);

      const retry = await env.deploy({ [id]: '1.1.0' }, headers);
      expect(retry.status).toBe(202);
      expect(retry.body).toMatchObject({ environment: env.name, revision: 2 });
      if (faulted.status === 202) expect(retry.body).toEqual(faulted.body);
      expect(await view(env)).toEqual(complete);
      // The recovered start is answered again, not deployed again.
      const again = await env.deploy({ [id]: '1.1.0' }, headers);
      expect(again.body).toEqual(retry.body);
      expect(await view(env)).toEqual(complete);
    });

    it(`after ${point.client} ${point.label}: another deploy waits out the claim, then recovers it; the first key still deploys once`, async () => {
      const env = await nextEnvironment();
      await deployed(env, '1.0.0');
      matcher = nthCall(point.command, point.occurrence, point.client);
      const cut = cutOffAfter(target);
      const first = newKey();
      const faulted = await env.deploy({ [id]: '1.1.0' }, first);
      expect(cut()).toBe(true);
      stopFaults();
      await env.settle();

      const claimed = (await env.deps.environments.get(env.name))?.pendingRevision !== undefined;
      const other = { [id]: '1.2.0' };
      if (claimed) {
        // Within the claim the claimant may still be running: refused, nothing touched.
        const early = await env.deploy(other, newKey());
        expect(early.status).toBe(409);
        expect(early.body.code).toBe('REVISION_CONFLICT');
      }
      // Past the claim (its claimant's timeout is long over), the next deploy recovers it.
      const later = createDeployHandler(() => ({
        ...env.deps,
        now: () => new Date(Date.now() + (CLAIM_SECONDS + 1) * 1000),
      }));
      const next = await call(later, 'POST', `/environments/${env.name}/deployments`, {
        body: { prompts: other },
        caller: BOB,
        headers: newKey(),
      });
      expect(next.status).toBe(202);
      await env.settle();
      const retry = await env.deploy({ [id]: '1.1.0' }, first);
      expect(retry.status).toBe(202);
      if (faulted.status === 202) expect(retry.body).toEqual(faulted.body);
      const after = await view(env);
      // Whether or not the cut-off deploy had started its deployment, each key started exactly one.
      expect(after.deployments).toBe(3);
      expect(after.started.sort()).toEqual([1, 2, 3]);
      expect(after.served).toBe(3);
      expect(after.history).toEqual(['3 COMPLETE', '2 COMPLETE', '1 COMPLETE']);
      const revisions = [next.body.revision, retry.body.revision].sort();
      expect(revisions).toEqual([2, 3]);
      expect(after.pin).toBe(retry.body.revision === 3 ? '1.1.0' : '1.2.0');
      expect(await env.deploy({ [id]: '1.1.0' }, first)).toMatchObject({ body: retry.body });
      expect((await view(env)).deployments).toBe(3);
    });
  }
});

describe('a deploy cut off after StartDeployment, its deployment reported first', () => {
  it('the deployment-events path commits it with its answer, and the same-key retry replays that', async () => {
    const env = await nextEnvironment();
    await deployed(env, '1.0.0');
    const cut = cutOffAfter(
      (client, command) => client === 'appconfig' && command === 'StartDeploymentCommand',
    );
    const headers = newKey();
    expect((await env.deploy({ [id]: '1.1.0' }, headers)).status).toBe(500);
    expect(cut()).toBe(true);
    stopFaults();
    await env.settle();
    // What the deployment-events handler does when AppConfig reports the deployment's end.
    const started = (await env.deployments()).at(-1);
    const info = await env.deps.delivery.getDeployment(env.environmentId, started?.number ?? 0);
    expect(await applyDeploymentInfo(env.deps, env.name, info, { requestId: 'events' })).toBe('updated');
    expect((await env.deps.environments.get(env.name))?.pendingRevision).toBeUndefined();

    const retry = await env.deploy({ [id]: '1.1.0' }, headers);
    expect(retry.status).toBe(202);
    expect(retry.body).toMatchObject({ revision: 2, deploymentNumber: started?.number });
    expect(await view(env)).toEqual(complete);
  });
});

describe('same-key retries after later deploys', () => {
  it('a deploy whose answer was lost is answered, not redeployed, after two more deploys committed', async () => {
    const env = await nextEnvironment();
    await deployed(env, '1.0.0');
    const headers = newKey();
    const lost = loseIdempotentAnswer();
    try {
      expect((await env.deploy({ [id]: '1.1.0' }, headers)).status).toBe(500);
      lost.fault.remove();
      await deployed(env, '1.2.0');
      await deployed(env, '1.0.0');
      const retry = await env.deploy({ [id]: '1.1.0' }, headers);
      expect(retry.status).toBe(202);
      expect(retry.body).toMatchObject({ environment: env.name, revision: 2 });
      const after = await view(env);
      expect(after.deployments).toBe(4);
      expect(after.started.sort()).toEqual([1, 2, 3, 4]);
      expect(after.pin).toBe('1.0.0');
    } finally {
      lost.restore();
    }
  });
});
