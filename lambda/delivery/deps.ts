/** What the delivery use cases need, built once per Lambda container on first use. */
import { AppConfigClient } from '@aws-sdk/client-appconfig';
import { requiredResource } from '../../src/core/handler-environment.ts';
import { AppConfigDelivery } from '../adapters/appconfig-delivery.ts';
import { sharedDocumentClient } from '../adapters/aws-clients.ts';
import { DynamoEnvironmentStore } from '../adapters/environment-store.ts';
import { DynamoEvaluationEvidence } from '../adapters/evaluation-evidence.ts';
import { DynamoIncidentEventStore } from '../adapters/incident-events.ts';
import { lazyS3Client } from '../adapters/s3-client-lazy.ts';
import type { IncidentEventStore } from '../notifications/ports.ts';
import type { AuditLog, BodyStore, PromptRepository, VersionObjectStore } from '../ports.ts';
import { buildRegistryDeps, type RegistryResources } from '../registry/build-deps.ts';
import { handlerEnvironment } from '../runtime/config.ts';
import { type DeliveryConfig, deliveryConfigFromEnv } from './config.ts';
import type { EvaluationEvidence } from './evaluation-gate.ts';
import type { Delivery, EnvironmentStore } from './ports.ts';

export interface DeliveryDeps {
  readonly prompts: PromptRepository;
  readonly bodies: BodyStore;
  /** Where deploy writes the version objects it builds (docs/architecture.md, "Ten thousand prompts"). */
  readonly versionObjects?: VersionObjectStore;
  readonly audit: AuditLog;
  readonly environments: EnvironmentStore;
  readonly delivery: Delivery;
  /** The evaluation suites and runs the release gate reads. */
  readonly evaluations: EvaluationEvidence;
  readonly config: DeliveryConfig;
  readonly now: () => Date;
  /** What the notifier recorded, for the incident timeline (docs/runbooks/README.md). */
  readonly incidentEvents?: IncidentEventStore;
}

/**
 * Builds the delivery adapters over the registry's, with AppConfig and the configuration given. The
 * gate reads evaluations from the main table unless `evaluations` is given.
 */
export function buildDeliveryDeps(
  resources: RegistryResources & {
    appconfig: AppConfigClient;
    config: DeliveryConfig;
    evaluations?: EvaluationEvidence;
  },
): DeliveryDeps {
  const registry = buildRegistryDeps(resources);
  return {
    ...registry,
    environments: new DynamoEnvironmentStore(resources.documents, resources.table),
    delivery: new AppConfigDelivery(
      resources.appconfig,
      resources.config.applicationId,
      resources.config.profileId,
    ),
    evaluations: resources.evaluations ?? new DynamoEvaluationEvidence(resources.documents, resources.table),
    incidentEvents: new DynamoIncidentEventStore(resources.documents, resources.table),
    config: resources.config,
  };
}

let deps: DeliveryDeps | undefined;

export function deliveryDeps(): DeliveryDeps {
  if (!deps) {
    const environment = handlerEnvironment();
    const endpoint = environment.resources.appConfigEndpoint;
    deps = buildDeliveryDeps({
      documents: sharedDocumentClient(),
      // Only deployments read bodies: rollback, status and incident never load the S3 SDK.
      s3: lazyS3Client,
      table: requiredResource(environment, 'table'),
      bucket: requiredResource(environment, 'bodyBucket'),
      appconfig: new AppConfigClient(endpoint !== undefined ? { endpoint } : {}),
      config: deliveryConfigFromEnv(environment),
    });
  }
  return deps;
}
