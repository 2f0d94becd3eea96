/** The canary tick's adapters: DynamoDB for the environment state and audit, CloudWatch for traffic. */
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { canarySettingsOf } from '../../src/core/canary.ts';
import { type HandlerEnvironment, requiredResource } from '../../src/core/handler-environment.ts';
import { DynamoAuditLog } from '../adapters/audit-log.ts';
import { sharedDocumentClient } from '../adapters/aws-clients.ts';
import { CloudWatchTrafficSource } from '../adapters/cloudwatch-traffic.ts';
import { DynamoEnvironmentStore } from '../adapters/environment-store.ts';
import { handlerEnvironment } from '../runtime/config.ts';
import type { CanaryTickDeps } from './ports.ts';

export interface CanaryTickResources {
  readonly documents: DynamoDBDocumentClient;
  readonly cloudwatch: CloudWatchClient;
  readonly environment: HandlerEnvironment;
}

/** Needs the table name and the AppConfig environment ids; the application id is used when set. */
export function buildCanaryTickDeps(resources: CanaryTickResources): CanaryTickDeps {
  const { environment } = resources;
  const table = requiredResource(environment, 'table');
  const applicationId = environment.resources.appConfigApplicationId;
  return {
    environments: new DynamoEnvironmentStore(resources.documents, table),
    traffic: new CloudWatchTrafficSource(resources.cloudwatch),
    audit: new DynamoAuditLog(resources.documents, table),
    config: {
      environmentIds: environment.appConfigEnvironmentIds,
      ...(applicationId !== undefined ? { applicationId } : {}),
    },
    canaryAnalysis: environment.settings.canaryAnalysis,
    settings: canarySettingsOf(environment.settings),
    now: () => new Date(),
  };
}

let deps: CanaryTickDeps | undefined;

/** Built once per container, on the first tick. */
export function canaryTickDeps(): CanaryTickDeps {
  deps ??= buildCanaryTickDeps({
    documents: sharedDocumentClient(),
    cloudwatch: new CloudWatchClient({}),
    environment: handlerEnvironment(),
  });
  return deps;
}
