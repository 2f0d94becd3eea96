/**
 * The evaluation worker: invoked asynchronously by the API with `{promptId, version, runId}`, it
 * executes the run and records its end. Lambda retries a failed async invoke; a run that already
 * ended is skipped, so a retry or a duplicate delivery changes nothing.
 */
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import { type ExecuteResult, executeEvaluation } from '../evaluation/execute-evaluation.ts';
import type { EvaluationJob } from '../evaluation/model.ts';
import type { EvaluationWorkerDeps } from '../evaluation/ports.ts';
import { evaluationWorkerDeps } from '../evaluation/worker-deps.ts';
import { createLogger } from '../runtime/logger.ts';

const logger = createLogger('evaluation-worker');

/** Time kept back from the Lambda timeout to record the run as ERROR after stopping it. */
const FINISH_MARGIN_MS = 15_000;

export interface EvaluationWorkerOptions {
  /** Stops every run in progress (local mode's close). */
  readonly signal?: AbortSignal;
}

function isJob(event: unknown): event is EvaluationJob {
  const job = event as Partial<EvaluationJob> | null;
  return (
    typeof job === 'object' &&
    job !== null &&
    typeof job.promptId === 'string' &&
    typeof job.version === 'string' &&
    typeof job.runId === 'string'
  );
}

export function createEvaluationWorkerHandler(
  deps: () => EvaluationWorkerDeps,
  options: EvaluationWorkerOptions = {},
) {
  return middy<unknown, { result: ExecuteResult | 'ignored' }>()
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .handler(async (event, context) => {
      if (!isJob(event)) {
        logger.warn('event ignored: not an evaluation job');
        return { result: 'ignored' };
      }
      const timeout = AbortSignal.timeout(
        Math.max(1000, context.getRemainingTimeInMillis() - FINISH_MARGIN_MS),
      );
      const signal = options.signal ? AbortSignal.any([timeout, options.signal]) : timeout;
      const result = await executeEvaluation(deps(), event, { signal, requestId: context.awsRequestId });
      logger.info('evaluation job done', { ...event, result });
      return { result };
    });
}

export const handler = createEvaluationWorkerHandler(evaluationWorkerDeps);
