/** POST /prompts/{id}/versions: publish a version of a prompt. */

import type { RegistryDeps } from '../ports.ts';
import { registryDeps } from '../registry/deps.ts';
import { publishVersion } from '../registry/publish-version.ts';
import { publishedVersion } from '../registry/responses.ts';
import { callerOf, jsonResponse, pathParameter, requestIdOf } from '../runtime/http.ts';
import { httpHandler } from '../runtime/http-handler.ts';
import { createLogger } from '../runtime/logger.ts';
import { parseInput } from '../runtime/validation.ts';
import { publishBody } from '../schemas/registry.ts';

const logger = createLogger('publish');

export function createPublishHandler(deps: () => RegistryDeps) {
  return httpHandler(
    async (event) => {
      const caller = callerOf(event);
      const id = pathParameter(event, 'id');
      const body = parseInput(publishBody, event.jsonBody);
      const result = await publishVersion(deps(), {
        id,
        ...body,
        caller,
        requestId: requestIdOf(event),
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
    { logger, body: {} },
  );
}

export const handler = createPublishHandler(registryDeps);
