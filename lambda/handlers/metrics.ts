/** POST /metrics: outcome records from apps that do not run on Lambda, emitted as EMF lines. */
import type { MetricsAccepted } from '../../src/core/api.ts';
import { metricsDeps } from '../feedback/metrics-deps.ts';
import { recordMetrics } from '../feedback/record-metrics.ts';
import type { MetricsDeps } from '../ports.ts';
import { configuredEnvironments } from '../runtime/config.ts';
import { jsonResponse } from '../runtime/http.ts';
import { httpHandler } from '../runtime/http-handler.ts';
import { createLogger } from '../runtime/logger.ts';
import { parseMetricsBody } from '../schemas/feedback.ts';

const logger = createLogger('metrics');

export function createMetricsHandler(deps: () => MetricsDeps) {
  return httpHandler(
    async (event) => {
      const { records } = parseMetricsBody(event.jsonBody);
      const result = recordMetrics(deps(), records, configuredEnvironments());
      logger.debug('metrics accepted', { records: result.accepted });
      return jsonResponse(202, result satisfies MetricsAccepted);
    },
    { logger, body: {} },
  );
}

export const handler = createMetricsHandler(metricsDeps);
