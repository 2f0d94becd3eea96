/**
 * What readers get: AppConfigData sessions (StartConfigurationSession, then GetLatestConfiguration
 * along the token chain) and the AppConfig Agent's HTTP path. Every reader has a bucket 0 to 99 and
 * sees a deployment in progress once its percentage passes the bucket (see rollout.ts).
 *
 * Tokens carry their session (bucket, resources, poll interval, the version last returned) signed
 * with a secret kept in the state, so sessions survive a restart. Each token may be used once: the
 * emulator remembers the newest token of every session in memory and refuses older ones.
 */
import { createHmac, randomBytes, randomInt, timingSafeEqual } from 'node:crypto';
import type { ControlPlane } from './control-plane.ts';
import type { DeploymentEngine } from './deployments.ts';
import { badRequest, notFound } from './errors.ts';
import type { HostedVersionRecord } from './model.ts';

/** AppConfigData's own default and limits for RequiredMinimumPollIntervalInSeconds. */
export const DEFAULT_POLL_INTERVAL_SECONDS = 60;
const MIN_POLL_INTERVAL_SECONDS = 15;
const MAX_POLL_INTERVAL_SECONDS = 86_400;
/** AppConfigData tokens expire 24 hours after they are issued. */
const TOKEN_LIFETIME_MS = 24 * 60 * 60 * 1000;
const MAX_TRACKED_SESSIONS = 10_000;

interface TokenPayload {
  /** Session id. */
  readonly s: string;
  readonly b: number;
  readonly a: string;
  readonly e: string;
  readonly p: string;
  /** NextPollIntervalInSeconds. */
  readonly i: number;
  /** Position in the session's token chain. */
  readonly n: number;
  /** Hosted version number last returned to the session, 0 for none. */
  readonly v: number;
  /** Expiry, epoch ms. */
  readonly x: number;
  /**
   * Issued at, epoch ms: the token may be used once the poll interval has passed since (absent in
   * tokens from before this field, which are never too early).
   */
  readonly t?: number;
}

export interface LatestConfiguration {
  /** Empty when the session already has the version it would be served (or nothing is deployed). */
  readonly content: Uint8Array;
  readonly contentType?: string;
  readonly versionLabel?: string;
  readonly nextToken: string;
  readonly nextPollIntervalSeconds: number;
}

export interface AgentConfiguration {
  readonly version: HostedVersionRecord;
  readonly content: Uint8Array;
}

export interface DataPlaneDeps {
  readonly controlPlane: ControlPlane;
  readonly deployments: DeploymentEngine;
  readonly tokenSecret: string;
  readonly clock: () => number;
  readonly timeScale: number;
}

export class DataPlane {
  readonly #deps: DataPlaneDeps;
  readonly #secret: Buffer;
  /** Session id -> position of its newest token. */
  readonly #sessions = new Map<string, { n: number; x: number }>();

  constructor(deps: DataPlaneDeps) {
    this.#deps = deps;
    this.#secret = Buffer.from(deps.tokenSecret, 'hex');
  }

