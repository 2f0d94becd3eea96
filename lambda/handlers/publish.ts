/**
 * The author's routes: publish a version of a prompt (POST /prompts/{id}/versions), and archive or
 * unarchive the prompt (POST /prompts/{id}/archive and /unarchive, docs/maintenance.md).
 */

import type { ArchiveResponse } from '../../src/core/api.ts';
import { BadRequestError, NotFoundError } from '../../src/core/errors.ts';
import { archivePrompt, unarchivePrompt } from '../maintenance/archival.ts';
import type { RegistryDeps } from '../ports.ts';
import { registryDeps } from '../registry/deps.ts';
import { publishVersion } from '../registry/publish-version.ts';
import { publishedVersion } from '../registry/responses.ts';
import { configuredEnvironments } from '../runtime/config.ts';
import {
  type ApiResult,
  callerOf,
  type JsonApiEvent,
  jsonResponse,
  pathParameter,
  requestIdOf,
} from '../runtime/http.ts';
import { httpHandler } from '../runtime/http-handler.ts';
import { createLogger } from '../runtime/logger.ts';
import { IDEMPOTENCY_HEADER } from '../runtime/middleware/idempotent-writes.ts';
import { requestKeyOf } from '../runtime/request-key.ts';
import { routeTable } from '../runtime/route-table.ts';
import { parseInput } from '../runtime/validation.ts';
import { archiveBody, publishBody } from '../schemas/registry.ts';

const logger = createLogger('publish');

type PublishRoute = (event: JsonApiEvent) => Promise<ApiResult>;

export function createPublishHandler(deps: () => RegistryDeps) {
  const routes = routeTable<'publish', PublishRoute>('publish', {
    'POST /prompts/{id}/versions': async (event) => {
      // The handler reads optional bodies (archive's); a publish without one is refused as before.
      if ((event.body ?? '') === '')
        throw new BadRequestError('The request body is empty: send a JSON object');
      const caller = callerOf(event);
      const id = pathParameter(event, 'id');
      const body = parseInput(publishBody, event.jsonBody);
      const publishKey = requestKeyOf({
        route: event.routeKey,
        caller,
        idempotencyKey: event.headers?.[IDEMPOTENCY_HEADER],
        body: event.body,
      });
      const result = await publishVersion(deps(), {
        id,
        ...body,
        caller,
        requestId: requestIdOf(event),
        ...(publishKey !== undefined ? { publishKey } : {}),
      });
      logger.info(result.created ? 'version published' : 'version already published', {
        promptId: result.record.id,
        version: result.record.version,
      });
      const response = jsonResponse(result.created ? 201 : 200, publishedVersion(result.record));
      return result.created
        ? {
            ...response,
            headers: { ...response.headers, location: `/prompts/${id}/versions/${result.record.version}` },
          }
        : response;
    },
    'POST /prompts/{id}/archive': async (event) => {
      const id = pathParameter(event, 'id');
      const body = parseInput(archiveBody, event.jsonBody);
      const result = await archivePrompt(deps(), {
        id,
        ...(body.reason !== undefined ? { reason: body.reason } : {}),
        caller: callerOf(event),
        requestId: requestIdOf(event),
        environments: configuredEnvironments(),
      });
      logger.info(result.created ? 'prompt archived' : 'prompt already archived', { promptId: id });
      return jsonResponse(200, { id, archived: result.archived } satisfies ArchiveResponse);
    },
    'POST /prompts/{id}/unarchive': async (event) => {
      const id = pathParameter(event, 'id');
      await unarchivePrompt(deps(), { id, caller: callerOf(event), requestId: requestIdOf(event) });
      return jsonResponse(200, { id, archived: null } satisfies ArchiveResponse);
    },
  });
  return httpHandler(
    async (event) => {
      const route = routes.find(event.routeKey);
      if (!route) throw new NotFoundError(`No route ${event.routeKey}`);
      return route(event);
    },
    // A publish's absence of a body is caught by its schema (document is required); archive's is optional.
    { logger, body: { required: false } },
  );
}

export const handler = createPublishHandler(registryDeps);
