/** The evaluation routes: a prompt's suite, and the runs of a version (docs/evaluations.md). */
import type { EvalSuitePut, EvaluationStarted } from '../../src/core/api.ts';
import { NotFoundError } from '../../src/core/errors.ts';
import { EVAL_LIMITS } from '../../src/core/eval/limits.ts';
import { sha256Hex } from '../../src/core/hash.ts';
import type { EvaluationDeps } from '../evaluation/ports.ts';
import { getEvaluation, listEvaluations } from '../evaluation/queries.ts';
import { evaluationDeps } from '../evaluation/route-deps.ts';
import { startEvaluation } from '../evaluation/start-evaluation.ts';
import { getSuite, putSuite } from '../evaluation/suites.ts';
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
import { routeTable } from '../runtime/route-table.ts';
import { parseInput } from '../runtime/validation.ts';
import { putSuiteBody, startEvaluationBody } from '../schemas/evaluation.ts';

const logger = createLogger('evaluate');

type EvaluateRoute = (event: JsonApiEvent, promptId: string) => Promise<ApiResult>;

export function createEvaluateHandler(deps: () => EvaluationDeps) {
  const routes = routeTable<'evaluate', EvaluateRoute>('evaluate', {
    'PUT /prompts/{id}/eval-suite': async (event, promptId) => {
      const body = parseInput(putSuiteBody, event.jsonBody);
      const result = await putSuite(deps(), {
        promptId,
        suite: body.suite,
        caller: callerOf(event),
        requestId: requestIdOf(event),
      });
      if (result.created) logger.info('evaluation suite stored', { promptId, revision: result.revision });
      return jsonResponse(result.created ? 201 : 200, {
        revision: result.revision,
        sha256: result.sha256,
      } satisfies EvalSuitePut);
    },
    'GET /prompts/{id}/eval-suite': async (_event, promptId) =>
      jsonResponse(200, await getSuite(deps(), promptId)),
    'POST /prompts/{id}/versions/{version}/evaluations': async (event, promptId) => {
      const body = parseInput(startEvaluationBody, event.jsonBody);
      const caller = callerOf(event);
      // Checked by the idempotentWrites middleware; it lets a retry find the run this start created.
      const key = event.headers?.[IDEMPOTENCY_HEADER];
      const started = await startEvaluation(deps(), {
        promptId,
        version: pathParameter(event, 'version'),
        ...(body.provider ? { provider: body.provider } : {}),
        caller,
        requestId: requestIdOf(event),
        ...(key !== undefined ? { requestKey: sha256Hex(`${caller}\n${key}`) } : {}),
      });
      logger.info('evaluation started', { promptId, ...started });
      return jsonResponse(202, started satisfies EvaluationStarted);
    },
    'GET /prompts/{id}/versions/{version}/evaluations': async (event, promptId) =>
      jsonResponse(200, await listEvaluations(deps(), promptId, pathParameter(event, 'version'))),
    'GET /prompts/{id}/versions/{version}/evaluations/{evaluationId}': async (event, promptId) =>
      jsonResponse(
        200,
        await getEvaluation(
          deps(),
          promptId,
          pathParameter(event, 'version'),
          pathParameter(event, 'evaluationId'),
        ),
      ),
  });

  return httpHandler(
    async (event) => {
      const route = routes.find(event.routeKey);
      if (!route) throw new NotFoundError(`No route ${event.routeKey}`);
      return route(event, pathParameter(event, 'id'));
    },
    // A suite may be 1 MiB of YAML, more once JSON-escaped; the POST body is optional.
    { logger, body: { required: false, maxBytes: 2 * EVAL_LIMITS.maxSuiteBytes } },
  );
}

export const handler = createEvaluateHandler(evaluationDeps);
