/**
 * Delivery against real DynamoDB and S3 (dynalite and s3rver by default) for the state and audit
 * side; AppConfig is stubbed with aws-sdk-client-mock until local mode's emulator replaces it.
 */
import { randomBytes } from 'node:crypto';
import { AppConfigClient } from '@aws-sdk/client-appconfig';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { handler as deployHandler } from '../../lambda/handlers/deploy.ts';
import { handler as deploymentEvents } from '../../lambda/handlers/deployment-events.ts';
import { handler as publishHandler } from '../../lambda/handlers/publish.ts';
import { handler as queryHandler } from '../../lambda/handlers/query.ts';
import { handler as reviewHandler } from '../../lambda/handlers/review.ts';
import { ENV } from '../../src/core/contracts.ts';
import { ALICE, BOB, call, lambdaContext } from '../fixtures/api.ts';
import { fakeAppConfig, promptDocument } from '../fixtures/delivery-setup.ts';

const appconfig = mockClient(AppConfigClient);
const fake = fakeAppConfig(appconfig);
const suffix = randomBytes(3).toString('hex');
const env = `qa-${suffix}`;
const prod = `live-${suffix}`;
const id = `it-delivery-${suffix}`;

beforeAll(async () => {
  process.env[ENV.environments] = `${env},${prod}`;
  process.env[ENV.protectedEnvironments] = prod;
  process.env[ENV.appConfigApplicationId] = 'app1234';
  process.env[ENV.appConfigProfileId] = 'prof123';
  process.env[ENV.appConfigEnvironmentIds] = JSON.stringify({ [env]: 'envqa01', [prod]: 'envlv01' });
  process.env[ENV.defaultStrategies] = JSON.stringify({
    [env]: 'AllAtOnce',
    [prod]: 'Canary10Percent20Minutes',
  });
  for (const version of ['1.0.0', '1.1.0']) {
    const published = await call(publishHandler, 'POST', `/prompts/${id}/versions`, {
      body: { document: promptDocument(id, `Answer {{question}} (${version}).`), version },
      caller: ALICE,
    });
    expect(published.status).toBe(201);
  }
  expect(
    (await call(reviewHandler, 'POST', `/prompts/${id}/versions/1.0.0/approvals`, { caller: BOB })).status,
  ).toBe(201);
});
afterAll(() => appconfig.restore());

const deploy = (environment: string, prompts: Record<string, unknown>) =>
  call(deployHandler, 'POST', `/environments/${environment}/deployments`, { body: { prompts }, caller: BOB });
const status = (environment: string) => call(deployHandler, 'GET', `/environments/${environment}`);
const appconfigEvent = (environmentId: string, number: number, eventId: string) =>
  deploymentEvents(
    {
      version: '0',
      id: eventId,
      'detail-type': 'On Deployment Complete',
      source: 'aws.appconfig',
      account: '123456789012',
      time: '2026-11-22T10:30:00Z',
      region: 'us-east-1',
      resources: [],
      detail: {
        Application: { Id: 'app1234' },
        Environment: { Id: environmentId },
        DeploymentNumber: number,
      },
    },
    lambdaContext(),
  );

describe('delivery over DynamoDB and S3', () => {
  it('deploy -> status -> events -> rollback, with the state and audit in DynamoDB', async () => {
    const first = await deploy(env, { [id]: '1.0.0' });
    expect(first.status).toBe(202);
    const number = first.body.deploymentNumber as number;
    fake.states.set(number, { State: 'COMPLETE', PercentageComplete: 100 });
    expect(await appconfigEvent('envqa01', number, `e-${number}`)).toEqual({ result: 'updated' });
    expect(await appconfigEvent('envqa01', number, `e-${number}-again`)).toEqual({ result: 'unchanged' });

    const second = await deploy(env, { [id]: '1.1.0' });
    expect(second.status).toBe(202);
    expect(second.body.revision).toBe(2);

    const running = await status(env);
    expect(running.body).toMatchObject({
      revision: 2,
      prompts: { [id]: '1.1.0' },
      deployment: { state: 'DEPLOYING', revision: 2 },
    });
    expect(running.body.history.map((h: { revision: number }) => h.revision)).toEqual([2, 1]);

    const stop = await call(deployHandler, 'POST', `/environments/${env}/rollback`, {
      body: { reason: 'bad answers' },
      caller: BOB,
    });
    expect(stop.status).toBe(202);
    expect(stop.body).toMatchObject({ state: 'ROLLED_BACK', revision: 1 });
    const after = await status(env);
    expect(after.body).toMatchObject({
      revision: 1,
      prompts: { [id]: '1.0.0' },
      deployment: { state: 'ROLLED_BACK' },
    });

    const pins = await call(queryHandler, 'GET', `/prompts/${id}`);
    expect(pins.body.environments).toEqual({ [env]: '1.0.0' });

    const audit = await call(queryHandler, 'GET', '/audit', { query: { environment: env } });
    const actions = audit.body.items.map((e: { action: string }) => e.action);
    expect(actions).toEqual(
      expect.arrayContaining([
        'environment.deploy',
        'environment.deployment.complete',
        'environment.deployment.rolled-back',
      ]),
    );
    expect(actions.filter((a: string) => a === 'environment.deployment.complete')).toHaveLength(1);
  });

  it('gates a protected environment on approvals and refuses a second claim of the same revision', async () => {
    const unapproved = await deploy(prod, { [id]: '1.1.0' });
    expect(unapproved.status).toBe(422);
    expect(unapproved.body.code).toBe('NOT_APPROVED');
    expect((await status(prod)).body).toMatchObject({ revision: 0, deployment: null });

    const [a, b] = await Promise.all([deploy(prod, { [id]: '1.0.0' }), deploy(prod, { [id]: '1.0.0' })]);
    expect([a.status, b.status].sort()).toEqual([202, 409]);
    expect((a.status === 409 ? a : b).body.code).toBe('REVISION_CONFLICT');
    expect((await status(prod)).body.history).toHaveLength(1);
  });
});
