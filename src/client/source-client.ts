/**
 * An AWS SDK v3 client as PromptClient options accept it, described by shape: the SDK packages are
 * optional peers, so the published declarations must not name their types. Any SDK v3 client fits.
 */
export interface AwsSdkClient {
  send(command: unknown, options?: { readonly abortSignal?: AbortSignal }): Promise<unknown>;
}
