/**
 * GET /prompts/{id}/metrics (docs/reports.md): each recent version's time series in one environment,
 * from the EMF metrics apps emit. The window is checked before anything is read; the versions come
 * from the registry (the newest MAX_HISTORY_VERSIONS published by the window's end), the points from
 * the metrics source: CloudWatch GetMetricData on AWS, the local metrics store in local mode.
 */
import type { MetricsHistoryResponse } from '../../src/core/api.ts';
import { BadRequestError, NotFoundError } from '../../src/core/errors.ts';
import { assertPromptId } from '../../src/core/ids.ts';
import {
  MAX_HISTORY_VERSIONS,
  type MetricsHistorySource,
  type MetricsWindowInput,
  metricsWindow,
} from '../../src/core/metrics-history.ts';
import { compareVersions } from '../../src/core/versioning.ts';
import { assertConfiguredEnvironment } from '../feedback/environments.ts';
import type { RegistryDeps } from '../ports.ts';

export interface MetricsHistoryInput extends MetricsWindowInput {
  readonly environment?: string;
}

export async function metricsHistory(
  deps: RegistryDeps,
  source: MetricsHistorySource,
  id: string,
  input: MetricsHistoryInput,
  environments: readonly string[],
): Promise<MetricsHistoryResponse> {
  const promptId = assertPromptId(id);
  if (input.environment === undefined || input.environment === '') {
    const message = 'Query parameter environment is required';
    throw new BadRequestError(message, { errors: [{ path: 'environment', message }] });
  }
  const environment = input.environment;
  assertConfiguredEnvironment(environment, environments);
  const window = metricsWindow(input, deps.now());

  const page = await deps.prompts.listVersions(promptId, { limit: MAX_HISTORY_VERSIONS });
  if (page.items.length === 0) throw new NotFoundError(`Prompt ${promptId} does not exist`);
  const versions = page.items
    .filter((v) => Date.parse(v.createdAt) < window.end.getTime())
    .map((v) => v.version);
  const byVersion =
    versions.length === 0 ? {} : await source.series({ environment, promptId, versions, ...window });
  const series = versions
    .filter((version) => (byVersion[version]?.length ?? 0) > 0)
    .sort((a, b) => compareVersions(b, a))
    .map((version) => ({ version, role: 'primary' as const, points: byVersion[version] ?? [] }));
  return {
    environment,
    since: window.start.toISOString(),
    until: window.end.toISOString(),
    period: window.periodSeconds,
    series,
  };
}
