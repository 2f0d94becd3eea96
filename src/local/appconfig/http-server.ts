/**
 * The HTTP face of the emulator: AppConfig's and AppConfigData's REST paths exactly as the SDK v3
 * clients send them (the models in @aws-sdk/client-appconfig and client-appconfigdata), and the
 * AppConfig Agent's `/applications/{app}/environments/{env}/configurations/{profile}`, which is also
 * AppConfig's deprecated GetConfiguration path. Requests are not authenticated: any SigV4 signature
 * (or none) is accepted.
 */
import { randomInt, randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { APPCONFIG } from '../../core/contracts.ts';
import type { ControlPlane } from './control-plane.ts';
import type { DataPlane } from './data-plane.ts';
import type { DeploymentEngine, Logger } from './deployments.ts';
import { AppConfigApiError, badRequest } from './errors.ts';
import type { ExtensionRegistry } from './extensions.ts';
import { bucketOf } from './ids.ts';
import type { HostedVersionRecord } from './model.ts';
import {
  applicationJson,
  deploymentJson,
  deploymentSummaryJson,
  environmentJson,
  extensionAssociationJson,
  extensionAssociationSummaryJson,
  extensionJson,
  extensionSummaryJson,
  hostedVersionSummaryJson,
  page,
  profileJson,
  profileSummaryJson,
  strategyJson,
} from './wire.ts';

/** A request header naming the reader, for a stable agent bucket across connections. */
export const CLIENT_ID_HEADER = 'x-promptops-client-id';

/** Hosted content up to AppConfig's limit, plus room for a request that exceeds it to be reported. */
const MAX_BODY_BYTES = APPCONFIG.maxHostedConfigurationBytes + 64 * 1024;

interface Request {
  readonly method: string;
  readonly params: Readonly<Record<string, string>>;
  readonly query: URLSearchParams;
  readonly headers: IncomingMessage['headers'];
  readonly body: Buffer;
  readonly socket: Socket;
}

interface Reply {
  readonly status: number;
  readonly json?: unknown;
  readonly raw?: Uint8Array;
  readonly headers?: Readonly<Record<string, string | number | undefined>>;
}

type Operation = (request: Request) => Promise<Reply> | Reply;

interface Route {
  readonly method: string;
  readonly segments: readonly string[];
  readonly operation: Operation;
}

export interface HttpApiDeps {
  readonly controlPlane: ControlPlane;
  readonly deployments: DeploymentEngine;
  readonly dataPlane: DataPlane;
  readonly extensions: ExtensionRegistry;
  readonly logger: Logger;
  /** Commits the state; mutations answer once it resolves. */
  readonly persist: () => Promise<void>;
}

export class HttpApi {
  readonly #deps: HttpApiDeps;
  readonly #routes: Route[] = [];
  /** Agent readers without a client id get one bucket per connection, like one agent per container. */
  readonly #connectionBuckets = new WeakMap<Socket, number>();

  constructor(deps: HttpApiDeps) {
    this.#deps = deps;
    this.#defineRoutes();
  }

  /** The node:http request listener. */
  readonly listener = (req: IncomingMessage, res: ServerResponse): void => {
    void this.#handle(req, res);
  };

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const requestId = randomUUID();
    let reply: Reply;
    try {
      const url = new URL(req.url ?? '/', 'http://emulator');
      const body = await readBody(req);
      const [route, params] = this.#match(req.method ?? 'GET', url.pathname);
      reply = await route.operation({
        method: req.method ?? 'GET',
        params,
        query: url.searchParams,
        headers: req.headers,
        body,
        socket: req.socket,
      });
    } catch (error) {
      reply = errorReply(error, this.#deps.logger);
    }
    send(res, reply, requestId);
  }

  #match(method: string, pathname: string): [Route, Record<string, string>] {
    const segments = pathname.split('/').filter((s) => s !== '');
    for (const route of this.#routes) {
      if (route.method !== method || route.segments.length !== segments.length) continue;
      const params: Record<string, string> = {};
      const matched = route.segments.every((pattern, i) => {
        const segment = segments[i] as string;
        if (pattern.startsWith(':')) {
          params[pattern.slice(1)] = decodeURIComponent(segment);
          return true;
        }
        return pattern === segment;
      });
      if (matched) return [route, params];
    }
    throw new AppConfigApiError('UnknownOperationException', `No operation for ${method} ${pathname}`);
  }

  #on(method: string, path: string, operation: Operation): void {
    this.#routes.push({ method, segments: path.split('/').filter((s) => s !== ''), operation });
  }

  #defineRoutes(): void {
    const { controlPlane: cp, deployments, dataPlane, persist } = this.#deps;
    const profileName = (applicationId: string, profileId: string) =>
      cp.findProfile(applicationId, profileId)?.name ?? profileId;

    // Applications, environments, configuration profiles, deployment strategies.
    this.#on('GET', '/applications', (r) =>
      ok(page(cp.listApplications(), r.query.get('max_results'), r.query.get('next_token'), applicationJson)),
    );
    this.#on('POST', '/applications', async (r) => {
      const input = jsonBody(r);
      const created = cp.createApplication(input.Name, input.Description);
      await persist();
      return { status: 201, json: applicationJson(created) };
    });
    this.#on('GET', '/applications/:app', (r) => ok(applicationJson(cp.application(r.params.app as string))));
    this.#on('GET', '/applications/:app/environments', (r) => {
      const app = r.params.app as string;
      return ok(
        page(cp.listEnvironments(app), r.query.get('max_results'), r.query.get('next_token'), (e) =>
          environmentJson(e, deployments.environmentState(app, e.id)),
        ),
      );
    });
    this.#on('POST', '/applications/:app/environments', async (r) => {
      const input = jsonBody(r);
      const monitors = Array.isArray(input.Monitors)
        ? input.Monitors.map((m) => (m as { AlarmArn?: unknown }).AlarmArn).filter(
            (a) => typeof a === 'string',
          )
        : [];
      const created = cp.createEnvironment(r.params.app as string, input.Name, {
        ...(typeof input.Description === 'string' ? { description: input.Description } : {}),
        monitors,
      });
      await persist();
      return { status: 201, json: environmentJson(created, 'READY_FOR_DEPLOYMENT') };
    });
    this.#on('GET', '/applications/:app/environments/:env', (r) => {
      const app = r.params.app as string;
      const environment = cp.environment(app, r.params.env as string);
      return ok(environmentJson(environment, deployments.environmentState(app, environment.id)));
    });
    this.#on('GET', '/applications/:app/configurationprofiles', (r) => {
      const type = r.query.get('type');
      const profiles = type && type !== 'AWS.Freeform' ? [] : cp.listProfiles(r.params.app as string);
      return ok(page(profiles, r.query.get('max_results'), r.query.get('next_token'), profileSummaryJson));
    });
    this.#on('POST', '/applications/:app/configurationprofiles', async (r) => {
      const input = jsonBody(r);
      if (input.Type !== undefined && input.Type !== 'AWS.Freeform') {
        throw badRequest(
          `Type ${JSON.stringify(input.Type)} is not supported by the emulator: use AWS.Freeform`,
        );
      }
      const created = cp.createProfile(
        r.params.app as string,
        input.Name,
        input.Description,
        input.LocationUri,
      );
      await persist();
      return { status: 201, json: profileJson(created) };
    });
    this.#on('GET', '/applications/:app/configurationprofiles/:profile', (r) =>
      ok(profileJson(cp.profile(r.params.app as string, r.params.profile as string))),
    );
    this.#on('GET', '/deploymentstrategies', (r) =>
      ok(page(cp.listStrategies(), r.query.get('max_results'), r.query.get('next_token'), strategyJson)),
    );
    this.#on('POST', '/deploymentstrategies', async (r) => {
      const input = jsonBody(r);
      const created = cp.createStrategy({
        name: input.Name,
        description: input.Description,
        deploymentDurationInMinutes: input.DeploymentDurationInMinutes,
        growthFactor: input.GrowthFactor,
        growthType: input.GrowthType,
        finalBakeTimeInMinutes: input.FinalBakeTimeInMinutes,
      });
      await persist();
      return { status: 201, json: strategyJson(created) };
    });
    this.#on('GET', '/deploymentstrategies/:strategy', (r) =>
      ok(strategyJson(cp.strategy(r.params.strategy as string))),
    );

    // Hosted configuration versions: the content is the raw body, the rest travels in headers.
    const versionsPath = '/applications/:app/configurationprofiles/:profile/hostedconfigurationversions';
    this.#on('POST', versionsPath, async (r) => {
      const latest = header(r, 'latest-version-number');
      if (latest !== undefined && !/^\d+$/.test(latest)) {
        throw badRequest(`Latest-Version-Number must be a whole number, got ${JSON.stringify(latest)}`);
      }
      const created = cp.createHostedVersion({
        applicationId: r.params.app as string,
        profileId: r.params.profile as string,
        content: new Uint8Array(r.body),
        contentType: header(r, 'content-type'),
        ...optional('description', header(r, 'description')),
        ...optional('versionLabel', header(r, 'versionlabel')),
        ...(latest !== undefined ? { latestVersionNumber: Number(latest) } : {}),
      });
      await persist();
      return hostedVersionReply(201, created, await cp.readContent(created));
    });
    this.#on('GET', versionsPath, (r) =>
      ok(
        page(
          cp.listHostedVersions(
            r.params.app as string,
            r.params.profile as string,
            r.query.get('version_label') ?? undefined,
          ),
          r.query.get('max_results'),
          r.query.get('next_token'),
          hostedVersionSummaryJson,
        ),
      ),
    );
    this.#on('GET', `${versionsPath}/:version`, async (r) => {
      const version = cp.hostedVersion(
        r.params.app as string,
        r.params.profile as string,
        wholeNumber(r.params.version, 'VersionNumber'),
      );
      return hostedVersionReply(200, version, await cp.readContent(version));
    });

    // Deployments.
    const deploymentsPath = '/applications/:app/environments/:env/deployments';
    this.#on('POST', deploymentsPath, async (r) => {
      const input = jsonBody(r);
      const started = await deployments.start({
        applicationId: r.params.app as string,
        environmentId: r.params.env as string,
        profileId: input.ConfigurationProfileId,
        strategyId: input.DeploymentStrategyId,
        configurationVersion: input.ConfigurationVersion,
        description: input.Description,
        ...(typeof input.LatestDeploymentNumber === 'number'
          ? { latestDeploymentNumber: input.LatestDeploymentNumber }
          : {}),
      });
      return {
        status: 201,
        json: deploymentJson(started, profileName(started.applicationId, started.profileId)),
      };
    });
    this.#on('GET', deploymentsPath, (r) => {
      const app = r.params.app as string;
      return ok(
        page(
          deployments.list(app, r.params.env as string),
          r.query.get('max_results'),
          r.query.get('next_token'),
          (d) => deploymentSummaryJson(d, profileName(app, d.profileId)),
        ),
      );
    });
    this.#on('GET', `${deploymentsPath}/:number`, (r) => {
      const app = r.params.app as string;
      const found = deployments.get(
        app,
        r.params.env as string,
        wholeNumber(r.params.number, 'DeploymentNumber'),
      );
      return ok(deploymentJson(found, profileName(app, found.profileId)));
    });
    this.#on('DELETE', `${deploymentsPath}/:number`, async (r) => {
      const app = r.params.app as string;
      const stopped = await deployments.stop(
        app,
        r.params.env as string,
        wholeNumber(r.params.number, 'DeploymentNumber'),
        header(r, 'allow-revert') === 'true',
      );
      return { status: 202, json: deploymentJson(stopped, profileName(app, stopped.profileId)) };
    });

    // Extensions and extension associations.
    const { extensions } = this.#deps;
    const extensionArnOf = (extensionId: string, versionNumber: number) =>
      extensions.arnOf(extensions.extension(extensionId, versionNumber));
    this.#on('POST', '/extensions', async (r) => {
      const input = jsonBody(r);
      const latest = header(r, 'latest-version-number');
      const created = extensions.createExtension({
        name: input.Name,
        description: input.Description,
        actions: input.Actions,
        parameters: input.Parameters,
        ...(latest !== undefined ? { latestVersionNumber: wholeNumber(latest, 'LatestVersionNumber') } : {}),
      });
      await persist();
      return { status: 201, json: extensionJson(created, extensions.arnOf(created)) };
    });
    this.#on('GET', '/extensions', (r) =>
      ok(
        page(
          extensions.listExtensions(r.query.get('name') ?? undefined),
          r.query.get('max_results'),
          r.query.get('next_token'),
          (e) => extensionSummaryJson(e, extensions.arnOf(e)),
        ),
      ),
    );
    this.#on('GET', '/extensions/:extension', (r) => {
      const version = r.query.get('version_number');
      const found = extensions.extension(
        r.params.extension as string,
        version === null ? undefined : wholeNumber(version, 'VersionNumber'),
      );
      return ok(extensionJson(found, extensions.arnOf(found)));
    });
    this.#on('DELETE', '/extensions/:extension', async (r) => {
      const version = r.query.get('version');
      extensions.deleteExtension(
        r.params.extension as string,
        version === null ? undefined : wholeNumber(version, 'VersionNumber'),
      );
      await persist();
      return { status: 204 };
    });
    this.#on('POST', '/extensionassociations', async (r) => {
      const input = jsonBody(r);
      const created = extensions.createAssociation({
        extensionIdentifier: input.ExtensionIdentifier,
        resourceIdentifier: input.ResourceIdentifier,
        extensionVersionNumber: input.ExtensionVersionNumber,
        parameters: input.Parameters,
      });
      await persist();
      return {
        status: 201,
        json: extensionAssociationJson(
          created,
          extensions.associationArnOf(created),
          extensionArnOf(created.extensionId, created.extensionVersionNumber),
        ),
      };
    });
    this.#on('GET', '/extensionassociations', (r) => {
      const version = r.query.get('extension_version_number');
      return ok(
        page(
          extensions.listAssociations({
            ...optional('resourceIdentifier', r.query.get('resource_identifier') ?? undefined),
            ...optional('extensionIdentifier', r.query.get('extension_identifier') ?? undefined),
            ...(version !== null
              ? { extensionVersionNumber: wholeNumber(version, 'ExtensionVersionNumber') }
              : {}),
          }),
          r.query.get('max_results'),
          r.query.get('next_token'),
          (a) => extensionAssociationSummaryJson(a, extensionArnOf(a.extensionId, a.extensionVersionNumber)),
        ),
      );
    });
    this.#on('GET', '/extensionassociations/:association', (r) => {
      const found = extensions.association(r.params.association as string);
      return ok(
        extensionAssociationJson(
          found,
          extensions.associationArnOf(found),
          extensionArnOf(found.extensionId, found.extensionVersionNumber),
        ),
      );
    });
    this.#on('DELETE', '/extensionassociations/:association', async (r) => {
      extensions.deleteAssociation(r.params.association as string);
      await persist();
      return { status: 204 };
    });

    // The agent path (and AppConfig's deprecated GetConfiguration, which shares it).
    this.#on('GET', '/applications/:app/environments/:env/configurations/:profile', async (r) => {
      const found = await dataPlane.agent(
        r.params.app as string,
        r.params.env as string,
        r.params.profile as string,
        this.#agentBucket(r),
      );
      if (!found) {
        throw new AppConfigApiError(
          'ResourceNotFoundException',
          `Nothing is deployed to ${r.params.env} for ${r.params.profile} yet`,
          { ResourceName: r.params.profile },
        );
      }
      const versionNumber = String(found.version.versionNumber);
      const unchanged = r.query.get('client_configuration_version') === versionNumber;
      return {
        status: 200,
        raw: unchanged ? new Uint8Array() : found.content,
        headers: {
          'content-type': found.version.contentType,
          'configuration-version': versionNumber,
          ...(found.version.versionLabel !== undefined
            ? { 'version-label': found.version.versionLabel }
            : {}),
        },
      };
    });

    // AppConfigData.
    this.#on('POST', '/configurationsessions', (r) => ({
      status: 201,
      json: dataPlane.startSession(jsonBody(r)),
    }));
    this.#on('GET', '/configuration', async (r) => {
      const latest = await dataPlane.getLatest(r.query.get('configuration_token') ?? undefined);
      return {
        status: 200,
        raw: latest.content,
        headers: {
          'next-poll-configuration-token': latest.nextToken,
          'next-poll-interval-in-seconds': latest.nextPollIntervalSeconds,
          'content-type': latest.contentType,
          'version-label': latest.versionLabel,
        },
      };
    });
  }

  #agentBucket(r: Request): number {
    const clientId = r.query.get('client_id') ?? header(r, CLIENT_ID_HEADER);
    if (clientId) return bucketOf(clientId);
    let bucket = this.#connectionBuckets.get(r.socket);
    if (bucket === undefined) {
      bucket = randomInt(100);
      this.#connectionBuckets.set(r.socket, bucket);
    }
    return bucket;
  }
}

