/**
 * `promptops report deployment --env <env> [--number n]`: the deployment verification report. What
 * changed (pins before and after, with the semver bump), who approved each new version, the
 * evaluation runs that admitted them, the rollout timeline, canary analysis verdicts, and each
 * changed prompt's metrics before versus during the rollout (GET /prompts/{id}/metrics).
 */
import type {
  Approval,
  AuditEntry,
  CanaryAnalysisEntry,
  DiffResponse,
  EnvironmentStatusResponse,
  EvaluationSummary,
  ListPage,
  MetricsHistoryResponse,
  RevisionEntry,
  VersionDetails,
} from '../../core/api.ts';
import { describeCanaryEntry } from '../../core/canary.ts';
import type { DeploymentStrategySpec } from '../../core/contracts.ts';
import { type Pin, pinVersions } from '../../core/pins.ts';
import { segment } from '../api-client.ts';
import { CliError } from '../errors.ts';
import { describePin } from '../refs.ts';
import {
  type Block,
  chart,
  format,
  list,
  paragraph,
  type ReportDocument,
  type Section,
  table,
} from './document.ts';
import { fetchMetrics, totalsOf, type VersionTotals, wholeWindowPeriod } from './metrics-series.ts';
import type { ReportApi } from './report-api.ts';
import { rolloutTimeline, type TimelineEntry } from './rollout-timeline.ts';

export interface PromptChange {
  readonly promptId: string;
  readonly before?: Pin;
  readonly after?: Pin;
  /** The semver bump from the version before to the version after, when both are single versions. */
  readonly bump?: DiffResponse['bump'];
  readonly approvals: readonly { readonly version: string; readonly approvals: readonly Approval[] }[];
}

export interface WindowMetrics {
  readonly since: string;
  readonly until: string;
  readonly versions: readonly ({ readonly version: string } & VersionTotals)[];
}

export interface DeploymentReport {
  readonly kind: 'deployment';
  readonly environment: string;
  readonly deploymentNumber: number;
  readonly revision: number;
  readonly strategy: string;
  readonly state: string;
  readonly startedBy: string;
  readonly startedAt: string;
  readonly endedAt?: string;
  readonly reason?: string;
  readonly description?: string;
  readonly generatedAt: string;
  readonly changes: readonly PromptChange[];
  readonly evaluations: readonly (Pick<
    EvaluationSummary,
    'id' | 'state' | 'passRate' | 'threshold' | 'suiteRevision' | 'startedBy' | 'startedAt'
  > & { readonly promptId: string; readonly version: string })[];
  readonly timeline: readonly TimelineEntry[];
  /** Canary analysis as the environment keeps it (for its latest deployment only). */
  readonly analysis: readonly CanaryAnalysisEntry[] | null;
  readonly metrics: readonly {
    readonly promptId: string;
    readonly before: WindowMetrics;
    readonly during: WindowMetrics;
  }[];
}

export interface DeploymentInputs {
  readonly environment: string;
  readonly status: EnvironmentStatusResponse;
  readonly revision: RevisionEntry;
  /** The pins served before it (the last completed revision older than it). */
  readonly previousPins: Readonly<Record<string, Pin>>;
  readonly versions: readonly VersionDetails[];
  readonly diffs: Readonly<Record<string, DiffResponse>>;
  readonly evaluations: readonly (EvaluationSummary & {
    readonly promptId: string;
    readonly version: string;
  })[];
  readonly ending?: {
    readonly at: string;
    readonly state: 'COMPLETE' | 'ROLLED_BACK';
    readonly reason?: string;
  };
  readonly spec?: DeploymentStrategySpec;
  readonly before: Readonly<Record<string, MetricsHistoryResponse>>;
  readonly during: Readonly<Record<string, MetricsHistoryResponse>>;
  readonly now: Date;
}

const samePin = (a: Pin | undefined, b: Pin | undefined) => JSON.stringify(a) === JSON.stringify(b);

export function changedPrompts(
  after: Readonly<Record<string, Pin>>,
  before: Readonly<Record<string, Pin>>,
): string[] {
  return [...new Set([...Object.keys(after), ...Object.keys(before)])]
    .filter((id) => !samePin(after[id], before[id]))
    .sort();
}

