/**
 * Consumes AppConfig deployment events from EventBridge (the AWS AppConfig deployment events to
 * Amazon EventBridge extension: start, complete, rolled back) and records each ending in the
 * environment state and the audit log, automatic rollbacks and their alarm included. The event only
 * says which deployment changed; its state is read from AppConfig, so a redelivered or out-of-order
 * event changes nothing.
 */
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { EventBridgeEvent } from 'aws-lambda';
import { environmentNameOf } from '../delivery/config.ts';
import { type DeliveryDeps, deliveryDeps } from '../delivery/deps.ts';
import { applyDeploymentInfo, type OutcomeResult } from '../delivery/outcome.ts';
import { createLogger } from '../runtime/logger.ts';

const logger = createLogger('deployment-events');

export interface DeploymentReference {
  readonly applicationId?: string;
  readonly environmentId: string;
  readonly deploymentNumber: number;
}

function idOf(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'object' && value !== null) {
    const id = (value as { Id?: unknown; id?: unknown }).Id ?? (value as { id?: unknown }).id;
    return typeof id === 'string' ? id : undefined;
  }
  return undefined;
}

/** The deployment an event is about, from the extension's detail (PascalCase or camelCase fields). */
export function deploymentReference(
  detail: Record<string, unknown> | undefined,
): DeploymentReference | undefined {
  if (!detail) return undefined;
  const environmentId = idOf(
    detail.Environment ?? detail.EnvironmentId ?? detail.environmentId ?? detail.environment,
  );
  const rawNumber = detail.DeploymentNumber ?? detail.deploymentNumber;
  const deploymentNumber = typeof rawNumber === 'string' ? Number(rawNumber) : rawNumber;
  if (!environmentId || typeof deploymentNumber !== 'number' || !Number.isInteger(deploymentNumber))
    return undefined;
  const applicationId = idOf(
    detail.Application ?? detail.ApplicationId ?? detail.applicationId ?? detail.application,
  );
  return { environmentId, deploymentNumber, ...(applicationId ? { applicationId } : {}) };
}

export function createDeploymentEventsHandler(deps: () => DeliveryDeps) {
  return middy<EventBridgeEvent<string, Record<string, unknown>>, { result: OutcomeResult | 'ignored' }>()
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .handler(async (event) => {
      const { config, delivery } = deps();
      const reference = deploymentReference(event.detail);
      if (!reference || (reference.applicationId && reference.applicationId !== config.applicationId)) {
        logger.info('event ignored: not a deployment of this application', {
          detailType: event['detail-type'],
        });
        return { result: 'ignored' };
      }
      const environment = environmentNameOf(config, reference.environmentId);
      if (!environment) {
        logger.info('event ignored: unknown environment', { environmentId: reference.environmentId });
        return { result: 'ignored' };
      }
      const info = await delivery.getDeployment(reference.environmentId, reference.deploymentNumber);
      const result = await applyDeploymentInfo(deps(), environment, info, { requestId: event.id });
      logger.info('deployment event recorded', {
        environment,
        deploymentNumber: info.number,
        state: info.state,
        result,
        detailType: event['detail-type'],
      });
      return { result };
    });
}

export const handler = createDeploymentEventsHandler(deliveryDeps);