function ok(json: unknown): Reply {
  return { status: 200, json };
}

function hostedVersionReply(status: number, version: HostedVersionRecord, content: Uint8Array): Reply {
  return {
    status,
    raw: content,
    headers: {
      'application-id': version.applicationId,
      'configuration-profile-id': version.profileId,
      'version-number': version.versionNumber,
      'content-type': version.contentType,
      description: version.description,
      versionlabel: version.versionLabel,
    },
  };
}

function optional<K extends string>(key: K, value: string | undefined): { [P in K]?: string } {
  return (value !== undefined && value !== '' ? { [key]: value } : {}) as { [P in K]?: string };
}

function header(r: Request, name: string): string | undefined {
  const value = r.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function wholeNumber(value: string | undefined, member: string): number {
  if (value === undefined || !/^\d+$/.test(value)) {
    throw badRequest(`${member} must be a whole number, got ${JSON.stringify(value)}`);
  }
  return Number(value);
}

function jsonBody(r: Request): Record<string, unknown> {
  if (r.body.length === 0) return {};
  let value: unknown;
  try {
    value = JSON.parse(r.body.toString('utf8'));
  } catch {
    throw badRequest('The request body is not valid JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw badRequest('The request body must be a JSON object');
  }
  return value as Record<string, unknown>;
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    // Keep reading (so the connection stays usable) but stop storing.
    if (size <= MAX_BODY_BYTES) chunks.push(chunk as Buffer);
  }
  if (size > MAX_BODY_BYTES) {
    throw new AppConfigApiError(
      'PayloadTooLargeException',
      `The request body is larger than ${MAX_BODY_BYTES} bytes`,
      {
        Measure: 'BYTES',
        Limit: APPCONFIG.maxHostedConfigurationBytes,
        Size: size,
      },
    );
  }
  return Buffer.concat(chunks);
}

function errorReply(error: unknown, logger: Logger): Reply {
  if (error instanceof AppConfigApiError) {
    return {
      status: error.status,
      json: { ...error.members, Message: error.message },
      headers: { 'x-amzn-errortype': error.type },
    };
  }
  logger.error(`internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  return {
    status: 500,
    json: { Message: 'The AppConfig emulator failed; see its log' },
    headers: { 'x-amzn-errortype': 'InternalServerException' },
  };
}

function send(res: ServerResponse, reply: Reply, requestId: string): void {
  const body =
    reply.raw ?? (reply.json === undefined ? new Uint8Array() : Buffer.from(JSON.stringify(reply.json)));
  res.statusCode = reply.status;
  res.setHeader('x-amzn-requestid', requestId);
  if (reply.json !== undefined) res.setHeader('content-type', 'application/json');
  for (const [name, value] of Object.entries(reply.headers ?? {})) {
    if (value === undefined) continue;
    try {
      res.setHeader(name, String(value));
    } catch {
      // A value that is not a valid header (it came in as one, so this is only a guard) is left out.
    }
  }
  res.setHeader('content-length', body.byteLength);
  res.end(body);
}