/** The revision of deployment `number` (the latest deployment without one) and the pins served before it. */
export function findDeployment(
  status: EnvironmentStatusResponse,
  number: number | undefined,
): { revision: RevisionEntry; previousPins: Readonly<Record<string, Pin>> } {
  const index = status.history.findIndex((r) =>
    number === undefined ? r.deploymentNumber !== undefined : r.deploymentNumber === number,
  );
  const revision = status.history[index];
  if (!revision) {
    throw new CliError(
      number === undefined
        ? `${status.environment} has no deployment yet`
        : `${status.environment} has no deployment number ${number} in its history`,
      { details: [`Its deployments: promptops status --env ${status.environment}`] },
    );
  }
  const previous = status.history.slice(index + 1).find((r) => r.state === 'COMPLETE');
  return { revision, previousPins: previous?.pins ?? {} };
}

/** How many audit pages (newest first) are searched for a deployment's end: older ones show no end time. */
const AUDIT_PAGES = 10;

async function endingEvent(
  api: ReportApi,
  environment: string,
  deploymentNumber: number,
): Promise<AuditEntry | undefined> {
  let cursor: string | undefined;
  for (let page = 0; page < AUDIT_PAGES; page++) {
    const result = await api.get<ListPage<AuditEntry>>('/audit', { environment, limit: '100', cursor });
    const found = result.items.find(
      (e) =>
        (e.action === 'environment.deployment.complete' ||
          e.action === 'environment.deployment.rolled-back') &&
        e.details.deploymentNumber === deploymentNumber,
    );
    if (found || !result.nextCursor) return found;
    cursor = result.nextCursor;
  }
  return undefined;
}

export async function collectDeployment(
  api: ReportApi,
  environment: string,
  number: number | undefined,
  now: Date,
  findSpec: (strategy: string) => DeploymentStrategySpec | undefined,
): Promise<DeploymentInputs> {
  const status = await api.get<EnvironmentStatusResponse>(`/environments/${segment(environment)}`);
  const { revision, previousPins } = findDeployment(status, number);
  const changed = changedPrompts(revision.pins, previousPins);
  const newVersions = changed.flatMap((id) => {
    const pin = revision.pins[id];
    return pin === undefined ? [] : pinVersions(pin).map((version) => ({ id, version }));
  });
  const [versions, diffs, evaluations, endEvent] = await Promise.all([
    Promise.all(
      newVersions.map(({ id, version }) =>
        api.get<VersionDetails>(`/prompts/${segment(id)}/versions/${segment(version)}`),
      ),
    ),
    Promise.all(
      changed.map(async (id) => {
        const [before, after] = [previousPins[id], revision.pins[id]];
        if (typeof before !== 'string' || typeof after !== 'string') return undefined;
        return [
          id,
          await api.get<DiffResponse>(`/prompts/${segment(id)}/diff`, { from: before, to: after }),
        ] as const;
      }),
    ),
    Promise.all(
      Object.entries(revision.evaluations ?? {}).flatMap(([id, byVersion]) =>
        Object.entries(byVersion).map(async ([version, runId]) => ({
          ...(await api.get<EvaluationSummary>(
            `/prompts/${segment(id)}/versions/${segment(version)}/evaluations/${segment(runId)}`,
          )),
          promptId: id,
          version,
        })),
      ),
    ),
    endingEvent(api, environment, revision.deploymentNumber as number),
  ]);
  const deploymentNumber = revision.deploymentNumber as number;
  const live = status.deployment?.number === deploymentNumber ? status.deployment : undefined;

  const ending =
    live?.endedAt && (live.state === 'COMPLETE' || live.state === 'ROLLED_BACK')
      ? { at: live.endedAt, state: live.state, ...(live.reason ? { reason: live.reason } : {}) }
      : endEvent
        ? {
            at: endEvent.at,
            state: endEvent.action.endsWith('complete') ? ('COMPLETE' as const) : ('ROLLED_BACK' as const),
            ...(typeof endEvent.details.reason === 'string' ? { reason: endEvent.details.reason } : {}),
          }
        : undefined;
  const startMs = Date.parse(revision.createdAt);
  const endMs = ending ? Date.parse(ending.at) : now.getTime();
  // The window before is as long as the rollout, at least 15 minutes.
  const span = Math.max(endMs - startMs, 15 * 60_000);
  const windows = {
    before: { since: new Date(startMs - span).toISOString(), until: revision.createdAt },
    during: { since: revision.createdAt, until: new Date(Math.max(endMs, startMs + 60_000)).toISOString() },
  };
  const metricsFor = async (which: 'before' | 'during') =>
    Object.fromEntries(
      await Promise.all(
        changed.map(async (id) => {
          const w = windows[which];
          return [
            id,
            await fetchMetrics(api, id, { environment, ...w, period: wholeWindowPeriod(w.since, w.until) }),
          ] as const;
        }),
      ),
    );
  const [before, during] = await Promise.all([metricsFor('before'), metricsFor('during')]);
  const spec = findSpec(revision.strategy);
  return {
    environment,
    status,
    revision,
    previousPins,
    versions,
    diffs: Object.fromEntries(diffs.filter((d) => d !== undefined)),
    evaluations,
    ...(ending ? { ending } : {}),
    ...(spec ? { spec } : {}),
    before,
    during,
    now,
  };
}

