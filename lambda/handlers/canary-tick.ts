/**
 * The canary analysis extension's Lambda (AppConfig action point AT_DEPLOYMENT_TICK, about once a
 * minute while a deployment is DEPLOYING or BAKING). It answers a passing tick with the analysis; it
 * throws CanaryAnalysisFailedError on a failing one, since an error from the Lambda at this action
 * point is how an extension makes AppConfig roll the deployment back, with the error's message in the
 * deployment's EventLog (docs/canary-analysis.md).
 */
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import { canaryTickDeps } from '../canary/deps.ts';
import { CanaryAnalysisFailedError } from '../canary/errors.ts';
import type { CanaryTickDeps } from '../canary/ports.ts';
import { type CanaryTickResult, runCanaryTick } from '../canary/run-canary-tick.ts';
import type { ExtensionEvent } from '../canary/tick-event.ts';
import { createLogger } from '../runtime/logger.ts';

const logger = createLogger('canary-tick');

export function createCanaryTickHandler(deps: () => CanaryTickDeps) {
  return middy<ExtensionEvent, CanaryTickResult>()
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .handler(async (event) => {
      try {
        const outcome = await runCanaryTick(deps(), event);
        if (outcome.result === 'skipped') logger.info('tick skipped', { why: outcome.why, type: event.Type });
        else
          logger.info('tick judged', {
            environment: outcome.environment,
            deploymentNumber: event.DeploymentNumber,
            verdicts: outcome.analysis.map(
              (entry) => `${entry.promptId}@${entry.candidate} ${entry.metric} ${entry.verdict}`,
            ),
          });
        return outcome;
      } catch (error) {
        if (error instanceof CanaryAnalysisFailedError)
          logger.warn('canary analysis failed: rolling back', {
            deploymentNumber: event.DeploymentNumber,
            reason: error.message,
          });
        throw error;
      }
    });
}

export const handler = createCanaryTickHandler(canaryTickDeps);
