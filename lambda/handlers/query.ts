/**
 * Every GET route of the registry: prompts, versions, documents, diffs, the audit log and metrics
 * history, the shadow comparison (docs/shadows.md), and the library-maintenance reports (similar prompts, review-due; docs/maintenance.md).
 */
import { BadRequestError, displayValue, NotFoundError } from '../../src/core/errors.ts';
import { assertEnvironmentName, assertPromptId } from '../../src/core/ids.ts';
import type { MetricsHistorySource } from '../../src/core/metrics-history.ts';
import { mergeModelRetirements } from '../../src/core/model-retirements.ts';
import { listFeedbackItems } from '../feedback/feedback-items.ts';
import { feedbackItemReader } from '../feedback/items-deps.ts';
import { reviewDueReport } from '../maintenance/review-due.ts';
import { findSimilarPrompts, parseThreshold } from '../maintenance/similar-prompts.ts';
import type { FeedbackItemReader, RegistryDeps } from '../ports.ts';
import { registryDeps } from '../registry/deps.ts';
import { metricsHistory } from '../registry/metrics-history.ts';
import { cloudWatchMetricsHistory } from '../registry/metrics-history-deps.ts';
import {
  diffVersions,
  getPrompt,
  getVersion,
  listAudit,
  listPrompts,
  listVersions,
} from '../registry/queries.ts';
import { auditEntry, versionDetails, versionSummary } from '../registry/responses.ts';
import { type EnvironmentPinsReader, shadowReport } from '../registry/shadow-report.ts';
import { environmentPinsReader } from '../registry/shadow-report-deps.ts';
import { configuredEnvironments, handlerEnvironment } from '../runtime/config.ts';
import {
  type ApiEvent,
  type ApiResult,
  jsonResponse,
  pathParameter,
  queryParameter,
} from '../runtime/http.ts';
import { httpHandler } from '../runtime/http-handler.ts';
import { createLogger } from '../runtime/logger.ts';
import { pageRequest, requiredQueryParameter } from '../runtime/query.ts';
import { type RouteTable, routeTable } from '../runtime/route-table.ts';

const logger = createLogger('query');

type QueryRoute = (event: ApiEvent) => Promise<ApiResult>;

function routesFor(
  deps: () => RegistryDeps,
  history: () => MetricsHistorySource,
  feedback: () => FeedbackItemReader,
  environmentPins: () => EnvironmentPinsReader,
): RouteTable<QueryRoute> {
  return routeTable<'query', QueryRoute>('query', {
    'GET /prompts': async (event) => {
      const similarTo = queryParameter(event, 'similar-to');
      const include = queryParameter(event, 'include');
      if (include !== undefined && include !== 'archived')
        throw new BadRequestError(
          `include ${displayValue(include)} is not known: the one value is "archived"`,
        );
      if (similarTo !== undefined) {
        const threshold = parseThreshold(queryParameter(event, 'threshold'));
        return jsonResponse(200, await findSimilarPrompts(deps(), similarTo, threshold));
      }
      return jsonResponse(
        200,
        await listPrompts(deps(), pageRequest(event), { includeArchived: include === 'archived' }),
      );
    },

    'GET /prompts/{id}': async (event) =>
      jsonResponse(200, await getPrompt(deps(), pathParameter(event, 'id'), configuredEnvironments())),

    'GET /prompts/{id}/versions': async (event) => {
      const page = await listVersions(deps(), pathParameter(event, 'id'), pageRequest(event));
      return jsonResponse(200, { ...page, items: page.items.map(versionSummary) });
    },

    'GET /prompts/{id}/versions/{version}': async (event) =>
      jsonResponse(
        200,
        versionDetails(await getVersion(deps(), pathParameter(event, 'id'), pathParameter(event, 'version'))),
      ),

    'GET /prompts/{id}/diff': async (event) =>
      jsonResponse(
        200,
        await diffVersions(
          deps(),
          pathParameter(event, 'id'),
          requiredQueryParameter(event, 'from'),
          requiredQueryParameter(event, 'to'),
        ),
      ),

    'GET /audit': async (event) => {
      const promptId = queryParameter(event, 'promptId');
      const environment = queryParameter(event, 'environment');
      const query = {
        ...(promptId !== undefined ? { promptId: assertPromptId(promptId, 'promptId') } : {}),
        ...(environment !== undefined ? { environment: assertEnvironmentName(environment) } : {}),
      };
      const page = await listAudit(deps(), query, pageRequest(event));
      return jsonResponse(200, { ...page, items: page.items.map(auditEntry) });
    },

    'GET /prompts/{id}/metrics': async (event) => {
      const param = (name: string) => queryParameter(event, name);
      const input = {
        environment: param('environment'),
        since: param('since'),
        until: param('until'),
        period: param('period'),
      };
      const defined = Object.fromEntries(Object.entries(input).filter(([, v]) => v !== undefined));
      return jsonResponse(
        200,
        await metricsHistory(
          deps(),
          history(),
          pathParameter(event, 'id'),
          defined,
          configuredEnvironments(),
        ),
      );
    },

    'GET /prompts/{id}/feedback/items': async (event) => {
      const names = [
        'environment',
        'version',
        'since',
        'until',
        'rating',
        'commented',
        'segment',
        'limit',
        'cursor',
      ];
      const input = Object.fromEntries(
        names.flatMap((name) => {
          const value = queryParameter(event, name);
          return value === undefined ? [] : [[name, value]];
        }),
      );
      return jsonResponse(
        200,
        await listFeedbackItems(
          { feedback: feedback(), prompts: deps().prompts },
          pathParameter(event, 'id'),
          input,
          configuredEnvironments(),
        ),
      );
    },

    'GET /prompts/{id}/shadow': async (event) => {
      const input = Object.fromEntries(
        ['environment', 'since', 'until', 'version'].flatMap((name) => {
          const value = queryParameter(event, name);
          return value === undefined ? [] : [[name, value]];
        }),
      );
      return jsonResponse(
        200,
        await shadowReport(
          history(),
          environmentPins(),
          pathParameter(event, 'id'),
          input,
          configuredEnvironments(),
          deps().now(),
        ),
      );
    },

    'GET /review-due': async () => {
      const { settings } = handlerEnvironment();
      return jsonResponse(
        200,
        await reviewDueReport(deps(), {
          environments: settings.environments,
          reviewEveryDays: settings.reviewEveryDays,
          retirements: mergeModelRetirements(settings.modelRetirements),
        }),
      );
    },
  });
}

/**
 * `history` is where metrics come from: CloudWatch by default, local mode's metrics store locally;
 * `feedback` is where feedback items are read: the feedback table named in the environment by default;
 * `environmentPins` where the shadow report finds an environment's pins: the main table by default.
 */
export function createQueryHandler(
  deps: () => RegistryDeps,
  history: () => MetricsHistorySource = cloudWatchMetricsHistory,
  feedback: () => FeedbackItemReader = feedbackItemReader,
  environmentPins: () => EnvironmentPinsReader = environmentPinsReader,
) {
  const routes = routesFor(deps, history, feedback, environmentPins);
  return httpHandler(
    async (event) => {
      const route = routes.find(event.routeKey);
      if (!route) {
        if (event.requestContext?.http?.method !== 'GET')
          throw new BadRequestError('This function serves GET routes only');
        throw new NotFoundError(`No route ${event.routeKey}`);
      }
      return route(event);
    },
    { logger },
  );
}

export const handler = createQueryHandler(registryDeps);
