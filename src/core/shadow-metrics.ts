/**
 * Metrics of shadow candidates (docs/shadows.md): the outcome of a shadow call carries the dimension
 * Role=shadow and only the per-version set with it, never the per-version set canary analysis reads
 * nor the environment roll-up the rollback alarms watch. A primary outcome is written as before.
 */
import type { MetricRole } from './api.ts';
import { DIMENSION, emfDocument, type MetricDimensions, type MetricValues } from './metrics.ts';

/** The dimension naming whose call a metric is about; only shadow metrics carry it. */
export const ROLE_DIMENSION = 'Role';
export const SHADOW_ROLE: MetricRole = 'shadow';

/** The one dimension set of a shadow outcome. */
export const SHADOW_DIMENSION_SET: readonly string[] = [
  DIMENSION.environment,
  DIMENSION.promptId,
  DIMENSION.promptVersion,
  ROLE_DIMENSION,
];

/** Whether a role is one POST /metrics takes. */
export function isMetricRole(value: unknown): value is MetricRole {
  return value === 'primary' || value === 'shadow';
}

/** One EMF document for one outcome of `role`: a primary one as emfDocument writes it. */
export function roleEmfDocument(
  dimensions: MetricDimensions,
  values: MetricValues,
  timestamp: number,
  role: MetricRole = 'primary',
): Record<string, unknown> {
  if (role === 'primary') return emfDocument(dimensions, values, timestamp);
  // The segment is left out: the shadow runs beside whichever pin served, so it has no segment of its own.
  const { segment: _segment, ...rest } = dimensions;
  const doc = emfDocument(rest, values, timestamp) as {
    _aws: { CloudWatchMetrics: { Dimensions: unknown }[] };
  };
  for (const directive of doc._aws.CloudWatchMetrics) directive.Dimensions = [SHADOW_DIMENSION_SET];
  return { ...doc, [ROLE_DIMENSION]: SHADOW_ROLE };
}

/** Whether an EMF document is a shadow outcome (local mode keeps those apart from the roll-up). */
export function isShadowDocument(doc: Readonly<Record<string, unknown>>): boolean {
  return doc[ROLE_DIMENSION] === SHADOW_ROLE;
}