  startSession(input: Record<string, unknown>): { InitialConfigurationToken: string } {
    const application = this.#deps.controlPlane.findApplication(
      identifier(input.ApplicationIdentifier, 'ApplicationIdentifier'),
    );
    if (!application) throw missing('Application', input.ApplicationIdentifier);
    const environment = this.#deps.controlPlane.findEnvironment(
      application.id,
      identifier(input.EnvironmentIdentifier, 'EnvironmentIdentifier'),
    );
    if (!environment) throw missing('Environment', input.EnvironmentIdentifier);
    const profile = this.#deps.controlPlane.findProfile(
      application.id,
      identifier(input.ConfigurationProfileIdentifier, 'ConfigurationProfileIdentifier'),
    );
    if (!profile) throw missing('ConfigurationProfile', input.ConfigurationProfileIdentifier);
    const requested = input.RequiredMinimumPollIntervalInSeconds ?? DEFAULT_POLL_INTERVAL_SECONDS;
    if (
      typeof requested !== 'number' ||
      !Number.isInteger(requested) ||
      requested < MIN_POLL_INTERVAL_SECONDS ||
      requested > MAX_POLL_INTERVAL_SECONDS
    ) {
      throw badRequest(
        `RequiredMinimumPollIntervalInSeconds must be a whole number from ${MIN_POLL_INTERVAL_SECONDS} to ${MAX_POLL_INTERVAL_SECONDS}, got ${JSON.stringify(requested)}`,
        invalidParameter('RequiredMinimumPollIntervalInSeconds', 'Corrupted'),
      );
    }
    const payload: TokenPayload = {
      s: randomBytes(12).toString('base64url'),
      b: randomInt(100),
      a: application.id,
      e: environment.id,
      p: profile.id,
      i: pollIntervalSeconds(requested, this.#deps.timeScale),
      n: 0,
      v: 0,
      x: this.#deps.clock() + TOKEN_LIFETIME_MS,
    };
    // The initial token is good at once: only the tokens GetLatestConfiguration hands out wait.
    return { InitialConfigurationToken: this.#issue(payload) };
  }

  async getLatest(token: string | undefined): Promise<LatestConfiguration> {
    const payload = this.#verify(token);
    const now = this.#deps.clock();
    if (payload.t !== undefined && now < payload.t + payload.i * 1000) {
      // AppConfigData's answer to a poll before NextPollIntervalInSeconds; the token stays usable.
      throw badRequest('Request too early');
    }
    const served = this.#deps.deployments.served(payload.a, payload.e, payload.p, payload.b);
    const servedNumber = served?.versionNumber ?? 0;
    const next = this.#issue({
      ...payload,
      n: payload.n + 1,
      v: servedNumber,
      x: now + TOKEN_LIFETIME_MS,
      t: now,
    });
    if (!served || servedNumber === payload.v) {
      return { content: new Uint8Array(), nextToken: next, nextPollIntervalSeconds: payload.i };
    }
    return {
      content: await this.#deps.controlPlane.readContent(served),
      contentType: served.contentType,
      ...(served.versionLabel !== undefined ? { versionLabel: served.versionLabel } : {}),
      nextToken: next,
      nextPollIntervalSeconds: payload.i,
    };
  }

  /**
   * The agent's read: identifiers may be names or ids; undefined when nothing is deployed for this
   * bucket. `clientConfigurationVersion` equal to the served version answers an empty content, as
   * AppConfig's GetConfiguration did.
   */
  async agent(
    applicationIdentifier: string,
    environmentIdentifier: string,
    profileIdentifier: string,
    bucket: number,
  ): Promise<AgentConfiguration | undefined> {
    const { controlPlane } = this.#deps;
    const application = controlPlane.findApplication(applicationIdentifier);
    if (!application) throw missing('Application', applicationIdentifier);
    const environment = controlPlane.findEnvironment(application.id, environmentIdentifier);
    if (!environment) throw missing('Environment', environmentIdentifier);
    const profile = controlPlane.findProfile(application.id, profileIdentifier);
    if (!profile) throw missing('ConfigurationProfile', profileIdentifier);
    const version = this.#deps.deployments.served(application.id, environment.id, profile.id, bucket);
    if (!version) return undefined;
    return { version, content: await controlPlane.readContent(version) };
  }

  #issue(payload: TokenPayload): string {
    this.#sessions.set(payload.s, { n: payload.n, x: payload.x });
    if (this.#sessions.size > MAX_TRACKED_SESSIONS) this.#prune();
    const body = Buffer.from(JSON.stringify(payload)).toString('base64url');
    return `${body}.${this.#sign(body)}`;
  }

  #verify(token: string | undefined): TokenPayload {
    if (!token) {
      throw badRequest('ConfigurationToken is required', invalidParameter('ConfigurationToken', 'Corrupted'));
    }
    const [body, signature, ...rest] = token.split('.');
    const expected = body ? Buffer.from(this.#sign(body)) : undefined;
    const given = Buffer.from(signature ?? '');
    if (
      !body ||
      rest.length > 0 ||
      !expected ||
      expected.length !== given.length ||
      !timingSafeEqual(expected, given)
    ) {
      throw badRequest('Invalid ConfigurationToken', invalidParameter('ConfigurationToken', 'Corrupted'));
    }
    const payload = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as TokenPayload;
    if (payload.x <= this.#deps.clock()) {
      throw badRequest(
        'ConfigurationToken has expired: start a new configuration session',
        invalidParameter('ConfigurationToken', 'Expired'),
      );
    }
    const newest = this.#sessions.get(payload.s);
    // Unknown sessions were issued before a restart; their token is accepted and becomes the newest.
    if (newest && newest.n !== payload.n) {
      throw badRequest(
        'ConfigurationToken has already been used: poll with the NextPollConfigurationToken of the latest response, or start a new session',
        invalidParameter('ConfigurationToken', 'Expired'),
      );
    }
    return payload;
  }

  #sign(body: string): string {
    return createHmac('sha256', this.#secret).update(body).digest('base64url');
  }

  #prune(): void {
    const now = this.#deps.clock();
    for (const [session, entry] of this.#sessions) if (entry.x <= now) this.#sessions.delete(session);
  }
}

/** The poll interval a session is told: the requested one divided by the time scale, at least 1 s. */
export function pollIntervalSeconds(requestedSeconds: number, timeScale: number): number {
  return Math.max(1, Math.round(requestedSeconds / timeScale));
}

function identifier(value: unknown, member: string): string {
  if (typeof value !== 'string' || value === '') {
    throw badRequest(`${member} is required`, invalidParameter(member, 'Corrupted'));
  }
  return value;
}

function missing(resourceType: string, value: unknown) {
  return notFound(`${resourceType} ${JSON.stringify(value)} not found (by id or name)`, {
    ResourceType: resourceType,
  });
}

function invalidParameter(member: string, problem: 'Corrupted' | 'Expired') {
  return { Reason: 'InvalidParameters', Details: { InvalidParameters: { [member]: { Problem: problem } } } };
}
