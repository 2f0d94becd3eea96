/** The notifier's adapters, built once per container: DynamoDB (records, ledger, timeline), AppConfig, SNS. */
import { AppConfigClient } from '@aws-sdk/client-appconfig';
import { SNSClient } from '@aws-sdk/client-sns';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { type HandlerEnvironment, requiredResource } from '../../src/core/handler-environment.ts';
import { type NotifierEnvironment, readNotifierEnvironment } from '../../src/core/notifier-environment.ts';
import { AppConfigDelivery } from '../adapters/appconfig-delivery.ts';
import { sharedDocumentClient } from '../adapters/aws-clients.ts';
import { DynamoEnvironmentStore } from '../adapters/environment-store.ts';
import { DynamoIncidentEventStore } from '../adapters/incident-events.ts';
import { DynamoNotificationLedger } from '../adapters/notification-ledger.ts';
import { DynamoPromptRepository } from '../adapters/prompt-repository.ts';
import { SnsNotificationTopic } from '../adapters/sns-topic.ts';
import { handlerEnvironment } from '../runtime/config.ts';
import type { NotifierDeps } from './notify.ts';
import type { NotificationTopic } from './ports.ts';

export interface NotifierResources {
  readonly documents: DynamoDBDocumentClient;
  readonly appconfig: AppConfigClient;
  readonly environment: HandlerEnvironment;
  readonly notifier: NotifierEnvironment;
  /** Where notifications go; on AWS the operators' SNS topic. */
  readonly topic: NotificationTopic;
}

export interface NotifierConfig {
  readonly applicationId: string;
  readonly environmentIds: Readonly<Record<string, string>>;
  readonly environments: readonly string[];
  readonly application: string;
}

export function buildNotifierDeps(resources: NotifierResources): NotifierDeps & { config: NotifierConfig } {
  const { environment, notifier } = resources;
  const table = requiredResource(environment, 'table');
  const applicationId = requiredResource(environment, 'appConfigApplicationId');
  return {
    enrichment: {
      environments: new DynamoEnvironmentStore(resources.documents, table),
      prompts: new DynamoPromptRepository(resources.documents, table),
      // The profile id is not needed to read a deployment.
      delivery: new AppConfigDelivery(resources.appconfig, applicationId, ''),
      environmentIds: environment.appConfigEnvironmentIds,
      rollbackAlarms: notifier.rollbackAlarms,
    },
    ledger: new DynamoNotificationLedger(resources.documents, table),
    topic: resources.topic,
    events: new DynamoIncidentEventStore(resources.documents, table),
    application: notifier.applicationName,
    ...(notifier.runbookBaseUrl ? { runbookBaseUrl: notifier.runbookBaseUrl } : {}),
    now: () => new Date(),
    config: {
      applicationId,
      environmentIds: environment.appConfigEnvironmentIds,
      environments: environment.settings.environments,
      application: notifier.applicationName,
    },
  };
}

let deps: (NotifierDeps & { config: NotifierConfig }) | undefined;

export function notifierDeps(): NotifierDeps & { config: NotifierConfig } {
  if (!deps) {
    const environment = handlerEnvironment();
    const notifier = readNotifierEnvironment(process.env, environment.settings.environments);
    if (!notifier.topicArn) throw new Error('Environment variable PROMPTOPS_OPERATORS_TOPIC_ARN is not set');
    const endpoint = environment.resources.appConfigEndpoint;
    deps = buildNotifierDeps({
      documents: sharedDocumentClient(),
      appconfig: new AppConfigClient(endpoint !== undefined ? { endpoint } : {}),
      environment,
      notifier,
      topic: new SnsNotificationTopic(new SNSClient({}), notifier.topicArn),
    });
  }
  return deps;
}
