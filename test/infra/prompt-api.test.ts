import { Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { type ApiHandlerOptions, PromptApi, type RouteSpec } from '../../lib/constructs/prompt-api.ts';
import { FIXTURE_HANDLER, logicalId, roleStatements, testStack } from './support.ts';

const ROUTES: RouteSpec[] = [
  { method: 'GET', path: '/prompts' },
  { method: 'GET', path: '/prompts/{id}' },
];

function api() {
  return new PromptApi(testStack(), 'Api');
}

describe('Construct: PromptApi', () => {
  let template: Template;
  let apiId: string;

  beforeAll(() => {
    const promptApi = api();
    promptApi.addHandler('query', {
      entry: FIXTURE_HANDLER,
      routes: ROUTES,
      memorySize: 1024,
      timeout: Duration.seconds(20),
      reservedConcurrentExecutions: 7,
      environment: { EXTRA: 'yes' },
    });
    promptApi.addHandler('feedback', {
      entry: FIXTURE_HANDLER,
      routes: [{ method: 'POST', path: '/feedback' }],
    });
    template = Template.fromStack(Stack.of(promptApi));
    apiId = logicalId(template, 'AWS::ApiGatewayV2::Api', 'ApiHttpApi');
  });

  describe('the HTTP API', () => {
    it('is an HTTP API', () => {
      template.hasResourceProperties('AWS::ApiGatewayV2::Api', { ProtocolType: 'HTTP' });
    });

    it('requires IAM authorization on every route', () => {
      const routes = Object.values(template.findResources('AWS::ApiGatewayV2::Route'));
      expect(routes.map((r) => r.Properties.RouteKey).sort()).toEqual([
        'GET /prompts',
        'GET /prompts/{id}',
        'POST /feedback',
      ]);
      for (const route of routes) expect(route.Properties.AuthorizationType).toBe('AWS_IAM');
    });

    it('throttles the stage', () => {
      template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
        ApiId: { Ref: apiId },
        StageName: '$default',
        AutoDeploy: true,
        DefaultRouteSettings: {
          ThrottlingRateLimit: 50,
          ThrottlingBurstLimit: 100,
          DetailedMetricsEnabled: true,
        },
      });
    });

    it('writes JSON access logs with the request id and caller to a log group with retention', () => {
      const logsId = logicalId(template, 'AWS::Logs::LogGroup', 'ApiAccessLogs');
      template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 365 });
      const stage = Object.values(template.findResources('AWS::ApiGatewayV2::Stage'))[0]!;
      expect(stage.Properties.AccessLogSettings.DestinationArn).toEqual({ 'Fn::GetAtt': [logsId, 'Arn'] });
      const format = JSON.parse(stage.Properties.AccessLogSettings.Format);
      expect(format).toMatchObject({
        requestId: '$context.requestId',
        caller: '$context.identity.userArn',
        status: '$context.status',
      });
    });

    it('takes custom throttling and rejects impossible values', () => {
      const stack = testStack();
      new PromptApi(stack, 'Api', { throttle: { rateLimit: 5, burstLimit: 10 } });
      Template.fromStack(stack).hasResourceProperties('AWS::ApiGatewayV2::Stage', {
        DefaultRouteSettings: Match.objectLike({ ThrottlingRateLimit: 5, ThrottlingBurstLimit: 10 }),
      });
      expect(
        () => new PromptApi(testStack(), 'Api', { throttle: { rateLimit: 0, burstLimit: 2.5 } }),
      ).toThrow(
        /Test\/Api: \n {2}- throttle.rateLimit must be from 1 to 10000 requests per second \(got 0\)\n {2}- throttle.burstLimit must be a whole number from 1 to 5000 \(got 2.5\)/,
      );
    });
  });

  describe('Method: addHandler', () => {
    it('builds a nodejs24.x arm64 function with the given memory, timeout and reserved concurrency', () => {
      template.hasResourceProperties('AWS::Lambda::Function', {
        Runtime: 'nodejs24.x',
        Architectures: ['arm64'],
        MemorySize: 1024,
        Timeout: 20,
        ReservedConcurrentExecutions: 7,
        TracingConfig: { Mode: 'Active' },
        LoggingConfig: Match.objectLike({ LogFormat: 'JSON' }),
        Environment: { Variables: Match.objectLike({ EXTRA: 'yes', NODE_OPTIONS: '--enable-source-maps' }) },
      });
    });

    it('defaults to 512 MB, 10 seconds and the API reserved concurrency (25)', () => {
      template.hasResourceProperties('AWS::Lambda::Function', {
        Description: 'PromptOps API: feedback',
        MemorySize: 512,
        Timeout: 10,
        ReservedConcurrentExecutions: 25,
      });
    });

    it('logs to a log group of its own with retention, through a role without managed policies', () => {
      const fnId = logicalId(template, 'AWS::Lambda::Function', 'ApiQueryHandlerFunction');
      const logsId = logicalId(template, 'AWS::Logs::LogGroup', 'ApiQueryHandlerLogs');
      template.hasResourceProperties('AWS::Lambda::Function', {
        LoggingConfig: { LogGroup: { Ref: logsId }, LogFormat: 'JSON' },
      });
      expect(template.findResources('AWS::Logs::LogGroup')[logsId]?.Properties.RetentionInDays).toBe(365);
      const roleId = logicalId(template, 'AWS::IAM::Role', 'ApiQueryHandlerRole');
      expect(template.findResources('AWS::IAM::Role')[roleId]?.Properties.ManagedPolicyArns).toBeUndefined();
      const logStatement = roleStatements(template, roleId).find((s) =>
        JSON.stringify(s.Action).includes('logs:'),
      );
      expect(logStatement?.Resource).toEqual({ 'Fn::GetAtt': [logsId, 'Arn'] });
      expect(fnId).toBeDefined();
    });

    it('routes each path to the function through one proxy integration (payload 2.0)', () => {
      const fnId = logicalId(template, 'AWS::Lambda::Function', 'ApiQueryHandlerFunction');
      template.hasResourceProperties('AWS::ApiGatewayV2::Integration', {
        IntegrationType: 'AWS_PROXY',
        PayloadFormatVersion: '2.0',
        IntegrationUri: { 'Fn::GetAtt': [fnId, 'Arn'] },
      });
      template.resourceCountIs('AWS::ApiGatewayV2::Integration', 2);
    });

    it.each([
      ['Bad Name', { routes: ROUTES }, /handler name must be .* \(got "Bad Name"\)/],
      ['query', { routes: [] }, /handler "query" needs at least one route/],
      [
        'query',
        { routes: [{ method: 'GET', path: 'prompts' }] },
        /route path must be a template .* \(got "prompts"\)/,
      ],
      [
        'query',
        { routes: [{ method: 'HEAD', path: '/prompts' }] },
        /route method must be one of .* \(got "HEAD"\)/,
      ],
      [
        'query',
        { routes: ROUTES, timeout: Duration.seconds(30) },
        /handler "query" timeout must be at most 29 seconds.*\(got 30 s\)/,
      ],
      [
        'query',
        { routes: [ROUTES[0], ROUTES[0]] },
        /route "GET \/prompts" is listed twice for handler "query"/,
      ],
    ] as const)('rejects %s with %j', (name, options, message) => {
      expect(() =>
        api().addHandler(name, {
          entry: FIXTURE_HANDLER,
          ...(options as unknown as Omit<ApiHandlerOptions, 'entry'>),
        }),
      ).toThrow(message);
    });

    it('rejects a route that another handler serves, and a name used twice', () => {
      const promptApi = api();
      promptApi.addHandler('query', { entry: FIXTURE_HANDLER, routes: ROUTES });
      expect(() =>
        promptApi.addHandler('other', {
          entry: FIXTURE_HANDLER,
          routes: [{ method: 'GET', path: '/prompts/{id}' }],
        }),
      ).toThrow(/Test\/Api: route "GET \/prompts\/\{id\}" is already served by handler "query"/);
      expect(() =>
        promptApi.addHandler('query', {
          entry: FIXTURE_HANDLER,
          routes: [{ method: 'GET', path: '/audit' }],
        }),
      ).toThrow(/a handler named "query" was already added/);
    });
  });

  describe('Method: executeApiArn', () => {
    it('turns path parameters into wildcards on the $default stage', () => {
      const stack = testStack();
      const promptApi = new PromptApi(stack, 'Api');
      const arn = stack.resolve(
        promptApi.executeApiArn({ method: 'POST', path: '/prompts/{id}/versions/{version}/approvals' }),
      );
      expect(arn).toEqual({
        'Fn::Join': [
          '',
          [
            'arn:aws:execute-api:us-east-1:123456789012:',
            { Ref: stack.getLogicalId(promptApi.httpApi.node.defaultChild as never) },
            '/$default/POST/prompts/*/versions/*/approvals',
          ],
        ],
      });
    });
  });
});
