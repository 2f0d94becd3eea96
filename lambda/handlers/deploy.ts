/** The delivery routes: deploy to an environment, roll it back, read its status. */
import type {
  EnvironmentStatusResponse,
  ListPage,
  RevisionEntry,
  StartedDeployment,
} from '../../src/core/api.ts';
import { NotFoundError } from '../../src/core/errors.ts';
import { assertEnvironmentName } from '../../src/core/ids.ts';
import { sinceTime } from '../../src/core/incident.ts';
import { assertPinUpdates } from '../../src/core/pins.ts';
import { deployPrompts } from '../delivery/deploy.ts';
import { type DeliveryDeps, deliveryDeps } from '../delivery/deps.ts';
import { incidentTimeline } from '../delivery/incident.ts';
import { replayedStart, requestKeyOf } from '../delivery/replay.ts';
import { rollbackEnvironment } from '../delivery/rollback.ts';
import type { StartedRevision } from '../delivery/start-revision.ts';
import { environmentStatus } from '../delivery/status.ts';
import {
  type ApiResult,
  callerOf,
  type JsonApiEvent,
  jsonResponse,
  pathParameter,
  queryParameter,
  requestIdOf,
} from '../runtime/http.ts';
import { httpHandler } from '../runtime/http-handler.ts';
import { createLogger } from '../runtime/logger.ts';
import { IDEMPOTENCY_HEADER } from '../runtime/middleware/idempotent-writes.ts';
import { pageRequest } from '../runtime/query.ts';
import { routeTable } from '../runtime/route-table.ts';
import { parseInput } from '../runtime/validation.ts';
import { deployBody, rollbackBody } from '../schemas/delivery.ts';

const logger = createLogger('deploy');

function accepted(result: StartedRevision): ApiResult {
  logger.info('deployment started', { ...result });
  return jsonResponse(202, result satisfies StartedDeployment);
}

/** The request's key for a same-key retry that Powertools no longer answers (delivery/replay.ts). */
function requestKey(event: JsonApiEvent): string | undefined {
  return requestKeyOf({
    route: event.routeKey,
    caller: callerOf(event),
    idempotencyKey: event.headers?.[IDEMPOTENCY_HEADER],
    body: event.body,
  });
}

export function createDeployHandler(deps: () => DeliveryDeps) {
  const routes = routeTable<'deploy', (event: JsonApiEvent, environment: string) => Promise<ApiResult>>(
    'deploy',
    {
      'POST /environments/{env}/deployments': async (event, environment) => {
        const body = parseInput(deployBody, event.jsonBody);
        const pins = assertPinUpdates(body.prompts);
        const key = requestKey(event);
        const replayed = await replayedStart(deps(), environment, key, requestIdOf(event));
        if (replayed) return accepted(replayed);
        return accepted(
          await deployPrompts(deps(), {
            environment,
            pins,
            ...(body.strategy !== undefined ? { strategy: body.strategy } : {}),
            ...(body.description !== undefined ? { description: body.description } : {}),
            ...(body.allowDeprecated === true ? { allowDeprecated: true } : {}),
            caller: callerOf(event),
            requestId: requestIdOf(event),
            ...(key !== undefined ? { requestKey: key } : {}),
          }),
        );
      },
      'POST /environments/{env}/rollback': async (event, environment) => {
        const body = parseInput(rollbackBody, event.jsonBody);
        const key = requestKey(event);
        const replayed = await replayedStart(deps(), environment, key, requestIdOf(event));
        if (replayed) return accepted(replayed);
        return accepted(
          await rollbackEnvironment(deps(), {
            environment,
            ...(body.prompts !== undefined ? { prompts: body.prompts } : {}),
            ...(body.segments !== undefined ? { segments: body.segments } : {}),
            ...(body.reason !== undefined ? { reason: body.reason } : {}),
            caller: callerOf(event),
            requestId: requestIdOf(event),
            ...(key !== undefined ? { requestKey: key } : {}),
          }),
        );
      },
      'GET /environments/{env}': async (event, environment) =>
        jsonResponse(
          200,
          (await environmentStatus(
            deps(),
            environment,
            requestIdOf(event),
          )) satisfies EnvironmentStatusResponse,
        ),
      'GET /environments/{env}/revisions': async (event, environment) =>
        jsonResponse(
          200,
          (await deps().environments.listRevisionPage(
            environment,
            pageRequest(event),
          )) satisfies ListPage<RevisionEntry>,
        ),
      'GET /environments/{env}/incident': async (event, environment) => {
        const d = deps();
        return jsonResponse(
          200,
          await incidentTimeline(d, environment, sinceTime(queryParameter(event, 'since'), d.now())),
        );
      },
    },
  );

  return httpHandler(
    async (event) => {
      const route = routes.find(event.routeKey);
      if (!route) throw new NotFoundError(`No route ${event.routeKey}`);
      const environment = assertEnvironmentName(pathParameter(event, 'env'), 'env');
      return route(event, environment);
    },
    // Rollback's body is optional; deploy's absence is caught by its schema (prompts is required).
    { logger, body: { required: false } },
  );
}

export const handler = createDeployHandler(deliveryDeps);
