/**
 * The evaluation functions: the evaluate API handler and the worker it invokes asynchronously, their
 * routes, environment and grants, and the Bedrock models the worker may call (the `evalModels` prop).
 */
import { Token } from 'aws-cdk-lib';
import type { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { PromptOps, type PromptOpsProps } from '../../lib/promptops.ts';
import { ENV } from '../../src/core/contracts.ts';
import { API_ROUTES, routeKey } from '../../src/core/routes.ts';
import {
  actionsOf,
  buildPromptOps,
  FIXTURE_HANDLER,
  iamStatements,
  logicalId,
  type PolicyStatementJson,
  roleStatements,
  testStack,
} from './support.ts';

const WORKER_ROLE = 'PromptOpsEvaluationWorkerRole';
const EVALUATE_ROLE = 'PromptOpsApiEvaluateHandlerRole';
const HAIKU = 'anthropic.claude-3-haiku-20240307-v1:0';
const SONNET = 'anthropic.claude-sonnet-4-20250514-v1:0';

interface FunctionProperties {
  readonly Environment: { readonly Variables: Record<string, unknown> };
  readonly MemorySize?: number;
  readonly Timeout?: number;
  readonly ReservedConcurrentExecutions?: number;
}

function functionProps(template: Template, description: string): FunctionProperties {
  const found = Object.values(template.findResources('AWS::Lambda::Function')).filter(
    (fn) => fn.Properties.Description === description,
  );
  expect(found).toHaveLength(1);
  return found[0]!.Properties;
}

function bedrockStatements(template: Template): PolicyStatementJson[] {
  return iamStatements(template).filter((s) => actionsOf(s).some((a) => a.startsWith('bedrock:')));
}

const resources = (statement: PolicyStatementJson) =>
  Array.isArray(statement.Resource) ? statement.Resource : [statement.Resource];

describe('Evaluation functions', () => {
  let template: Template;

  beforeAll(() => {
    ({ template } = buildPromptOps({ handlers: true, evalModels: [HAIKU] }));
  });

  describe('the evaluate API handler', () => {
    it('serves the suite and run routes with IAM authorization', () => {
      const fnId = logicalId(template, 'AWS::Lambda::Function', 'PromptOpsApiEvaluateHandler');
      const integrations = Object.entries(template.findResources('AWS::ApiGatewayV2::Integration'))
        .filter(([, integration]) => JSON.stringify(integration.Properties.IntegrationUri).includes(fnId))
        .map(([id]) => id);
      expect(integrations).toHaveLength(1);
      const routes = Object.values(template.findResources('AWS::ApiGatewayV2::Route')).filter((route) =>
        JSON.stringify(route.Properties.Target).includes(integrations[0]!),
      );
      const expected = [
        'PUT /prompts/{id}/eval-suite',
        'GET /prompts/{id}/eval-suite',
        'POST /prompts/{id}/versions/{version}/evaluations',
        'GET /prompts/{id}/versions/{version}/evaluations',
        'GET /prompts/{id}/versions/{version}/evaluations/{evaluationId}',
      ];
      expect(routes.map((route) => route.Properties.RouteKey).sort()).toEqual(expected.sort());
      expect(
        API_ROUTES.filter((route) => route.handler === 'evaluate')
          .map(routeKey)
          .sort(),
      ).toEqual(expected.sort());
      for (const route of routes) expect(route.Properties.AuthorizationType).toBe('AWS_IAM');
    });

    it('knows the worker by name and may invoke it, and nothing else may', () => {
      const workerId = logicalId(template, 'AWS::Lambda::Function', 'PromptOpsEvaluationWorker');
      const fn = functionProps(template, 'PromptOps API: evaluate');
      expect(fn.Environment.Variables[ENV.evaluationFunction]).toEqual({ Ref: workerId });
      expect(fn.Environment.Variables[ENV.table]).toBeDefined();
      expect(fn.Environment.Variables[ENV.bodyBucket]).toBeDefined();

      const evaluateLambda = roleStatements(template, EVALUATE_ROLE).filter((s) =>
        actionsOf(s).some((a) => a.startsWith('lambda:')),
      );
      expect(evaluateLambda).toEqual([
        { Action: 'lambda:InvokeFunction', Effect: 'Allow', Resource: { 'Fn::GetAtt': [workerId, 'Arn'] } },
      ]);
      const invokingTheWorker = iamStatements(template).filter(
        (s) =>
          actionsOf(s).some((a) => a.startsWith('lambda:Invoke')) &&
          JSON.stringify(s.Resource).includes(`"${workerId}"`),
      );
      expect(invokingTheWorker).toHaveLength(1);
      expect(roleStatements(template, WORKER_ROLE).flatMap(actionsOf)).not.toContain('lambda:InvokeFunction');
    });

    it('never calls Bedrock itself', () => {
      const actions = roleStatements(template, EVALUATE_ROLE).flatMap(actionsOf);
      expect(actions.filter((a) => a.startsWith('bedrock:'))).toEqual([]);
    });
  });

  describe('the evaluation worker', () => {
    it('is not behind the API and has room for a whole run', () => {
      const fn = functionProps(template, 'PromptOps: runs evaluation suites');
      expect(fn).toMatchObject({
        MemorySize: 1024,
        Timeout: 900,
        ReservedConcurrentExecutions: 10,
        Runtime: 'nodejs24.x',
        Architectures: ['arm64'],
        TracingConfig: { Mode: 'Active' },
      });
      expect(fn.Environment.Variables[ENV.table]).toBeDefined();
      expect(fn.Environment.Variables[ENV.bodyBucket]).toBeDefined();
      const workerId = logicalId(template, 'AWS::Lambda::Function', 'PromptOpsEvaluationWorker');
      for (const integration of Object.values(template.findResources('AWS::ApiGatewayV2::Integration'))) {
        expect(JSON.stringify(integration.Properties.IntegrationUri)).not.toContain(workerId);
      }
    });

    it('gets the model allow-list in its environment', () => {
      const fn = functionProps(template, 'PromptOps: runs evaluation suites');
      expect(fn.Environment.Variables[ENV.evalModels]).toBe(HAIKU);
    });

    it('retries a failed run once and sends what still fails to the dead-letter queue', () => {
      const workerId = logicalId(template, 'AWS::Lambda::Function', 'PromptOpsEvaluationWorker');
      const queueId = logicalId(template, 'AWS::SQS::Queue', 'PromptOpsObservabilityDeadLetters');
      template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
        FunctionName: { Ref: workerId },
        Qualifier: '$LATEST',
        MaximumRetryAttempts: 1,
        MaximumEventAgeInSeconds: 6 * 3600,
        DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [queueId, 'Arn'] } } },
      });
      const sends = roleStatements(template, WORKER_ROLE).filter((s) =>
        actionsOf(s).includes('sqs:SendMessage'),
      );
      expect(sends.map((s) => s.Resource)).toEqual([{ 'Fn::GetAtt': [queueId, 'Arn'] }]);
    });

    it('reads and writes suites and results only under their prefixes, and only reads documents', () => {
      for (const role of [WORKER_ROLE, EVALUATE_ROLE]) {
        const s3 = roleStatements(template, role).filter((s) =>
          actionsOf(s).some((a) => a.startsWith('s3:')),
        );
        const byResource = Object.fromEntries(
          s3.flatMap((s) =>
            resources(s).map((resource) => [
              JSON.stringify(resource).match(/"\/([a-z]+\/sha256\/\*)"/)?.[1],
              actionsOf(s).sort(),
            ]),
          ),
        );
        expect(byResource, role).toEqual({
          'documents/sha256/*': ['s3:GetObject'],
          'suites/sha256/*': ['s3:GetObject', 's3:PutObject'],
          'evaluations/sha256/*': ['s3:GetObject', 's3:PutObject'],
        });
      }
    });

    it('may invoke only the listed foundation model, in the stack region', () => {
      expect(bedrockStatements(template)).toEqual([
        {
          Action: 'bedrock:InvokeModel',
          Effect: 'Allow',
          Resource: `arn:aws:bedrock:us-east-1::foundation-model/${HAIKU}`,
        },
      ]);
      expect(
        roleStatements(template, WORKER_ROLE).filter((s) => actionsOf(s)[0] === 'bedrock:InvokeModel'),
      ).toHaveLength(1);
    });
  });

  describe('Bedrock models (evalModels)', () => {
    const build = (props: PromptOpsProps) => buildPromptOps({ handlers: true, ...props }).template;

    it('grants no Bedrock permission at all when no model is listed', () => {
      expect(bedrockStatements(build({}))).toEqual([]);
      expect(bedrockStatements(build({ evalModels: [] }))).toEqual([]);
    });

    it('grants an inference profile, and its model in any region only through that profile', () => {
      const profile = `us.${SONNET}`;
      const statements = bedrockStatements(build({ evalModels: [HAIKU, profile, `eu.${SONNET}`] }));
      const profileArn = (id: string) => `arn:aws:bedrock:us-east-1:123456789012:inference-profile/${id}`;
      expect(statements).toHaveLength(2);
      const [listed, routed] = statements as [PolicyStatementJson, PolicyStatementJson];
      expect(listed.Condition).toBeUndefined();
      expect([...(listed.Resource as string[])].sort()).toEqual(
        [
          profileArn(`eu.${SONNET}`),
          profileArn(profile),
          `arn:aws:bedrock:us-east-1::foundation-model/${HAIKU}`,
        ].sort(),
      );
      expect(routed).toEqual({
        Action: 'bedrock:InvokeModel',
        Effect: 'Allow',
        Resource: `arn:aws:bedrock:*::foundation-model/${SONNET}`,
        Condition: {
          StringEquals: { 'bedrock:InferenceProfileArn': [profileArn(profile), profileArn(`eu.${SONNET}`)] },
        },
      });
      // Nothing grants the model in another region without the profile condition.
      for (const statement of statements) {
        if (JSON.stringify(statement.Resource).includes('bedrock:*:'))
          expect(statement.Condition).toBeDefined();
      }
    });

    it('grants nothing beyond InvokeModel: no streaming, no wildcard model', () => {
      const statements = bedrockStatements(build({ evalModels: [HAIKU, `global.${SONNET}`] }));
      expect([...new Set(statements.flatMap(actionsOf))]).toEqual(['bedrock:InvokeModel']);
      for (const resource of statements.flatMap(resources)) {
        expect(String(resource)).toMatch(/\/[a-z0-9.:-]+$/);
        expect(String(resource)).not.toMatch(/\/\*$|\*\.|model\/\*/);
      }
    });

    it('rejects an id that is not a model id, since it would widen the ARN', () => {
      expect(() => new PromptOps(testStack(), 'PromptOps', { evalModels: ['anthropic.*'] })).toThrow(
        /Test\/PromptOps: [\s\S]*evalModels: "anthropic\.\*" is not a Bedrock model id or inference profile id/,
      );
      expect(() => new PromptOps(testStack(), 'PromptOps', { evalModels: ['a/b'] })).toThrow(
        /evalModels: "a\/b"/,
      );
    });

    it('rejects a token', () => {
      expect(
        () => new PromptOps(testStack(), 'PromptOps', { evalModels: [Token.asString({ Ref: 'Models' })] }),
      ).toThrow(/Test\/PromptOps: evalModels must be known at synth \(got a token\)/);
    });
  });

  describe('addEvaluationWorker', () => {
    it('refuses a second worker and AppConfig access', () => {
      buildPromptOps({}, (p) => {
        p.addEvaluationWorker({ entry: FIXTURE_HANDLER });
        expect(() => p.addEvaluationWorker({ entry: FIXTURE_HANDLER })).toThrow(
          /an evaluation worker was already added/,
        );
      });
      buildPromptOps({}, (p) => {
        expect(() =>
          p.addEvaluationWorker({ entry: FIXTURE_HANDLER, access: { appConfig: 'read' } }),
        ).toThrow(/evaluation worker access\.appConfig must be left out/);
      });
    });

    it('builds the worker with the function defaults unless told otherwise', () => {
      const { template: own } = buildPromptOps({}, (p) => p.addEvaluationWorker({ entry: FIXTURE_HANDLER }));
      const fn = functionProps(own, 'PromptOps: runs evaluation suites');
      expect(fn.MemorySize).toBe(512);
      expect(fn.Timeout).toBe(10);
      expect(fn.ReservedConcurrentExecutions).toBe(5);
      own.resourceCountIs('AWS::Lambda::EventInvokeConfig', 1);
    });
  });

  describe('settings', () => {
    it('passes the evaluation gate props into the settings', () => {
      const { promptOps } = buildPromptOps({
        evalGatedEnvironments: ['staging', 'prod'],
        requireEvalSuite: true,
        evalModels: [HAIKU],
      });
      expect(promptOps.settings).toMatchObject({
        evalGatedEnvironments: ['staging', 'prod'],
        requireEvalSuite: true,
        evalModels: [HAIKU],
      });
    });
  });
});
