/** The evaluation routes' dependencies on AWS: the shared stores and the Lambda launcher of the worker. */
import { LambdaClient } from '@aws-sdk/client-lambda';
import { requiredResource } from '../../src/core/handler-environment.ts';
import { LambdaEvaluationLauncher } from '../adapters/evaluation-launcher.ts';
import { handlerEnvironment } from '../runtime/config.ts';
import { buildEvaluationDeps, resourcesFromEnvironment } from './deps.ts';
import type { EvaluationDeps } from './ports.ts';

let deps: EvaluationDeps | undefined;

export function evaluationDeps(): EvaluationDeps {
  deps ??= buildEvaluationDeps({
    ...resourcesFromEnvironment(),
    launcher: new LambdaEvaluationLauncher(
      new LambdaClient({}),
      requiredResource(handlerEnvironment(), 'evaluationFunction'),
    ),
  });
  return deps;
}
