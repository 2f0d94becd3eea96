/**
 * The body bucket's key of a version object (manifest schema 2, docs/architecture.md): the client
 * reads it, publish and deploy write it. A module of its own so the client's S3 reader, loaded only
 * for references, bundles this one function and the agent path none of it.
 */
export function versionObjectKey(ref: string): string {
  return `versions/${ref}.json`;
}
