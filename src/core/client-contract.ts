/**
 * The names and defaults the client library shares with the stack, local mode and the CLI. A module
 * of its own so that the client bundles these few strings, not every name in contracts.ts (an object
 * literal is bundled whole); contracts.ts builds `ENV` and `APPCONFIG` from them. What the client's
 * load path reads is in client-defaults.ts, so that the load path bundles none of `CLIENT_ENV`.
 */
import { EMF_ENDPOINT_VARIABLE } from './client-defaults.ts';

/** Environment variables the client reads. */
export const CLIENT_ENV = {
  /** S3 bucket holding prompt documents by SHA-256. */
  bodyBucket: 'PROMPTOPS_BODY_BUCKET',
  /** Endpoint overrides for local mode and integration tests. */
  s3Endpoint: 'PROMPTOPS_S3_ENDPOINT',
  appConfigDataEndpoint: 'PROMPTOPS_APPCONFIGDATA_ENDPOINT',
  /** Local mode's EMF intake: the client also posts `record()` lines there when it is set. */
  emfEndpoint: EMF_ENDPOINT_VARIABLE,
  /** The PromptOps HTTP API, for the client's feedback() and the CLI. */
  apiEndpoint: 'PROMPTOPS_API_ENDPOINT',
} as const;

export { CLIENT_APPCONFIG } from './client-defaults.ts';
