/**
 * The names and defaults the client's load path uses (docs/architecture.md, "The client's bundle"):
 * client-contract.ts re-exports them beside the rest of what the client shares with the stack, whose
 * object of variable names only lazily loaded client modules read.
 */

/** Local mode's EMF intake: the client also posts `record()` lines there when it is set. */
export const EMF_ENDPOINT_VARIABLE = 'PROMPTOPS_EMF_ENDPOINT';

/** AppConfig names and defaults the client uses. */
export const CLIENT_APPCONFIG = {
  profile: 'prompts',
  /** Default client poll interval, matching the AppConfig Agent's default. */
  defaultPollIntervalSeconds: 45,
  agentPort: 2772,
} as const;
