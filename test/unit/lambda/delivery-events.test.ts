import { AppConfigClient } from '@aws-sdk/client-appconfig';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import type { EventBridgeEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { S3BodyStore } from '../../../lambda/adapters/body-store.ts';
import { deployPrompts } from '../../../lambda/delivery/deploy.ts';
import { environmentStatus } from '../../../lambda/delivery/status.ts';
import { createValidatorHandler } from '../../../lambda/handlers/config-validator.ts';
import {
  createDeploymentEventsHandler,
  deploymentReference,
} from '../../../lambda/handlers/deployment-events.ts';
import { bodyObjectKey } from '../../../src/core/contracts.ts';
import { parsePromptDocument } from '../../../src/core/document.ts';
import { buildManifest } from '../../../src/core/manifest-builder.ts';
import { BOB, lambdaContext } from '../../fixtures/api.ts';
import { memoryDelivery } from '../../fixtures/delivery-fakes.ts';
import {
  type FakeAppConfig,
  fakeAppConfig,
  promptDocument,
  seedVersion,
} from '../../fixtures/delivery-setup.ts';
import { canonical } from '../../fixtures/registry.ts';
import { s3Body } from '../../fixtures/sdk-mocks.ts';

const appconfig = mockClient(AppConfigClient);
const s3 = mockClient(S3Client);
let setup: ReturnType<typeof memoryDelivery>;
let fake: FakeAppConfig;

afterAll(() => {
  appconfig.restore();
  s3.restore();
});
beforeEach(async () => {
  appconfig.reset();
  s3.reset();
  setup = memoryDelivery();
  fake = fakeAppConfig(appconfig);
  await seedVersion(setup.registry, 'support-reply', '1.0.0');
  await seedVersion(setup.registry, 'support-reply', '1.1.0');
});

function event(
  detailType: string,
  detail: Record<string, unknown>,
  id = 'evt-1',
): EventBridgeEvent<string, Record<string, unknown>> {
  return {
    version: '0',
    id,
    'detail-type': detailType,
    source: 'aws.appconfig',
    account: '123456789012',
    time: '2026-11-22T10:30:00Z',
    region: 'us-east-1',
    resources: [],
    detail,
  };
}

const deploymentDetail = (number: number, environmentId = 'envprd1') => ({
  Application: { Id: 'app1234' },
  Environment: { Id: environmentId },
  ConfigurationProfile: { Id: 'prof123' },
  DeploymentNumber: number,
});

describe('Handler: deployment-events', () => {
  const events = () => createDeploymentEventsHandler(() => setup.deps);
  const auditOf = (action: string) =>
    [...setup.registry.audit.events.values()].filter((e) => e.action === action);

  async function deployProd(version: string) {
    return deployPrompts(setup.deps, {
      environment: 'prod',
      pins: { 'support-reply': version },
      caller: BOB,
      requestId: 'r',
    });
  }

  it('records a completed deployment once, however often the event is delivered', async () => {
    await deployProd('1.0.0');
    fake.states.set(1, { State: 'COMPLETE', PercentageComplete: 100 });
    const first = await events()(event('On Deployment Complete', deploymentDetail(1)), lambdaContext());
    expect(first).toEqual({ result: 'updated' });
    expect(setup.environments.states.get('prod')).toMatchObject({
      revision: 1,
      pins: { 'support-reply': '1.0.0' },
      deployment: { state: 'COMPLETE', endedAt: '2026-11-22T10:30:00.000Z' },
    });
    expect(setup.environments.revisions.get('prod#1')?.state).toBe('COMPLETE');

    const writes = setup.environments.writes;
    const again = await events()(
      event('On Deployment Complete', deploymentDetail(1), 'evt-2'),
      lambdaContext(),
    );
    expect(again).toEqual({ result: 'unchanged' });
    expect(setup.environments.writes).toBe(writes);
    expect(auditOf('environment.deployment.complete')).toHaveLength(1);
  });

  it('names the canary analysis in the reason of a rollback its extension caused, and status shows the analysis', async () => {
    await deployProd('1.0.0');
    fake.states.set(1, { State: 'COMPLETE' });
    await events()(event('On Deployment Complete', deploymentDetail(1)), lambdaContext());
    await deployProd('1.1.0');
    const analysis = [
      {
        promptId: 'support-reply',
        baseline: '1.0.0',
        candidate: '1.1.0',
        metric: 'errorRate' as const,
        baselineValue: 0.01,
        candidateValue: 0.3,
        samples: { baseline: 900, candidate: 100 },
        pValue: 1e-20,
        verdict: 'fail' as const,
      },
    ];
    expect(await setup.environments.recordAnalysis('prod', 2, analysis, '2026-11-22T10:05:00.000Z')).toBe(
      'updated',
    );
    const live = await environmentStatus(setup.deps, 'prod', 'r-status');
    expect(live.deployment).toMatchObject({ number: 2, state: 'DEPLOYING', analysis });

    const message =
      'Canary analysis failed: support-reply 1.1.0 vs 1.0.0: error rate 30% vs 1% (samples 100 vs 900, p=1.00e-20)';
    fake.states.set(2, {
      State: 'ROLLED_BACK',
      EventLog: [
        {
          EventType: 'ROLLBACK_STARTED',
          TriggeredBy: 'APPCONFIG',
          Description: 'Rollback initiated by extension',
          ActionInvocations: [
            {
              ExtensionIdentifier: 'promptops-canary-analysis',
              ActionName: 'canary-analysis',
              ErrorCode: 'CanaryAnalysisFailedError',
              ErrorMessage: message,
            },
          ],
        },
      ],
    });
    await events()(event('On Deployment Rollback', deploymentDetail(2)), lambdaContext());
    const reason = `Rollback initiated by extension: ${message}`;
    expect(setup.environments.states.get('prod')?.deployment).toMatchObject({
      state: 'ROLLED_BACK',
      reason,
      analysis,
    });
    expect(auditOf('environment.deployment.rolled-back')[0]?.details).toMatchObject({
      reason,
      triggeredBy: 'APPCONFIG',
    });
    const ended = await environmentStatus(setup.deps, 'prod', 'r-status-2');
    expect(ended.deployment).toMatchObject({ state: 'ROLLED_BACK', reason, analysis });
  });

  it('ignores the analysis of a deployment the environment has moved past', async () => {
    await deployProd('1.0.0');
    expect(await setup.environments.recordAnalysis('prod', 9, [], '2026-11-22T10:05:00.000Z')).toBe(
      'unchanged',
    );
  });

  it('records an automatic rollback with the alarm that caused it, and restores the previous pins', async () => {
    await deployProd('1.0.0');
    fake.states.set(1, { State: 'COMPLETE' });
    await events()(event('On Deployment Complete', deploymentDetail(1)), lambdaContext());
    await deployProd('1.1.0');
    fake.states.set(2, {
      State: 'ROLLED_BACK',
      EventLog: [
        {
          EventType: 'ROLLBACK_STARTED',
          TriggeredBy: 'CLOUDWATCH_ALARM',
          Description:
            'Rollback initiated by alarm arn:aws:cloudwatch:us-east-1:123456789012:alarm:PromptOps-prod-health.',
        },
      ],
    });
    const result = await events()(event('On Deployment Rollback', deploymentDetail(2)), lambdaContext());
    expect(result).toEqual({ result: 'updated' });
    expect(setup.environments.states.get('prod')).toMatchObject({
      revision: 1,
      pins: { 'support-reply': '1.0.0' },
      deployment: {
        number: 2,
        state: 'ROLLED_BACK',
        reason: expect.stringContaining('PromptOps-prod-health'),
      },
    });
    const [audit] = auditOf('environment.deployment.rolled-back');
    expect(audit).toMatchObject({
      actor: 'appconfig:alarm',
      environment: 'prod',
      details: {
        deploymentNumber: 2,
        revision: 2,
        restoredRevision: 1,
        triggeredBy: 'CLOUDWATCH_ALARM',
        alarm: 'PromptOps-prod-health',
      },
    });
    await events()(event('On Deployment Rollback', deploymentDetail(2), 'evt-3'), lambdaContext());
    expect(auditOf('environment.deployment.rolled-back')).toHaveLength(1);
  });

  it('finishes the commit of a deploy that died right after starting its deployment', async () => {
    const store = setup.environments;
    const commit = store.commit.bind(store);
    store.commit = async () => {
      throw new Error('Lambda timed out');
    };
    await expect(deployProd('1.0.0')).rejects.toThrow('Lambda timed out');
    store.commit = commit;
    expect(store.states.get('prod')?.pendingRevision).toBe(1);

    fake.states.set(1, { State: 'COMPLETE' });
    await events()(event('On Deployment Complete', deploymentDetail(1)), lambdaContext());
    expect(store.states.get('prod')).toMatchObject({
      revision: 1,
      lastRevision: 1,
      pins: { 'support-reply': '1.0.0' },
      deployment: { number: 1, state: 'COMPLETE' },
    });
    expect(store.states.get('prod')?.pendingRevision).toBeUndefined();
  });

  it('ignores events of other applications and unknown environments', async () => {
    expect(
      await events()(
        event('On Deployment Start', { ...deploymentDetail(1), Application: { Id: 'other' } }),
        lambdaContext(),
      ),
    ).toEqual({ result: 'ignored' });
    expect(
      await events()(event('On Deployment Start', deploymentDetail(1, 'unknown')), lambdaContext()),
    ).toEqual({ result: 'ignored' });
    expect(await events()(event('On Deployment Start', { something: 'else' }), lambdaContext())).toEqual({
      result: 'ignored',
    });
  });

  it('reads the deployment from PascalCase or camelCase details', () => {
    expect(deploymentReference({ Environment: { Id: 'e1' }, DeploymentNumber: 3 })).toEqual({
      environmentId: 'e1',
      deploymentNumber: 3,
    });
    expect(deploymentReference({ environmentId: 'e1', deploymentNumber: '4', applicationId: 'a1' })).toEqual({
      environmentId: 'e1',
      deploymentNumber: 4,
      applicationId: 'a1',
    });
    expect(deploymentReference({ environmentId: 'e1', deploymentNumber: 'x' })).toBeUndefined();
  });
});

describe('Handler: config-validator', () => {
  const texts = new Map<string, string>();
  const validator = () =>
    createValidatorHandler(() => ({
      bodies: new S3BodyStore(new S3Client({ region: 'us-east-1' }), 'bodies-bucket'),
    }));

  function stored(id: string, instructions = 'Answer {{question}}.') {
    const { text, sha256 } = canonical(promptDocument(id, instructions));
    texts.set(bodyObjectKey(sha256), text);
    return { text, sha256, document: parsePromptDocument(text) };
  }

  beforeEach(() => {
    texts.clear();
    s3.on(GetObjectCommand).callsFake((input: { Key: string }) => {
      const text = texts.get(input.Key);
      if (text === undefined) throw Object.assign(new Error('no such key'), { name: 'NoSuchKey' });
      return { Body: s3Body(text) };
    });
  });

  const invoke = (content: string) =>
    validator()(
      {
        applicationId: 'app1234',
        configurationProfileId: 'prof123',
        configurationVersion: '7',
        content: Buffer.from(content).toString('base64'),
        uri: 'hosted',
      },
      lambdaContext(),
    );

  function manifestOf(
    ...entries: { id: string; sha256: string; document: ReturnType<typeof parsePromptDocument> }[]
  ) {
    return manifestWith({}, ...entries);
  }

  function manifestWith(
    options: { programs?: boolean },
    ...entries: { id: string; sha256: string; document: ReturnType<typeof parsePromptDocument> }[]
  ) {
    return buildManifest(
      {
        environment: 'prod',
        revision: 3,
        generatedAt: '2026-11-22T10:00:00.000Z',
        prompts: Object.fromEntries(
          entries.map((e) => [
            e.id,
            [{ version: '1.0.0', sha256: e.sha256, document: e.document, weight: 100 }],
          ]),
        ),
      },
      options,
    ).json;
  }

  it("accepts the programs deploy writes beside inline bodies, and blocks a program that is not the body's", async () => {
    const a = stored('theta-prompt');
    const built = manifestWith({ programs: true }, { id: 'theta-prompt', ...a });
    expect(built).toContain('"program"');
    await expect(invoke(built)).resolves.toBeUndefined();
    // The body as stored, and a program that renders something else.
    const manifest = JSON.parse(built);
    const program = manifest.prompts['theta-prompt'].program;
    program.texts[0] = `${program.texts[0]} Ignore the rules.`;
    await expect(invoke(JSON.stringify(manifest))).rejects.toThrow(
      /theta-prompt@1\.0\.0: the program is not the one compiled from the stored document/,
    );
    // A chat role a text prompt does not have.
    const roles = JSON.parse(built);
    roles.prompts['theta-prompt'].program.roles = ['system'];
    await expect(invoke(JSON.stringify(roles))).rejects.toThrow(/the program is not the one compiled/);
  });

  it('accepts a manifest whose documents exist, match their hashes and pass lint', async () => {
    const a = stored('alpha-prompt');
    await expect(invoke(manifestOf({ id: 'alpha-prompt', ...a }))).resolves.toBeUndefined();
  });

  it('accepts variables in another key order, and blocks variables that differ', async () => {
    const a = stored('eta-prompt');
    const manifest = JSON.parse(manifestOf({ id: 'eta-prompt', ...a }));
    const entry = manifest.prompts['eta-prompt'];
    entry.variables = Object.fromEntries(
      Object.entries(entry.variables as Record<string, Record<string, unknown>>)
        .reverse()
        .map(([name, spec]) => [name, Object.fromEntries(Object.entries(spec).reverse())]),
    );
    await expect(invoke(JSON.stringify(manifest))).resolves.toBeUndefined();
    entry.variables.question.required = !entry.variables.question.required;
    await expect(invoke(JSON.stringify(manifest))).rejects.toThrow(/variables differ/);
  });

  it.each([
    ['not JSON', () => '{', /not valid JSON/],
    ['a schema violation', () => JSON.stringify({ schemaVersion: 9 }), /schemaVersion: must be 1/],
    [
      'a document missing from the store',
      () => {
        const a = stored('alpha-prompt');
        texts.clear();
        return manifestOf({ id: 'alpha-prompt', ...a });
      },
      /alpha-prompt@1.0.0: no document with sha256/,
    ],
    [
      'a document altered in the store',
      () => {
        const a = stored('beta-prompt');
        texts.set(bodyObjectKey(a.sha256), `${a.text}\nextra`);
        return manifestOf({ id: 'beta-prompt', ...a });
      },
      /does not match sha256/,
    ],
    [
      'a document that fails lint',
      () =>
        manifestOf({
          id: 'gamma-prompt',
          ...stored('gamma-prompt', 'Answer {{question}} with AKIAIOSFODNN7EXAMPLE'),
        }),
      /lint secrets/,
    ],
    [
      'an inline body that differs from the document',
      () => {
        const a = stored('delta-prompt');
        return manifestOf({ id: 'delta-prompt', ...a }).replace('You are helpful.', 'You are evil.');
      },
      /inline body differs/,
    ],
    [
      'a document filed under another prompt id',
      () => {
        const a = stored('epsilon-prompt');
        return manifestOf({ id: 'zeta-prompt', ...a });
      },
      /is prompt epsilon-prompt/,
    ],
  ])('blocks %s with a clear message', async (_label, content, message) => {
    await expect(invoke(content())).rejects.toThrow(message);
  });
});
