/**
 * `promptops report release-plan <id>@<version> --env <env>`: the deployment checklist before a
 * release. Lint, approvals, the latest evaluation run against the current suite, the diff from what
 * the environment runs now with the semver bump, the strategy and its expected timeline, the alarms
 * and canary checks that guard it, and the rollback path. Its gates are the deploy route's (docs/api.md):
 * when one would refuse the deploy, the command exits 1.
 */

import { rollbackAlarmRules } from '../../core/alarms.ts';
import type {
  Approval,
  DiffResponse,
  EnvironmentStatusResponse,
  EvalSuiteResponse,
  EvaluationSummary,
  PromptDetails,
  VersionDetails,
} from '../../core/api.ts';
import type { DeploymentStrategySpec } from '../../core/contracts.ts';
import { type LintFinding, lintDocument } from '../../core/lint/index.ts';
import { type Pin, pinVariants } from '../../core/pins.ts';
import { defaultStrategyFor, findStrategy, type PromptOpsSettings } from '../../core/settings.ts';
import { segment } from '../api-client.ts';
import { ApiError } from '../errors.ts';
import { describePin } from '../refs.ts';
import { chart, format, list, paragraph, type ReportDocument, table } from './document.ts';
import type { ProjectSettings } from './project-settings.ts';
import type { ReportApi } from './report-api.ts';
import { strategySteps } from './rollout-timeline.ts';

export interface Gate {
  readonly name: 'lint' | 'approval' | 'evaluation' | 'no-deployment-in-progress';
  readonly passed: boolean;
  readonly detail: string;
}

export interface PlannedStep {
  readonly atMinutes: number;
  readonly percentage: number;
}

export interface ReleasePlan {
  readonly kind: 'release-plan';
  readonly promptId: string;
  readonly version: string;
  readonly environment: string;
  readonly generatedAt: string;
  /** Where the gate settings come from. */
  readonly settingsSource: ProjectSettings['source'];
  readonly lint: {
    readonly errorCount: number;
    readonly warningCount: number;
    readonly findings: readonly LintFinding[];
  };
  readonly approvals: readonly Approval[];
  readonly evaluation: {
    readonly suiteRevision: number | null;
    /** The latest run of this version against the current suite with the suite's own provider. */
    readonly run: EvaluationSummary | null;
  };
  readonly current: Pin | null;
  readonly diff: {
    readonly from: string;
    readonly unified: string;
    readonly bump: DiffResponse['bump'];
  } | null;
  readonly strategy: {
    readonly name: string;
    readonly spec: DeploymentStrategySpec | null;
    readonly steps: readonly PlannedStep[];
    readonly totalMinutes: number | null;
  };
  readonly guards: {
    readonly alarms: readonly { readonly name: string; readonly description: string }[];
    readonly canary: {
      readonly enabled: boolean;
      readonly checks: readonly string[];
    };
  };
  readonly rollback: { readonly restores: Pin | null; readonly command: string };
  readonly gates: readonly Gate[];
  /** Every gate passes: the deploy would be accepted. */
  readonly ready: boolean;
}

export interface ReleasePlanInputs {
  readonly promptId: string;
  readonly version: string;
  readonly environment: string;
  readonly strategy?: string;
  readonly details: VersionDetails;
  readonly prompt: PromptDetails;
  readonly status: EnvironmentStatusResponse;
  readonly suite: EvalSuiteResponse | null;
  readonly evaluations: readonly EvaluationSummary[];
  readonly diff: DiffResponse | null;
  readonly settings: ProjectSettings;
  readonly now: Date;
}

/** The version a pin mostly serves: the one a diff is taken from. */
function mainVersion(pin: Pin): string {
  return [...pinVariants(pin)].sort((a, b) => b.weight - a.weight)[0]?.version as string;
}

async function suiteOf(api: ReportApi, promptId: string): Promise<EvalSuiteResponse | null> {
  try {
    return await api.get<EvalSuiteResponse>(`/prompts/${segment(promptId)}/eval-suite`);
  } catch (error) {
    if (error instanceof ApiError && error.problem.status === 404) return null;
    throw error;
  }
}

export async function collectReleasePlan(
  api: ReportApi,
  ref: { promptId: string; version: string; environment: string; strategy?: string },
  settings: ProjectSettings,
  now: Date,
): Promise<ReleasePlanInputs> {
  const base = `/prompts/${segment(ref.promptId)}`;
  const [details, prompt, status, suite, evaluations] = await Promise.all([
    api.get<VersionDetails>(`${base}/versions/${segment(ref.version)}`),
    api.get<PromptDetails>(base),
    api.get<EnvironmentStatusResponse>(`/environments/${segment(ref.environment)}`),
    suiteOf(api, ref.promptId),
    api.get<{ items: EvaluationSummary[] }>(`${base}/versions/${segment(ref.version)}/evaluations`),
  ]);
  const current = prompt.environments[ref.environment];
  const from = current === undefined ? undefined : mainVersion(current);
  const diff =
    from === undefined || from === ref.version
      ? null
      : await api.get<DiffResponse>(`${base}/diff`, { from, to: ref.version });
  return {
    ...ref,
    details,
    prompt,
    status,
    suite,
    evaluations: evaluations.items,
    diff,
    settings,
    now,
  };
}