function windowMetrics(response: MetricsHistoryResponse | undefined): WindowMetrics {
  return {
    since: response?.since ?? '',
    until: response?.until ?? '',
    versions: (response?.series ?? []).map((s) => ({ version: s.version, ...totalsOf(s.points) })),
  };
}

export function buildDeployment(inputs: DeploymentInputs): DeploymentReport {
  const { revision, status } = inputs;
  const number = revision.deploymentNumber as number;
  const live = status.deployment?.number === number ? status.deployment : undefined;
  const state = inputs.ending?.state ?? live?.state ?? revision.state;
  const reason = inputs.ending?.reason ?? live?.reason ?? revision.reason;
  const changed = changedPrompts(revision.pins, inputs.previousPins);
  return {
    kind: 'deployment',
    environment: inputs.environment,
    deploymentNumber: number,
    revision: revision.revision,
    strategy: revision.strategy,
    state,
    startedBy: revision.createdBy,
    startedAt: revision.createdAt,
    ...(inputs.ending ? { endedAt: inputs.ending.at } : {}),
    ...(reason ? { reason } : {}),
    ...(revision.description ? { description: revision.description } : {}),
    generatedAt: inputs.now.toISOString(),
    changes: changed.map((promptId) => {
      const before = inputs.previousPins[promptId];
      const after = revision.pins[promptId];
      const bump = inputs.diffs[promptId]?.bump;
      return {
        promptId,
        ...(before !== undefined ? { before } : {}),
        ...(after !== undefined ? { after } : {}),
        ...(bump ? { bump } : {}),
        approvals: (after === undefined ? [] : pinVersions(after)).map((version) => ({
          version,
          approvals: inputs.versions.find((v) => v.id === promptId && v.version === version)?.approvals ?? [],
        })),
      };
    }),
    evaluations: inputs.evaluations.map((e) => ({
      id: e.id,
      promptId: e.promptId,
      version: e.version,
      state: e.state,
      ...(e.passRate !== undefined ? { passRate: e.passRate } : {}),
      threshold: e.threshold,
      suiteRevision: e.suiteRevision,
      startedBy: e.startedBy,
      startedAt: e.startedAt,
    })),
    timeline: rolloutTimeline({
      startedAt: revision.createdAt,
      ...(inputs.ending ? { endedAt: inputs.ending.at } : {}),
      state,
      ...(reason ? { reason } : {}),
      ...(inputs.spec ? { spec: inputs.spec } : {}),
      now: inputs.now,
    }),
    analysis: live?.analysis ?? null,
    metrics: changed.map((promptId) => ({
      promptId,
      before: windowMetrics(inputs.before[promptId]),
      during: windowMetrics(inputs.during[promptId]),
    })),
  };
}

function metricsRows(label: string, w: WindowMetrics) {
  return w.versions.map((v) => [
    label,
    v.version,
    v.calls,
    format.percent(v.errorRate),
    format.ms(v.latencyP50),
    format.ms(v.latencyP99),
    v.ratings > 0 ? format.percent(v.negativeRatings / v.ratings) : '-',
    format.usd(v.calls > 0 ? v.costUsd / v.calls : null),
  ]);
}

