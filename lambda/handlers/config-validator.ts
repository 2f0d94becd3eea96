/**
 * The AppConfig configuration validator Lambda. AppConfig invokes it before every deployment with
 * the manifest (base64); throwing blocks the deployment, with the message shown by AppConfig.
 */
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import { requiredResource } from '../../src/core/handler-environment.ts';
import { S3BodyStore } from '../adapters/body-store.ts';
import { sharedS3Client } from '../adapters/s3-client.ts';
import { S3VersionObjectStore } from '../adapters/version-object-store.ts';
import type { DeliveryDeps } from '../delivery/deps.ts';
import { ManifestRejectedError, VerifiedRefs, validateManifest } from '../delivery/validate-manifest.ts';
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

/** What the validator reads with; `verified` lives as long as the container (validate-manifest.ts). */
export type ValidatorDeps = Pick<DeliveryDeps, 'bodies' | 'versionObjects'> & {
  readonly verified?: VerifiedRefs;
};

export function createValidatorHandler(deps: () => ValidatorDeps) {
  return middy<ValidatorEvent, void>()
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .handler(async (event) => {
      const content = Buffer.from(event.content ?? '', 'base64').toString('utf8');
      try {
        const { bodies, versionObjects, verified } = deps();
        const manifest = await validateManifest(bodies, content, versionObjects, verified);
        logger.info('manifest accepted', {
          configurationVersion: event.configurationVersion,
          environment: manifest.environment,
          revision: manifest.revision,
          prompts: Object.keys(manifest.prompts).length,
        });
      } catch (error) {
        if (error instanceof ManifestRejectedError) {
          logger.warn('manifest rejected', {
            configurationVersion: event.configurationVersion,
            problems: error.problems.length,
          });
        }
        throw error;
      }
    });
}

let bodies: ValidatorDeps | undefined;

/**
 * Only the body store: the configuration profile refers to this function, so the function cannot
 * be given the profile's id (a dependency cycle); AppConfig passes it the ids it needs.
 */
function validatorDeps(): ValidatorDeps {
  if (!bodies) {
    const bucket = requiredResource(handlerEnvironment(), 'bodyBucket');
    bodies = {
      bodies: new S3BodyStore(sharedS3Client(), bucket),
      versionObjects: new S3VersionObjectStore(sharedS3Client(), bucket),
      verified: new VerifiedRefs(),
    };
  }
  return bodies;
}

export { VerifiedRefs };

export const handler = createValidatorHandler(validatorDeps);
