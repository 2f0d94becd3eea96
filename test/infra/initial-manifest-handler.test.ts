import {
  AppConfigClient,
  CreateHostedConfigurationVersionCommand,
  ListDeploymentsCommand,
  StartDeploymentCommand,
} from '@aws-sdk/client-appconfig';
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  handleEvent,
  handler,
  type InitialManifestProperties,
  sendResponse,
} from '../../lib/private/initial-manifest-handler.ts';
import { emptyManifest, parseManifest } from '../../src/core/manifest.ts';

const appConfig = mockClient(AppConfigClient);
const NOW = new Date('2030-01-02T03:04:05.000Z');

const PROPS: InitialManifestProperties = {
  ApplicationId: 'app123',
  EnvironmentId: 'env456',
  EnvironmentName: 'prod',
  ConfigurationProfileId: 'prof789',
  DeploymentStrategyId: 'AppConfig.Linear50PercentEvery30Seconds',
  KmsKeyIdentifier: 'arn:aws:kms:us-east-1:123456789012:key/abc',
};

function event(requestType: 'Create' | 'Update' | 'Delete'): CloudFormationCustomResourceEvent {
  const base = {
    ServiceToken: 'arn:aws:lambda:us-east-1:123456789012:function:f',
    ResponseURL: 'https://cloudformation-custom-resource-response.example/signed',
    StackId: 'arn:aws:cloudformation:us-east-1:123456789012:stack/PromptOps/1',
    RequestId: 'req-1',
    LogicalResourceId: 'InitialManifestProd',
    ResourceType: 'Custom::PromptOpsInitialManifest',
    ResourceProperties: { ServiceToken: 'x', ...PROPS },
  };
  if (requestType === 'Create') return { ...base, RequestType: 'Create' };
  if (requestType === 'Update') {
    return {
      ...base,
      RequestType: 'Update',
      PhysicalResourceId: 'phys-1',
      OldResourceProperties: { ServiceToken: 'x' },
    };
  }
  return { ...base, RequestType: 'Delete', PhysicalResourceId: 'phys-1' };
}