function plannedSteps(spec: DeploymentStrategySpec): PlannedStep[] {
  const steps = strategySteps(spec);
  const minutes = spec.deploymentDurationInMinutes;
  return steps.map((percentage, i) => ({
    atMinutes: minutes <= 0 ? 0 : Math.round(((minutes * (i + 1)) / steps.length) * 100) / 100,
    percentage,
  }));
}

function canaryChecks(settings: PromptOpsSettings): string[] {
  const p = settings.canaryMaxPValue;
  const n = settings.canaryMinSamples;
  return [
    `error rate: rolls back when significantly above the version it replaces (p < ${p}) by more than ${Math.round(settings.canaryErrorRateMargin * 1000) / 10} points, with at least ${n} calls on each side`,
    `negative feedback: rolls back when significantly above (p < ${p}) by more than ${Math.round(settings.canaryNegativeFeedbackMargin * 1000) / 10} points, with at least ${n} ratings on each side`,
    `latency: rolls back when the p99 exceeds ${settings.canaryLatencyRatio} times the baseline's`,
  ];
}

export function buildReleasePlan(inputs: ReleasePlanInputs): ReleasePlan {
  const { settings } = inputs.settings;
  const env = inputs.environment;
  const lint = lintDocument(inputs.details.document);
  const current = inputs.prompt.environments[env] ?? null;
  const isProtected = settings.protectedEnvironments.includes(env);
  const gated = settings.evalGatedEnvironments.includes(env);
  const suiteRevision = inputs.suite?.revision ?? null;
  const run =
    inputs.evaluations.find(
      (e) =>
        suiteRevision !== null &&
        e.suiteRevision === suiteRevision &&
        e.providerOverride !== true &&
        e.state !== 'RUNNING',
    ) ?? null;
  const strategyName =
    inputs.strategy ??
    settings.defaultStrategies[env] ??
    defaultStrategyFor(env, settings.protectedEnvironments);
  const spec = findStrategy(settings, strategyName) ?? null;
  const deployment = inputs.status.deployment;
  const busy = deployment !== null && (deployment.state === 'DEPLOYING' || deployment.state === 'BAKING');

  const gates: Gate[] = [
    {
      name: 'lint',
      passed: lint.errorCount === 0,
      detail:
        lint.errorCount === 0 ? `no errors (${lint.warningCount} warnings)` : `${lint.errorCount} errors`,
    },
    {
      name: 'approval',
      passed: !isProtected || inputs.details.approvals.length > 0,
      detail: !isProtected
        ? `${env} is not protected: no approval needed`
        : inputs.details.approvals.length > 0
          ? `approved by ${inputs.details.approvals.map((a) => a.by).join(', ')}`
          : `${env} is protected and ${inputs.version} has no approval: promptops approve ${inputs.promptId}@${inputs.version}`,
    },
    {
      name: 'evaluation',
      passed: !gated || (suiteRevision === null && !settings.requireEvalSuite) || run?.state === 'PASSED',
      detail: !gated
        ? `${env} has no release gate`
        : suiteRevision === null
          ? settings.requireEvalSuite
            ? `${env} requires a suite and ${inputs.promptId} has none`
            : `${inputs.promptId} has no suite: not gated`
          : run === null
            ? `no run against suite revision ${suiteRevision}: promptops eval ${inputs.promptId}@${inputs.version} --wait`
            : `run ${run.id} ${run.state} (${format.percent(run.passRate)} against ${format.percent(run.threshold)})`,
    },
    {
      name: 'no-deployment-in-progress',
      passed: !busy,
      detail:
        busy && deployment
          ? `deployment ${deployment.number} is ${deployment.state} at ${deployment.percentage}%`
          : 'the environment is idle',
    },
  ];
  return {
    kind: 'release-plan',
    promptId: inputs.promptId,
    version: inputs.version,
    environment: env,
    generatedAt: inputs.now.toISOString(),
    settingsSource: inputs.settings.source,
    lint: { errorCount: lint.errorCount, warningCount: lint.warningCount, findings: lint.findings },
    approvals: inputs.details.approvals,
    evaluation: { suiteRevision, run },
    current,
    diff: inputs.diff
      ? { from: inputs.diff.from, unified: inputs.diff.unified, bump: inputs.diff.bump }
      : null,
    strategy: {
      name: strategyName,
      spec,
      steps: spec ? plannedSteps(spec) : [],
      totalMinutes: spec ? spec.deploymentDurationInMinutes + spec.finalBakeTimeInMinutes : null,
    },
    guards: {
      alarms: rollbackAlarmRules(settings).map((rule) => ({
        name: rule.name,
        description: rule.description,
      })),
      canary: {
        enabled: settings.canaryAnalysis.includes(env),
        checks: settings.canaryAnalysis.includes(env) ? canaryChecks(settings) : [],
      },
    },
    rollback: {
      restores: current,
      command: `promptops rollback --env ${env} ${inputs.promptId}`,
    },
    gates,
    ready: gates.every((g) => g.passed),
  };
}

