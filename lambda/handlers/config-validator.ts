/**
 * The AppConfig configuration validator Lambda. AppConfig invokes it before every deployment with
 * the manifest (base64); throwing blocks the deployment, with the message shown by AppConfig.
 */
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import middy from '@middy/core';
import { requiredResource } from '../../src/core/handler-environment.ts';
import { sharedDocumentClient } from '../adapters/aws-clients.ts';
import { S3BodyStore } from '../adapters/body-store.ts';
import { DynamoPromptRepository } from '../adapters/prompt-repository.ts';
import { sharedS3Client } from '../adapters/s3-client.ts';
import type { S3ClientSource } from '../adapters/s3-client-lazy.ts';
import { S3VersionObjectStore } from '../adapters/version-object-store.ts';
import type { DeliveryDeps } from '../delivery/deps.ts';
import {
  emptyValidationStats,
  ManifestRejectedError,
  VerifiedRefs,
  validateManifest,
} from '../delivery/validate-manifest.ts';
import type { RecordedRefs } from '../ports.ts';
import { handlerEnvironment } from '../runtime/config.ts';
import { createLogger } from '../runtime/logger.ts';

/** What AppConfig sends a Lambda validator. */
export interface ValidatorEvent {
  readonly applicationId: string;
  readonly configurationProfileId: string;
  readonly configurationVersion: string;
  /** The configuration, base64-encoded. */
  readonly content: string;
  readonly uri: string;
}

const logger = createLogger('config-validator');

/**
 * What the validator reads with; `verified` lives as long as the container, and `recorded` (the
 * refs version items record) spares it the objects the registry vouches for (validate-manifest.ts).
 */
export type ValidatorDeps = Pick<DeliveryDeps, 'bodies' | 'versionObjects'> & {
  readonly verified?: VerifiedRefs;
  readonly recorded?: RecordedRefs;
};

export function createValidatorHandler(deps: () => ValidatorDeps) {
  return middy<ValidatorEvent, void>()
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .handler(async (event) => {
      const content = Buffer.from(event.content ?? '', 'base64').toString('utf8');
      const stats = emptyValidationStats();
      try {
        const { bodies, versionObjects, verified, recorded } = deps();
        const manifest = await validateManifest(bodies, content, versionObjects, verified, {
          ...(recorded ? { recorded } : {}),
          stats,
        });
        logger.info('manifest accepted', {
          configurationVersion: event.configurationVersion,
          environment: manifest.environment,
          revision: manifest.revision,
          prompts: Object.keys(manifest.prompts).length,
          ...stats,
        });
      } catch (error) {
        if (error instanceof ManifestRejectedError) {
          logger.warn('manifest rejected', {
            configurationVersion: event.configurationVersion,
            problems: error.problems.length,
            ...stats,
          });
        }
        throw error;
      }
    });
}

/**
 * The body store and the refs version items record (the role reads those three attributes of version
 * items and nothing else of the table), over the clients given: the Lambda's below, local mode's.
 */
export function buildValidatorDeps(resources: {
  readonly s3: S3ClientSource;
  readonly documents: DynamoDBDocumentClient;
  readonly table: string;
  readonly bucket: string;
  readonly verified: VerifiedRefs;
}): ValidatorDeps {
  return {
    bodies: new S3BodyStore(resources.s3, resources.bucket),
    versionObjects: new S3VersionObjectStore(resources.s3, resources.bucket),
    verified: resources.verified,
    recorded: new DynamoPromptRepository(resources.documents, resources.table),
  };
}

let deps: ValidatorDeps | undefined;

/**
 * The configuration profile refers to this function, so the function cannot be given the profile's
 * id (a dependency cycle); AppConfig passes it the ids it needs.
 */
function validatorDeps(): ValidatorDeps {
  if (!deps) {
    const environment = handlerEnvironment();
    deps = buildValidatorDeps({
      s3: sharedS3Client(),
      documents: sharedDocumentClient(),
      table: requiredResource(environment, 'table'),
      bucket: requiredResource(environment, 'bodyBucket'),
      verified: new VerifiedRefs(),
    });
  }
  return deps;
}

export { VerifiedRefs };

export const handler = createValidatorHandler(validatorDeps);
