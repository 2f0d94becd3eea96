/**
 * The metrics an app's use of a prompt produces (the client's `record()`, `POST /metrics`) and the
 * EMF document that carries them: the part of metrics.ts the client library loads, so its bundle
 * holds no feedback metric. metrics.ts re-exports all of it and adds the rest.
 */

export const METRIC_NAMESPACE = 'PromptOps';

export const DIMENSION = {
  environment: 'Environment',
  promptId: 'PromptId',
  promptVersion: 'PromptVersion',
  /** The segment whose pin served (docs/segments.md): per version only, never on the roll-up. */
  segment: 'Segment',
  /**
   * `shadow` on a shadow candidate's outcome (docs/shadows.md), absent on the primary's. Its lines
   * carry only SHADOW_DIMENSION_SETS: never the per-version set or the roll-up the alarms and the
   * canary analysis read.
   */
  role: 'Role',
} as const;

/** Per version, and the environment roll-up that the alarms watch. */
export const DIMENSION_SETS: readonly (readonly string[])[] = [
  [DIMENSION.environment, DIMENSION.promptId, DIMENSION.promptVersion],
  [DIMENSION.environment],
];

export type MetricUnit = 'Count' | 'Milliseconds' | 'None';

export interface MetricDefinition {
  readonly name: string;
  readonly unit: MetricUnit;
}

/** What `record()` writes, in METRICS' order (metrics.ts). */
export const OUTCOME_METRICS = {
  invocations: { name: 'Invocations', unit: 'Count' },
  errors: { name: 'Errors', unit: 'Count' },
  latency: { name: 'Latency', unit: 'Milliseconds' },
  inputTokens: { name: 'InputTokens', unit: 'Count' },
  outputTokens: { name: 'OutputTokens', unit: 'Count' },
  /** US dollars. */
  cost: { name: 'Cost', unit: 'None' },
  /** Quality score 0..1 from the app's own evaluation. */
  score: { name: 'Score', unit: 'None' },
  /** A client served a prompt that did not come from a fresh fetch. */
  staleServes: { name: 'StaleServes', unit: 'Count' },
  /** A client served a version marked deprecated (docs/maintenance.md); emitted only then. */
  deprecatedServes: { name: 'DeprecatedServes', unit: 'Count' },
} as const satisfies Record<string, MetricDefinition>;

/** The one role a line names; a primary's line names none. */
export type MetricRole = 'shadow';

export interface MetricDimensions {
  readonly environment: string;
  readonly promptId: string;
  readonly promptVersion: string;
  /** The segment whose pin served, when one did (docs/segments.md). */
  readonly segment?: string | undefined;
  /** `shadow` for a shadow candidate's outcome (docs/shadows.md); the segment is then ignored. */
  readonly role?: MetricRole | undefined;
}

/** What happened when an app used a prompt (the client's `record()`, `POST /metrics`). Every field is optional. */
export interface Outcome {
  /** Model call latency in milliseconds. */
  readonly latencyMs?: number;
  readonly inputTokens?: number;
  readonly outputTokens?: number;
  /** Cost of the call in US dollars. */
  readonly costUsd?: number;
  /** The call failed (counted in Errors, the error rate alarm's numerator). */
  readonly error?: boolean;
  /** The app's own quality score, 0..1. */
  readonly score?: number;
}

/** One use of a prompt as metrics: Invocations 1, Errors 0 or 1, and the outcome's figures. */
export function outcomeMetrics(outcome: Outcome): Partial<Record<keyof typeof OUTCOME_METRICS, number>> {
  return {
    invocations: 1,
    errors: outcome.error ? 1 : 0,
    latency: outcome.latencyMs,
    inputTokens: outcome.inputTokens,
    outputTokens: outcome.outputTokens,
    cost: outcome.costUsd,
    score: outcome.score,
  };
}

/**
 * With a segment, a third set: per version and segment. The two sets above stay as they are, so the
 * per-version figures still count every call and the roll-up the alarms read keeps its cardinality.
 */
const SEGMENT_DIMENSION_SETS: readonly (readonly string[])[] = [
  ...DIMENSION_SETS,
  [DIMENSION.environment, DIMENSION.promptId, DIMENSION.promptVersion, DIMENSION.segment],
];

/**
 * A shadow candidate's lines: per version and role only. Not the per-version set (which the canary
 * analysis and the dashboard's per-version graphs read) nor the environment roll-up (which the
 * rollback alarms read), so neither ever counts a shadow run.
 */
export const SHADOW_DIMENSION_SETS: readonly (readonly string[])[] = [
  [DIMENSION.environment, DIMENSION.promptId, DIMENSION.promptVersion, DIMENSION.role],
];

interface EmfMetric {
  readonly Name: string;
  readonly Unit: MetricUnit;
}

/** One EMF document (one log line once stringified) for one prompt version, `values` named in `definitions`. */
export function emfDocumentOf<K extends string>(
  definitions: Readonly<Record<K, MetricDefinition>>,
  dimensions: MetricDimensions,
  values: Partial<Record<K, number>>,
  timestamp: number,
): Record<string, unknown> {
  const metrics: EmfMetric[] = [];
  const doc: Record<string, unknown> = {
    _aws: {
      Timestamp: timestamp,
      CloudWatchMetrics: [
        {
          Namespace: METRIC_NAMESPACE,
          Dimensions:
            dimensions.role !== undefined
              ? SHADOW_DIMENSION_SETS
              : dimensions.segment === undefined
                ? DIMENSION_SETS
                : SEGMENT_DIMENSION_SETS,
          Metrics: metrics,
        },
      ],
    },
    [DIMENSION.environment]: dimensions.environment,
    [DIMENSION.promptId]: dimensions.promptId,
    [DIMENSION.promptVersion]: dimensions.promptVersion,
  };
  if (dimensions.role !== undefined) doc[DIMENSION.role] = dimensions.role;
  else if (dimensions.segment !== undefined) doc[DIMENSION.segment] = dimensions.segment;
  for (const key of Object.keys(values) as K[]) {
    const value = values[key];
    if (typeof value !== 'number' || !Number.isFinite(value)) continue;
    const def = definitions[key];
    metrics.push({ Name: def.name, Unit: def.unit });
    doc[def.name] = value;
  }
  return doc;
}