export function releasePlanDocument(plan: ReleasePlan): ReportDocument {
  const tick = (passed: boolean) => (passed ? 'pass' : '**FAIL**');
  const spec = plan.strategy.spec;
  return {
    title: `Release plan: ${plan.promptId}@${plan.version} to ${plan.environment}`,
    summary: [
      plan.ready
        ? '**Ready**: every gate passes; the deploy would be accepted.'
        : `**Not ready**: ${plan.gates
            .filter((g) => !g.passed)
            .map((g) => g.name)
            .join(', ')} would refuse the deploy.`,
      `Gates as ${plan.settingsSource === 'cdk.json' ? "this project's cdk.json configures them" : 'the defaults configure them (no cdk.json here)'}. Generated ${plan.generatedAt}.`,
    ],
    sections: [
      {
        heading: 'Checklist',
        blocks: [
          table(
            ['Gate', 'Result', 'Detail'],
            plan.gates.map((g) => [g.name, tick(g.passed), g.detail]),
          ),
        ],
      },
      {
        heading: 'Lint',
        blocks:
          plan.lint.findings.length === 0
            ? [paragraph('No findings.')]
            : [
                table(
                  ['Line', 'Severity', 'Rule', 'Message'],
                  plan.lint.findings.map((f) => [f.line ?? '', f.severity, f.rule, f.message]),
                ),
              ],
      },
      {
        heading: 'Approvals',
        blocks: [
          plan.approvals.length === 0
            ? paragraph('None yet.')
            : list(
                plan.approvals.map(
                  (a) => `${a.by} at ${format.time(a.at)}${a.comment ? `: "${a.comment}"` : ''}`,
                ),
              ),
        ],
      },
      {
        heading: 'Evaluation',
        blocks: [
          paragraph(
            plan.evaluation.suiteRevision === null
              ? 'The prompt has no evaluation suite.'
              : plan.evaluation.run === null
                ? `No run of ${plan.version} against suite revision ${plan.evaluation.suiteRevision} yet.`
                : `Run ${plan.evaluation.run.id}: **${plan.evaluation.run.state}**, ${format.percent(plan.evaluation.run.passRate)} of tests passed (threshold ${format.percent(plan.evaluation.run.threshold)}), suite revision ${plan.evaluation.run.suiteRevision}, started by ${plan.evaluation.run.startedBy} at ${format.time(plan.evaluation.run.startedAt)}.`,
          ),
        ],
      },
      {
        heading: 'Change',
        blocks: [
          paragraph(
            plan.current === null
              ? `${plan.environment} does not run ${plan.promptId} yet: this release adds it.`
              : `${plan.environment} runs ${describePin(plan.current)} now.`,
          ),
          ...(plan.diff
            ? [
                list([`Bump from ${plan.diff.from}: **${plan.diff.bump.level}**`, ...plan.diff.bump.reasons]),
                { kind: 'code' as const, language: 'diff', text: plan.diff.unified },
              ]
            : []),
        ],
      },
      {
        heading: `Strategy: ${plan.strategy.name}`,
        blocks: spec
          ? [
              paragraph(
                `${spec.growthType.toLowerCase()} growth by ${spec.growthFactor}% over ${spec.deploymentDurationInMinutes} minutes, then a ${spec.finalBakeTimeInMinutes}-minute bake: complete after about ${plan.strategy.totalMinutes} minutes when no alarm or canary check fires.`,
              ),
              table(
                ['Minute', 'Percentage'],
                plan.strategy.steps.map((s) => [s.atMinutes, `${s.percentage}%`]),
                [0, 1],
              ),
              chart('Expected rollout', {
                type: 'line',
                labels: [
                  '0',
                  ...plan.strategy.steps.map((s) => String(s.atMinutes)),
                  String(plan.strategy.totalMinutes),
                ],
                datasets: [
                  {
                    label: 'percentage',
                    data: [0, ...plan.strategy.steps.map((s) => s.percentage), 100],
                    stepped: true,
                  },
                ],
                yTitle: '%',
              }),
            ]
          : [
              paragraph(
                `${plan.strategy.name} is not a strategy this project knows: its timeline is as configured in AppConfig.`,
              ),
            ],
      },
      {
        heading: 'Guards',
        blocks: [
          paragraph(
            "These alarms are the environment's AppConfig monitors: any of them in ALARM during the rollout or bake rolls it back.",
          ),
          list(plan.guards.alarms.map((a) => `${a.name}: ${a.description}`)),
          paragraph(
            plan.guards.canary.enabled
              ? 'Canary analysis judges the new version against the one it replaces:'
              : `Canary analysis does not judge ${plan.environment}.`,
          ),
          list(plan.guards.canary.checks),
        ],
      },
      {
        heading: 'Rollback',
        blocks: [
          paragraph(
            plan.rollback.restores === null
              ? `Rolling back deploys the environment's previous revision again, which does not pin ${plan.promptId}.`
              : `Rolling back restores ${describePin(plan.rollback.restores)}.`,
          ),
          { kind: 'code', language: 'sh', text: plan.rollback.command },
        ],
      },
    ],
  };
}
