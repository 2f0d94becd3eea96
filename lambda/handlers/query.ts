/** Every GET route of the registry: prompts, versions, documents, diffs and the audit log. */
import { BadRequestError, NotFoundError } from '../../src/core/errors.ts';
import { assertEnvironmentName, assertPromptId } from '../../src/core/ids.ts';
import { registryDeps } from '../registry/deps.ts';
import {
  diffVersions,
  getPrompt,
  getVersion,
  listAudit,
  listPrompts,
  listVersions,
} from '../registry/queries.ts';
import { auditEntry, versionDetails, versionSummary } from '../registry/responses.ts';
import { configuredEnvironments } from '../runtime/config.ts';
import {
  type ApiEvent,
  type ApiResult,
  callerOf,
  jsonResponse,
  pathParameter,
  queryParameter,
} from '../runtime/http.ts';
import { httpHandler } from '../runtime/http-handler.ts';
import { createLogger } from '../runtime/logger.ts';
import { pageRequest, requiredQueryParameter } from '../runtime/query.ts';

const logger = createLogger('query');

const routes: Record<string, (event: ApiEvent) => Promise<ApiResult>> = {
  'GET /prompts': async (event) => jsonResponse(200, await listPrompts(registryDeps(), pageRequest(event))),

  'GET /prompts/{id}': async (event) =>
    jsonResponse(200, await getPrompt(registryDeps(), pathParameter(event, 'id'), configuredEnvironments())),

  'GET /prompts/{id}/versions': async (event) => {
    const page = await listVersions(registryDeps(), pathParameter(event, 'id'), pageRequest(event));
    return jsonResponse(200, { ...page, items: page.items.map(versionSummary) });
  },

  'GET /prompts/{id}/versions/{version}': async (event) =>
    jsonResponse(
      200,
      versionDetails(
        await getVersion(registryDeps(), pathParameter(event, 'id'), pathParameter(event, 'version')),
      ),
    ),

  'GET /prompts/{id}/diff': async (event) =>
    jsonResponse(
      200,
      await diffVersions(
        registryDeps(),
        pathParameter(event, 'id'),
        requiredQueryParameter(event, 'from'),
        requiredQueryParameter(event, 'to'),
      ),
    ),

  'GET /audit': async (event) => {
    const promptId = queryParameter(event, 'promptId');
    const environment = queryParameter(event, 'environment');
    const query = {
      ...(promptId !== undefined ? { promptId: assertPromptId(promptId, 'promptId') } : {}),
      ...(environment !== undefined ? { environment: assertEnvironmentName(environment) } : {}),
    };
    const page = await listAudit(registryDeps(), query, pageRequest(event));
    return jsonResponse(200, { ...page, items: page.items.map(auditEntry) });
  },
};

export const handler = httpHandler(
  async (event) => {
    callerOf(event);
    const route = routes[event.routeKey];
    if (!route) {
      if (event.requestContext?.http?.method !== 'GET')
        throw new BadRequestError('This function serves GET routes only');
      throw new NotFoundError(`No route ${event.routeKey}`);
    }
    return route(event);
  },
  { logger },
);
