/** The registry's adapters: built from given clients (local mode), or once per Lambda container from the environment. */
import { requiredResource } from '../../src/core/handler-environment.ts';
import { sharedDocumentClient } from '../adapters/aws-clients.ts';
import { sharedS3Client } from '../adapters/s3-client.ts';
import type { RegistryDeps } from '../ports.ts';
import { handlerEnvironment } from '../runtime/config.ts';
import { buildRegistryDeps } from './build-deps.ts';

export { buildRegistryDeps, type RegistryResources } from './build-deps.ts';

let deps: RegistryDeps | undefined;

export function registryDeps(): RegistryDeps {
  if (!deps) {
    const environment = handlerEnvironment();
    deps = buildRegistryDeps({
      documents: sharedDocumentClient(),
      s3: sharedS3Client(),
      table: requiredResource(environment, 'table'),
      bucket: requiredResource(environment, 'bodyBucket'),
    });
  }
  return deps;
}
