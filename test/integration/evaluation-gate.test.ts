/**
 * The release gate over real DynamoDB (dynalite by default): the read-only evidence adapter against
 * suite and run items laid out as the evaluation service writes them, and a gated deploy through the
 * handler. AppConfig is stubbed with aws-sdk-client-mock, as in delivery.test.ts.
 */
import { randomBytes } from 'node:crypto';
import { AppConfigClient } from '@aws-sdk/client-appconfig';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sharedDocumentClient } from '../../lambda/adapters/aws-clients.ts';
import { DynamoEvaluationEvidence } from '../../lambda/adapters/evaluation-evidence.ts';
import { handler as deployHandler } from '../../lambda/handlers/deploy.ts';
import { handler as publishHandler } from '../../lambda/handlers/publish.ts';
import { handler as reviewHandler } from '../../lambda/handlers/review.ts';
import { ENV, KEYS, TABLE } from '../../src/core/contracts.ts';
import { versionSortKey } from '../../src/core/versioning.ts';
import { ALICE, BOB, call } from '../fixtures/api.ts';
import { fakeAppConfig, promptDocument } from '../fixtures/delivery-setup.ts';

const appconfig = mockClient(AppConfigClient);
fakeAppConfig(appconfig);
const suffix = randomBytes(3).toString('hex');
const gated = `gated-${suffix}`;
const id = `it-gate-${suffix}`;
const table = () => process.env[ENV.table] as string;

async function putItem(item: Record<string, unknown>) {
  await sharedDocumentClient().send(new PutCommand({ TableName: table(), Item: item }));
}

/** A run item as the evaluation service writes it (only some of its attributes matter to the gate). */
async function putRun(version: string, runId: string, run: Record<string, unknown>) {
  await putItem({
    [TABLE.partitionKey]: KEYS.promptPk(id),
    [TABLE.sortKey]: KEYS.evalRunSk(versionSortKey(version), runId),
    id: runId,
    promptId: id,
    version,
    threshold: 0.9,
    provider: { type: 'echo' },
    startedBy: ALICE,
    startedAt: '2026-12-01T10:15:00.000Z',
    ...run,
  });
}

beforeAll(async () => {
  process.env[ENV.environments] = `dev,${gated}`;
  process.env[ENV.protectedEnvironments] = gated;
  process.env[ENV.evalGatedEnvironments] = gated;
  process.env[ENV.appConfigApplicationId] = 'app1234';
  process.env[ENV.appConfigProfileId] = 'prof123';
  process.env[ENV.appConfigEnvironmentIds] = JSON.stringify({ dev: 'envdev01', [gated]: 'envgt01' });
  process.env[ENV.defaultStrategies] = JSON.stringify({ dev: 'AllAtOnce', [gated]: 'AllAtOnce' });
  const published = await call(publishHandler, 'POST', `/prompts/${id}/versions`, {
    body: { document: promptDocument(id), version: '1.0.0' },
    caller: ALICE,
  });
  expect(published.status).toBe(201);
  expect(
    (await call(reviewHandler, 'POST', `/prompts/${id}/versions/1.0.0/approvals`, { caller: BOB })).status,
  ).toBe(201);
  await putItem({
    [TABLE.partitionKey]: KEYS.promptPk(id),
    [TABLE.sortKey]: KEYS.evalSuiteSk,
    revision: 2,
    sha256: 'a'.repeat(64),
    updatedBy: ALICE,
    updatedAt: '2026-12-01T10:00:00.000Z',
  });
});
afterAll(() => appconfig.restore());

const deploy = () =>
  call(deployHandler, 'POST', `/environments/${gated}/deployments`, {
    body: { prompts: { [id]: '1.0.0' } },
    caller: BOB,
  });

describe('release gate over DynamoDB', () => {
  it('refuses without a run, then admits the newest PASSED run against the current suite and records it', async () => {
    const evidence = new DynamoEvaluationEvidence(sharedDocumentClient(), table());
    expect(await evidence.getSuite(id)).toEqual({ revision: 2 });
    expect(await evidence.getSuite(`${id}-none`)).toBeUndefined();
    // The batched read answers the same, in the order asked.
    expect(await evidence.getSuites([`${id}-none`, id, id])).toEqual([
      undefined,
      { revision: 2 },
      { revision: 2 },
    ]);

    const refused = await deploy();
    expect(refused.status).toBe(422);
    expect(refused.body).toMatchObject({
      code: 'EVALUATION_REQUIRED',
      versions: [{ id, version: '1.0.0', reason: 'no run' }],
    });

    await putRun('1.0.0', '20261201T101500000Z-00000001', { state: 'PASSED', suiteRevision: 1, passRate: 1 });
    await putRun('1.0.0', '20261201T101600000Z-00000002', {
      state: 'FAILED',
      suiteRevision: 2,
      passRate: 0.5,
    });
    expect((await deploy()).body.versions).toEqual([
      { id, version: '1.0.0', reason: 'latest run FAILED with pass rate 0.5 (threshold 0.9)' },
    ]);

    const admitting = '20261201T101700000Z-00000003';
    await putRun('1.0.0', admitting, { state: 'PASSED', suiteRevision: 2, passRate: 1 });
    // Runs of another version share the partition; the gate reads only this version's.
    await putRun('1.0.0-rc.1', '20261201T101800000Z-00000004', { state: 'FAILED', suiteRevision: 2 });
    expect((await evidence.listRuns(id, '1.0.0')).map((r) => [r.id, r.state])).toEqual([
      [admitting, 'PASSED'],
      ['20261201T101600000Z-00000002', 'FAILED'],
      ['20261201T101500000Z-00000001', 'PASSED'],
    ]);

    const admitted = await deploy();
    expect(admitted.status).toBe(202);
    expect(admitted.body.evaluations).toEqual({ [id]: { '1.0.0': admitting } });
    const status = await call(deployHandler, 'GET', `/environments/${gated}`);
    expect(status.body.history[0]).toMatchObject({ evaluations: { [id]: { '1.0.0': admitting } } });
  });
});
