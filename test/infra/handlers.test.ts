/** The PromptOps handlers the construct adds by default: every API route served, each function as it should be. */
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { ENV } from '../../src/core/contracts.ts';
import { API_ROUTES, routeKey } from '../../src/core/routes.ts';
import { actionsOf, buildPromptOps, logicalId, roleStatements } from './support.ts';

describe('Construct: PromptOps (its own handlers)', () => {
  let template: Template;

  beforeAll(() => {
    ({ template } = buildPromptOps({ handlers: true }));
  });

  it('serves every route of the API contract with IAM authorization', () => {
    const routes = template.findResources('AWS::ApiGatewayV2::Route');
    const keys = Object.values(routes).map((r) => r.Properties.RouteKey as string);
    expect(keys.sort()).toEqual(API_ROUTES.map(routeKey).sort());
    for (const route of Object.values(routes)) expect(route.Properties.AuthorizationType).toBe('AWS_IAM');
  });

  it('runs every handler on nodejs24.x arm64 with active tracing', () => {
    const functions = Object.values(template.findResources('AWS::Lambda::Function')).filter((f) =>
      String(f.Properties.Description ?? '').startsWith('PromptOps'),
    );
    expect(functions.length).toBeGreaterThanOrEqual(8);
    for (const fn of functions) {
      expect(fn.Properties.Runtime).toBe('nodejs24.x');
      expect(fn.Properties.Architectures).toEqual(['arm64']);
      expect(fn.Properties.TracingConfig).toEqual({ Mode: 'Active' });
    }
  });

  it('gives the feedback function the hash key by Secrets Manager reference, never its value', () => {
    template.hasResourceProperties('AWS::SecretsManager::Secret', {
      GenerateSecretString: Match.objectLike({ PasswordLength: 48 }),
      KmsKeyId: Match.anyValue(),
    });
    const secretId = logicalId(template, 'AWS::SecretsManager::Secret', 'PromptOpsFeedbackHashSecret');
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({ [ENV.feedbackHashSecretArn]: { Ref: secretId } }),
      },
    });
    for (const fn of Object.values(template.findResources('AWS::Lambda::Function'))) {
      expect(fn.Properties.Environment?.Variables?.[ENV.feedbackHashSecret]).toBeUndefined();
    }
    const feedbackStatements = roleStatements(template, 'PromptOpsApiFeedbackHandler');
    expect(feedbackStatements.some((s) => actionsOf(s).includes('secretsmanager:GetSecretValue'))).toBe(true);
    const others = roleStatements(template, 'PromptOpsApiPublishHandler');
    expect(others.some((s) => actionsOf(s).some((a) => a.startsWith('secretsmanager:')))).toBe(false);
  });

  it('does not give the validator the profile id it cannot reference', () => {
    const validator = Object.values(template.findResources('AWS::Lambda::Function')).find((f) =>
      String(f.Properties.Description).includes('validates manifests'),
    );
    expect(validator?.Properties.Environment.Variables[ENV.bodyBucket]).toBeDefined();
    expect(validator?.Properties.Environment.Variables[ENV.appConfigProfileId]).toBeUndefined();
  });

  it('limits the concurrency of the functions that protect a downstream', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Description: Match.stringLikeRegexp('deploy'),
      ReservedConcurrentExecutions: 5,
    });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Description: Match.stringLikeRegexp('feedback'),
      ReservedConcurrentExecutions: 20,
    });
  });
});
