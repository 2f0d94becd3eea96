/**
 * Canary analysis on AWS: the tick function and its role, the AppConfig extension that calls it at
 * AT_DEPLOYMENT_TICK with a role of its own, one association per `canaryAnalysis` environment, the
 * props' checks and the canary-vs-baseline dashboard widget.
 */
import type { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { PromptOps, type PromptOpsProps } from '../../lib/promptops.ts';
import { DIMENSION, METRIC_NAMESPACE } from '../../src/core/metrics.ts';
import {
  actionsOf,
  buildPromptOps,
  iamStatements,
  logicalId,
  type PolicyStatementJson,
  roleStatements,
  testStack,
} from './support.ts';

const TICK_ROLE = 'PromptOpsCanaryTickRole';
const TICK_FUNCTION = 'PromptOpsCanaryTickFunction';
const EXTENSION_ROLE = 'PromptOpsDeliveryCanaryExtensionRole';
const TICK_DESCRIPTION =
  'PromptOps: judges canary versions against their baselines at every AppConfig deployment tick';

const resources = (statement: PolicyStatementJson) =>
  Array.isArray(statement.Resource) ? statement.Resource : [statement.Resource];

/** Added by active tracing to every PromptOps function; they take no resource either. */
const TRACING_ACTIONS = ['xray:PutTelemetryRecords', 'xray:PutTraceSegments'];

function withHandlers(props: PromptOpsProps = {}): Template {
  return buildPromptOps({ handlers: true, ...props }).template;
}

/** The environment each canary association attaches the extension to (its `Ref` in the ARN). */
function associatedEnvironments(template: Template): string[] {
  return Object.values(template.findResources('AWS::AppConfig::ExtensionAssociation'))
    .filter((association) => JSON.stringify(association.Properties.ExtensionIdentifier).includes('Canary'))
    .map((association) => {
      const parts = association.Properties.ResourceIdentifier['Fn::Join'][1] as unknown[];
      const ref = parts.at(-1) as { Ref: string };
      return ref.Ref.replace(/^PromptOpsDeliveryEnvironment/, '').replace(/[0-9A-F]{8}$/, '');
    })
    .sort();
}

/** The dashboard's widgets, with CloudFormation values in its body replaced by a placeholder. */
function dashboardWidgets(
  template: Template,
): { type: string; properties: { title?: string; metrics?: unknown[][] } }[] {
  const [dashboard] = Object.values(template.findResources('AWS::CloudWatch::Dashboard'));
  const body = dashboard?.Properties.DashboardBody as { 'Fn::Join': [string, unknown[]] };
  const text = body['Fn::Join'][1].map((part) => (typeof part === 'string' ? part : 'TOKEN')).join('');
  return JSON.parse(text).widgets;
}

describe('Canary analysis', () => {
  let template: Template;

  beforeAll(() => {
    template = withHandlers();
  });

  describe('the tick function', () => {
    it('is a PromptOps function, not behind the API, with the common environment', () => {
      const [fn] = Object.values(template.findResources('AWS::Lambda::Function')).filter(
        (f) => f.Properties.Description === TICK_DESCRIPTION,
      );
      expect(fn).toBeDefined();
      expect(fn!.Properties.Timeout).toBe(30);
      expect(Object.keys(fn!.Properties.Environment.Variables)).toEqual(
        expect.arrayContaining(['PROMPTOPS_TABLE_NAME', 'PROMPTOPS_APPCONFIG_ENVIRONMENT_IDS']),
      );
      const routes = Object.values(template.findResources('AWS::ApiGatewayV2::Integration'));
      expect(JSON.stringify(routes)).not.toContain(TICK_FUNCTION);
    });

    it('may call GetMetricData, which takes no resource, on "*" and nothing else there but tracing', () => {
      const statements = roleStatements(template, TICK_ROLE).filter((s) => s.Effect === 'Allow');
      const onStar = statements.filter((s) => resources(s).includes('*'));
      expect(onStar.flatMap(actionsOf).sort()).toEqual(
        ['cloudwatch:GetMetricData', ...TRACING_ACTIONS].sort(),
      );
      for (const statement of statements.filter((s) => !resources(s).includes('*'))) {
        expect(actionsOf(statement).some((a) => a.startsWith('cloudwatch:'))).toBe(false);
        for (const resource of resources(statement)) {
          const rendered = JSON.stringify(resource);
          // Deployment ARNs end in /deployment/* (numbered as they start); nothing else is a wildcard.
          if (rendered.includes('*')) expect(rendered).toMatch(/\/deployment\/\*"\]\]\}$/);
        }
      }
    });

    it('reads and writes the registry table (environment items, audit) and reads deployments', () => {
      const actions = roleStatements(template, TICK_ROLE).flatMap(actionsOf);
      expect(actions).toEqual(
        expect.arrayContaining([
          'dynamodb:GetItem',
          'dynamodb:Query',
          'dynamodb:PutItem',
          'dynamodb:UpdateItem',
          'appconfig:GetDeployment',
        ]),
      );
      expect(actions.filter((a) => a.startsWith('appconfig:'))).toEqual(['appconfig:GetDeployment']);
      expect(actions.filter((a) => a.startsWith('s3:') || a.startsWith('lambda:'))).toEqual([]);
    });
  });

  describe('the AppConfig extension', () => {
    it('runs the tick function at AT_DEPLOYMENT_TICK with the extension role', () => {
      template.resourceCountIs('AWS::AppConfig::Extension', 1);
      const [extension] = Object.values(template.findResources('AWS::AppConfig::Extension'));
      const actions = extension!.Properties.Actions as Record<string, Record<string, unknown>[]>;
      expect(Object.keys(actions)).toEqual(['AT_DEPLOYMENT_TICK']);
      expect(actions.AT_DEPLOYMENT_TICK).toHaveLength(1);
      const [action] = actions.AT_DEPLOYMENT_TICK!;
      const fnId = logicalId(template, 'AWS::Lambda::Function', TICK_FUNCTION);
      const roleId = logicalId(template, 'AWS::IAM::Role', EXTENSION_ROLE);
      expect(action).toMatchObject({
        Name: 'canary-analysis',
        Uri: { 'Fn::GetAtt': [fnId, 'Arn'] },
        RoleArn: { 'Fn::GetAtt': [roleId, 'Arn'] },
      });
      expect(extension!.Properties.Name).toBe('promptops-canary-analysis');
    });

    it('has a role only AppConfig assumes, which may invoke exactly the tick function', () => {
      const roleId = logicalId(template, 'AWS::IAM::Role', EXTENSION_ROLE);
      const role = template.findResources('AWS::IAM::Role')[roleId]!;
      expect(role.Properties.AssumeRolePolicyDocument.Statement).toEqual([
        { Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { Service: 'appconfig.amazonaws.com' } },
      ]);
      expect(role.Properties.ManagedPolicyArns).toBeUndefined();
      expect(role.Properties.Policies).toBeUndefined();
      const fnId = logicalId(template, 'AWS::Lambda::Function', TICK_FUNCTION);
      expect(roleStatements(template, EXTENSION_ROLE)).toEqual([
        { Action: 'lambda:InvokeFunction', Effect: 'Allow', Resource: { 'Fn::GetAtt': [fnId, 'Arn'] } },
      ]);
    });

    it('is the only grant to invoke the tick function: no other role, no resource policy', () => {
      const fnId = logicalId(template, 'AWS::Lambda::Function', TICK_FUNCTION);
      const invokers = iamStatements(template).filter(
        (s) => actionsOf(s).some((a) => a.startsWith('lambda:')) && JSON.stringify(s.Resource).includes(fnId),
      );
      expect(invokers).toHaveLength(1);
      const permissions = Object.values(template.findResources('AWS::Lambda::Permission')).filter((p) =>
        JSON.stringify(p.Properties.FunctionName).includes(fnId),
      );
      expect(permissions).toEqual([]);
    });

    it('is associated with the protected environments by default', () => {
      expect(associatedEnvironments(template)).toEqual(['Prod']);
    });

    it('is associated with each canaryAnalysis environment and no other', () => {
      expect(associatedEnvironments(withHandlers({ canaryAnalysis: ['staging', 'prod'] }))).toEqual([
        'Prod',
        'Staging',
      ]);
      expect(associatedEnvironments(withHandlers({ canaryAnalysis: [] }))).toEqual([]);
    });

    it('is attached after the initial manifest deployments start (the empty manifest has nothing to judge)', () => {
      const associations = Object.values(
        template.findResources('AWS::AppConfig::ExtensionAssociation'),
      ).filter((a) => JSON.stringify(a.Properties.ExtensionIdentifier).includes('Canary'));
      for (const association of associations) {
        expect(association.DependsOn).toEqual(
          expect.arrayContaining([expect.stringMatching(/^PromptOpsDeliveryInitialManifestProd/)]),
        );
      }
    });

    it('is not created without the PromptOps handlers', () => {
      const { template: bare } = buildPromptOps({ handlers: false });
      bare.resourceCountIs('AWS::AppConfig::Extension', 0);
      expect(associatedEnvironments(bare)).toEqual([]);
    });

    it('accepts one tick function', () => {
      const stack = testStack();
      const promptOps = new PromptOps(stack, 'PromptOps');
      expect(() => promptOps.addCanaryTickHandler({ entry: 'lambda/handlers/canary-tick.ts' })).toThrow(
        /a canary tick handler was already added/,
      );
    });

    it('refuses a tick that asks to deploy', () => {
      const stack = testStack();
      const promptOps = new PromptOps(stack, 'PromptOps', { handlers: false });
      expect(() =>
        promptOps.addCanaryTickHandler({
          entry: 'lambda/handlers/canary-tick.ts',
          access: { appConfig: 'deploy' },
        }),
      ).toThrow(/canary tick access.appConfig must be "read" or left out \(got "deploy"\)/);
    });
  });

  describe('props', () => {
    // The value as the settings model shows it, "(got ...)", so the checks hold once it takes over.
    it.each([
      [{ canaryMaxPValue: 0 }, /canaryMaxPValue[\s\S]*\(got 0\)/],
      [{ canaryMaxPValue: 1.5 }, /canaryMaxPValue[\s\S]*\(got 1\.5\)/],
      [{ canaryMinSamples: 0 }, /canaryMinSamples[\s\S]*\(got 0\)/],
      [{ canaryMinSamples: 12.5 }, /canaryMinSamples[\s\S]*\(got 12\.5\)/],
      [{ canaryErrorRateMargin: -0.01 }, /canaryErrorRateMargin[\s\S]*\(got -0\.01\)/],
      [{ canaryErrorRateMargin: 2 }, /canaryErrorRateMargin[\s\S]*\(got 2\)/],
      [{ canaryNegativeFeedbackMargin: 10 }, /canaryNegativeFeedbackMargin[\s\S]*\(got 10\)/],
      [{ canaryLatencyRatio: 1 }, /canaryLatencyRatio[\s\S]*\(got 1\)/],
      [{ canaryLatencyRatio: Number.NaN }, /canaryLatencyRatio[\s\S]*\(got NaN\)/],
      [{ canaryAnalysis: ['qa'] }, /canaryAnalysis[\s\S]*"qa"/],
    ] as const)('refuses %j, naming the prop and the value', (props, message) => {
      expect(() => buildPromptOps(props as PromptOpsProps)).toThrow(message);
    });

    it('reports every canary problem in one error, with the construct path', () => {
      expect(() => buildPromptOps({ canaryMaxPValue: 2, canaryLatencyRatio: 0.5 })).toThrow(
        /PromptOps:[\s\S]*canaryMaxPValue[\s\S]*canaryLatencyRatio/,
      );
    });

    it('accepts the documented defaults and the range edges', () => {
      expect(() =>
        buildPromptOps({
          canaryAnalysis: ['staging', 'prod'],
          canaryMaxPValue: 0.01,
          canaryMinSamples: 1,
          canaryErrorRateMargin: 0,
          canaryNegativeFeedbackMargin: 1,
          canaryLatencyRatio: 1.01,
        }),
      ).not.toThrow();
    });

    it('passes the canary props into the settings', () => {
      const { promptOps } = buildPromptOps({
        canaryAnalysis: ['staging', 'prod'],
        canaryMaxPValue: 0.05,
        canaryMinSamples: 100,
        canaryErrorRateMargin: 0.05,
        canaryNegativeFeedbackMargin: 0.2,
        canaryLatencyRatio: 2,
      });
      expect(promptOps.settings).toMatchObject({
        canaryAnalysis: ['staging', 'prod'],
        canaryMaxPValue: 0.05,
        canaryMinSamples: 100,
        canaryErrorRateMargin: 0.05,
        canaryNegativeFeedbackMargin: 0.2,
        canaryLatencyRatio: 2,
      });
    });
  });

  describe('dashboard', () => {
    it('has a canary-vs-baseline widget per environment: error rate and p99 per prompt version', () => {
      const widgets = dashboardWidgets(template);
      for (const env of ['dev', 'staging', 'prod']) {
        const canary = widgets.filter((w) => w.properties.title?.startsWith(`${env}: canary vs baseline`));
        expect(canary, env).toHaveLength(1);
        const metrics = JSON.stringify(canary[0]!.properties.metrics);
        const search = `{${METRIC_NAMESPACE},${DIMENSION.environment},${DIMENSION.promptId},${DIMENSION.promptVersion}} ${DIMENSION.environment}=\\"${env}\\"`;
        expect(metrics).toContain(`SEARCH('${search} MetricName=\\"Errors\\"', 'Average', 300)`);
        expect(metrics).toContain(`SEARCH('${search} MetricName=\\"Latency\\"', 'p99', 300)`);
        expect(metrics).toContain(`PROP('Dim.${DIMENSION.promptVersion}')`);
      }
    });
  });
});