describe('initial manifest custom resource', () => {
  const client = new AppConfigClient({});

  beforeEach(() => {
    appConfig.reset();
    appConfig.on(CreateHostedConfigurationVersionCommand).resolves({ VersionNumber: 1 });
    appConfig.on(StartDeploymentCommand).resolves({ DeploymentNumber: 1 });
  });

  afterEach(() => {
    vi.unstubAllGlobals();
    vi.restoreAllMocks();
  });

  describe('Function: handleEvent', () => {
    it('deploys an empty manifest to an environment that never had a deployment', async () => {
      appConfig.on(ListDeploymentsCommand).resolves({ Items: [] });
      const response = await handleEvent(client, event('Create'), NOW);

      expect(response).toMatchObject({
        Status: 'SUCCESS',
        PhysicalResourceId: 'app123/env456/initial-manifest',
        RequestId: 'req-1',
        LogicalResourceId: 'InitialManifestProd',
        Data: { Deployed: 'true', DeploymentNumber: '1' },
      });
      const [create] = appConfig.commandCalls(CreateHostedConfigurationVersionCommand);
      const content = new TextDecoder().decode(create!.args[0].input.Content as Uint8Array);
      expect(parseManifest(content)).toEqual(emptyManifest('prod', NOW.toISOString()));
      expect(create!.args[0].input).toMatchObject({
        ApplicationId: 'app123',
        ConfigurationProfileId: 'prof789',
        ContentType: 'application/json',
      });
      expect(appConfig.commandCalls(StartDeploymentCommand)[0]!.args[0].input).toEqual(
        expect.objectContaining({
          ApplicationId: 'app123',
          EnvironmentId: 'env456',
          ConfigurationProfileId: 'prof789',
          ConfigurationVersion: '1',
          DeploymentStrategyId: 'AppConfig.Linear50PercentEvery30Seconds',
          KmsKeyIdentifier: PROPS.KmsKeyIdentifier,
        }),
      );
    });

    it.each([
      'Create',
      'Update',
    ] as const)('leaves an environment that already had a deployment alone (%s)', async (requestType) => {
      appConfig.on(ListDeploymentsCommand).resolves({ Items: [{ DeploymentNumber: 7, State: 'COMPLETE' }] });
      const response = await handleEvent(client, event(requestType), NOW);
      expect(response.Status).toBe('SUCCESS');
      expect(response.Data).toEqual({ Deployed: 'false' });
      expect(appConfig.commandCalls(CreateHostedConfigurationVersionCommand)).toHaveLength(0);
      expect(appConfig.commandCalls(StartDeploymentCommand)).toHaveLength(0);
      expect(appConfig.commandCalls(ListDeploymentsCommand)[0]!.args[0].input).toEqual({
        ApplicationId: 'app123',
        EnvironmentId: 'env456',
        MaxResults: 1,
      });
    });

    it('keeps the physical id on update, so CloudFormation never replaces the resource', async () => {
      appConfig.on(ListDeploymentsCommand).resolves({ Items: [{ DeploymentNumber: 1 }] });
      expect((await handleEvent(client, event('Update'), NOW)).PhysicalResourceId).toBe('phys-1');
    });

    it('does nothing on delete: the deployed manifest stays', async () => {
      const response = await handleEvent(client, event('Delete'), NOW);
      expect(response).toMatchObject({ Status: 'SUCCESS', PhysicalResourceId: 'phys-1' });
      expect(appConfig.calls()).toHaveLength(0);
    });

    it('reports a failure to CloudFormation with the environment and the error', async () => {
      appConfig.on(ListDeploymentsCommand).resolves({});
      appConfig
        .on(StartDeploymentCommand)
        .rejects(Object.assign(new Error('Deployment in progress'), { name: 'ConflictException' }));
      const response = await handleEvent(client, event('Create'), NOW);
      expect(response.Status).toBe('FAILED');
      expect(response.Reason).toBe('Initial manifest for prod: ConflictException: Deployment in progress');
    });

    it('fails when AppConfig returns no version number', async () => {
      appConfig.on(ListDeploymentsCommand).resolves({ Items: [] });
      appConfig.on(CreateHostedConfigurationVersionCommand).resolves({});
      const response = await handleEvent(client, event('Create'), NOW);
      expect(response.Status).toBe('FAILED');
      expect(response.Reason).toContain('no VersionNumber');
      expect(appConfig.commandCalls(StartDeploymentCommand)).toHaveLength(0);
    });
  });

  describe('Function: sendResponse', () => {
    it('PUTs the response to the pre-signed URL without a content type', async () => {
      const fetchMock = vi.fn(async () => new Response(null, { status: 200 }));
      vi.stubGlobal('fetch', fetchMock);
      const response = {
        Status: 'SUCCESS' as const,
        PhysicalResourceId: 'p',
        StackId: 's',
        RequestId: 'r',
        LogicalResourceId: 'l',
      };
      await sendResponse('https://example.com/signed', response);
      const [url, init] = fetchMock.mock.calls[0] as unknown as [string, RequestInit];
      expect(url).toBe('https://example.com/signed');
      expect(init.method).toBe('PUT');
      expect(init.headers).toEqual({
        'content-type': '',
        'content-length': String(init.body?.toString().length),
      });
      expect(JSON.parse(init.body as string)).toEqual(response);
    });

    it('throws when the upload fails, so the invocation is retried', async () => {
      vi.stubGlobal(
        'fetch',
        vi.fn(async () => new Response(null, { status: 403 })),
      );
      await expect(
        sendResponse('https://example.com/signed', {
          Status: 'FAILED',
          PhysicalResourceId: 'p',
          StackId: 's',
          RequestId: 'r',
          LogicalResourceId: 'l',
        }),
      ).rejects.toThrow('HTTP 403');
    });
  });

  describe('Function: handler', () => {
    it('answers CloudFormation at the response URL', async () => {
      appConfig.on(ListDeploymentsCommand).resolves({ Items: [] });
      const fetchMock = vi.fn(async () => new Response(null, { status: 200 }));
      vi.stubGlobal('fetch', fetchMock);
      vi.spyOn(console, 'log').mockImplementation(() => {});
      await handler(event('Create'));
      const [url, init] = fetchMock.mock.calls[0] as unknown as [string, RequestInit];
      expect(url).toBe(event('Create').ResponseURL);
      expect(JSON.parse(init.body as string)).toMatchObject({
        Status: 'SUCCESS',
        Data: { Deployed: 'true' },
      });
    });
  });
});