export function deploymentDocument(report: DeploymentReport): ReportDocument {
  const metricsSections = report.metrics.map((m): Section => {
    const rows = [...metricsRows('before', m.before), ...metricsRows('during', m.during)];
    const labels = [...new Set([...m.before.versions, ...m.during.versions].map((v) => v.version))];
    const value = (w: WindowMetrics, version: string) =>
      w.versions.find((v) => v.version === version)?.latencyP99 ?? null;
    const blocks: Block[] =
      rows.length === 0
        ? [paragraph('No traffic recorded before or during the rollout.')]
        : [
            table(
              ['Window', 'Version', 'Calls', 'Error rate', 'p50', 'p99', 'Negative feedback', 'Cost/call'],
              rows,
              [2, 3, 4, 5, 6, 7],
            ),
            chart(`${m.promptId}: latency p99 before and during`, {
              type: 'bar',
              labels,
              datasets: [
                { label: 'before', data: labels.map((v) => value(m.before, v)) },
                { label: 'during', data: labels.map((v) => value(m.during, v)) },
              ],
              yTitle: 'ms',
            }),
          ];
    return { heading: m.promptId, blocks };
  });
  return {
    title: `Deployment verification: ${report.environment} deployment ${report.deploymentNumber}`,
    summary: [
      `**${report.state}**${report.reason ? `: ${report.reason}` : ''}. Strategy ${report.strategy}, revision ${report.revision}, started by ${report.startedBy} at ${format.time(report.startedAt)}${report.endedAt ? `, ended ${format.time(report.endedAt)}` : ''}.`,
      ...(report.description ? [report.description] : []),
      `Generated ${report.generatedAt}.`,
    ],
    sections: [
      {
        heading: 'What changed',
        blocks:
          report.changes.length === 0
            ? [paragraph('No pin changed: this deployment served the same prompts again.')]
            : [
                table(
                  ['Prompt', 'Before', 'After', 'Bump', 'Reasons'],
                  report.changes.map((c) => [
                    c.promptId,
                    c.before === undefined ? '-' : describePin(c.before),
                    c.after === undefined ? '(removed)' : describePin(c.after),
                    c.bump?.level ?? '-',
                    c.bump?.reasons.join('; ') ?? '',
                  ]),
                ),
              ],
      },
      {
        heading: 'Approvals',
        blocks: [
          list(
            report.changes.flatMap((c) =>
              c.approvals.map((a) =>
                a.approvals.length === 0
                  ? `${c.promptId}@${a.version}: not approved`
                  : `${c.promptId}@${a.version}: ${a.approvals.map((x) => `${x.by} at ${format.time(x.at)}${x.comment ? ` ("${x.comment}")` : ''}`).join(', ')}`,
              ),
            ),
          ),
        ],
      },
      {
        heading: 'Evaluation runs',
        blocks:
          report.evaluations.length === 0
            ? [
                paragraph(
                  'No evaluation run admitted this deployment (the environment is not gated, or the prompts have no suite).',
                ),
              ]
            : [
                table(
                  [
                    'Prompt',
                    'Version',
                    'Run',
                    'State',
                    'Pass rate',
                    'Threshold',
                    'Suite revision',
                    'Started',
                  ],
                  report.evaluations.map((e) => [
                    e.promptId,
                    e.version,
                    e.id,
                    e.state,
                    format.percent(e.passRate),
                    format.percent(e.threshold),
                    e.suiteRevision,
                    format.time(e.startedAt),
                  ]),
                  [4, 5, 6],
                ),
              ],
      },
      {
        heading: 'Rollout timeline',
        blocks: [
          table(
            ['Time', 'Event', 'Percentage', 'Source'],
            report.timeline.map((t) => [
              format.time(t.at),
              t.reason ? `${t.event}: ${t.reason}` : t.event,
              `${t.percentage}%`,
              t.planned ? 'strategy schedule' : 'recorded',
            ]),
            [2],
          ),
          chart('Share of clients on the new configuration', {
            type: 'line',
            labels: report.timeline.map((t) => format.time(t.at)),
            datasets: [
              { label: 'percentage', data: report.timeline.map((t) => t.percentage), stepped: true },
            ],
            yTitle: '%',
          }),
        ],
      },
      {
        heading: 'Canary analysis',
        blocks:
          report.analysis === null
            ? [paragraph('Not available: the environment keeps the analysis of its latest deployment only.')]
            : report.analysis.length === 0
              ? [
                  paragraph(
                    'No canary analysis ran (the environment is not judged, or no changed prompt had a baseline).',
                  ),
                ]
              : [
                  table(
                    [
                      'Prompt',
                      'Baseline',
                      'Candidate',
                      'Metric',
                      'Baseline value',
                      'Candidate value',
                      'Samples',
                      'p-value',
                      'Verdict',
                    ],
                    report.analysis.map((a) => [
                      a.promptId,
                      a.baseline,
                      a.candidate,
                      a.metric,
                      a.metric === 'latencyP99'
                        ? format.ms(a.baselineValue)
                        : format.percent(a.baselineValue),
                      a.metric === 'latencyP99'
                        ? format.ms(a.candidateValue)
                        : format.percent(a.candidateValue),
                      `${a.samples.baseline} / ${a.samples.candidate}`,
                      format.pValue(a.pValue),
                      a.verdict,
                    ]),
                  ),
                  list(report.analysis.map((a) => describeCanaryEntry(a))),
                ],
      },
      { heading: 'Metrics before and during the rollout', blocks: [], sections: metricsSections },
    ],
  };
}
