/** POST /prompts/{id}/versions/{version}/approvals: approve a version someone else published. */

import type { ApprovalResponse } from '../../src/core/api.ts';
import type { RegistryDeps } from '../ports.ts';
import { approveVersion } from '../registry/approve-version.ts';
import { registryDeps } from '../registry/deps.ts';
import { callerOf, jsonResponse, pathParameter, requestIdOf } from '../runtime/http.ts';
import { httpHandler } from '../runtime/http-handler.ts';
import { createLogger } from '../runtime/logger.ts';
import { parseInput } from '../runtime/validation.ts';
import { approveBody } from '../schemas/registry.ts';

const logger = createLogger('review');

export function createReviewHandler(deps: () => RegistryDeps) {
  return httpHandler(
    async (event) => {
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
    { logger, body: { required: false } },
  );
}

export const handler = createReviewHandler(registryDeps);
