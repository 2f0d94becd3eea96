/**
 * The reviewer's routes: approve a version someone else published (POST .../approvals), and mark a
 * version deprecated or lift the mark (POST and DELETE .../deprecation, docs/maintenance.md).
 */

import type { ApprovalResponse, DeprecationResponse } from '../../src/core/api.ts';
import { NotFoundError } from '../../src/core/errors.ts';
import { deprecateVersion, undeprecateVersion } from '../maintenance/deprecation.ts';
import type { RegistryDeps } from '../ports.ts';
import { approveVersion } from '../registry/approve-version.ts';
import { registryDeps } from '../registry/deps.ts';
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
import { routeTable } from '../runtime/route-table.ts';
import { parseInput } from '../runtime/validation.ts';
import { approveBody, deprecateBody } from '../schemas/registry.ts';

const logger = createLogger('review');

type ReviewRoute = (event: JsonApiEvent) => Promise<ApiResult>;

export function createReviewHandler(deps: () => RegistryDeps) {
  const target = (event: JsonApiEvent) => ({
    id: pathParameter(event, 'id'),
    version: pathParameter(event, 'version'),
    caller: callerOf(event),
    requestId: requestIdOf(event),
  });
  const routes = routeTable<'review', ReviewRoute>('review', {
    'POST /prompts/{id}/versions/{version}/approvals': async (event) => {
      const caller = callerOf(event);
      const body = parseInput(approveBody, event.jsonBody);
      const result = await approveVersion(deps(), {
        id: pathParameter(event, 'id'),
        version: pathParameter(event, 'version'),
        ...body,
        caller,
        requestId: requestIdOf(event),
      });
      const approval: ApprovalResponse = { by: result.approval.by, at: result.approval.at };
      return jsonResponse(result.created ? 201 : 200, approval);
    },
    'POST /prompts/{id}/versions/{version}/deprecation': async (event) => {
      const input = target(event);
      const body = parseInput(deprecateBody, event.jsonBody);
      const result = await deprecateVersion(deps(), { ...input, reason: body.reason });
      logger.info(result.created ? 'version deprecated' : 'version already deprecated', {
        promptId: input.id,
        version: input.version,
      });
      const response: DeprecationResponse = {
        id: input.id,
        version: input.version,
        deprecation: result.deprecation,
      };
      return jsonResponse(result.created ? 201 : 200, response);
    },
    'DELETE /prompts/{id}/versions/{version}/deprecation': async (event) => {
      const input = target(event);
      await undeprecateVersion(deps(), input);
      const response: DeprecationResponse = { id: input.id, version: input.version, deprecation: null };
      return jsonResponse(200, response);
    },
  });
  return httpHandler(
    async (event) => {
      const route = routes.find(event.routeKey);
      if (!route) throw new NotFoundError(`No route ${event.routeKey}`);
      return route(event);
    },
    // An approval's body is optional; a deprecation's absence is caught by its schema (reason is required).
    { logger, body: { required: false } },
  );
}

export const handler = createReviewHandler(registryDeps);
