/**
 * Following a deployment until it ends: polls GET /environments/{env} and shows the percentage, then
 * the bake, on a bar (terminal) or one line per change (CI). Used by `deploy --wait` and
 * `rollback --wait`.
 */

import type { CanaryAnalysisEntry, DeploymentState, EnvironmentStatusResponse } from '../core/api.ts';
import { describeCanaryEntry } from '../core/canary.ts';
import { type ApiClient, segment } from './api-client.ts';
import type { CommandContext } from './context.ts';
import { CliError, EXIT, type ExitCode } from './errors.ts';
import { formatElapsed, rolloutReporter } from './progress.ts';

export interface WaitOptions {
  /** Seconds between polls. */
  readonly interval: number;
  /** Seconds before giving up (the deployment continues). */
  readonly timeout?: number;
}

export interface RolloutOutcome {
  readonly environment: string;
  readonly deploymentNumber: number;
  readonly state: DeploymentState;
  readonly percentage: number;
  readonly strategy?: string;
  readonly revision: number;
  readonly reason?: string;
  /** The alarm that rolled it back, when an alarm did. */
  readonly alarm?: string;
  /** The canary analysis as last seen (docs/canary-analysis.md). */
  readonly analysis?: readonly CanaryAnalysisEntry[];
  readonly elapsedSeconds: number;
}

const ALARM_ARN = /arn:aws[\w-]*:cloudwatch:[\w-]+:\d+:alarm:([^\s,;)]+)/;

/** The alarm named in AppConfig's rollback reason, when there is one. */
export function alarmOfReason(reason: string | undefined): string | undefined {
  const match = reason ? ALARM_ARN.exec(reason) : null;
  return match?.[1]?.replace(/[.:]$/, '');
}

export function isRunning(state: string): boolean {
  return state === 'DEPLOYING' || state === 'BAKING';
}

interface Observed {
  readonly state: DeploymentState;
  readonly percentage: number;
  readonly strategy?: string;
  readonly revision: number;
  readonly reason?: string;
  readonly analysis?: readonly CanaryAnalysisEntry[];
}

/** What the status says about deployment `number`; undefined while it does not show it yet. */
export function observe(status: EnvironmentStatusResponse, number: number): Observed | undefined {
  const d = status.deployment;
  if (d && d.number === number) {
    return {
      state: d.state,
      percentage: d.percentage,
      strategy: d.strategy,
      revision: d.revision,
      ...(d.reason ? { reason: d.reason } : {}),
      ...(d.analysis ? { analysis: d.analysis } : {}),
    };
  }
  // A later deployment replaced it: its revision in the history says how it ended.
  const entry = status.history.find((h) => h.deploymentNumber === number);
  if (entry && entry.state !== 'STARTING' && !isRunning(entry.state)) {
    return {
      state: entry.state,
      percentage: entry.state === 'COMPLETE' ? 100 : 0,
      strategy: entry.strategy,
      revision: entry.revision,
      ...(entry.reason ? { reason: entry.reason } : {}),
    };
  }
  return undefined;
}

const entryKey = (entry: CanaryAnalysisEntry) => `${entry.promptId}@${entry.candidate} ${entry.metric}`;

/**
 * The entries whose verdict differs from the one last seen (all of them the first time), and
 * records them in `seen`.
 */
export function verdictChanges(
  seen: Map<string, CanaryAnalysisEntry['verdict']>,
  analysis: readonly CanaryAnalysisEntry[] | undefined,
): CanaryAnalysisEntry[] {
  const changed: CanaryAnalysisEntry[] = [];
  for (const entry of analysis ?? []) {
    const key = entryKey(entry);
    if (seen.get(key) === entry.verdict) continue;
    seen.set(key, entry.verdict);
    changed.push(entry);
  }
  return changed;
}

/** `canary fail  support-reply 1.3.0 vs 1.2.0: error rate 30% vs 1% (samples 100 vs 900, p=7.30e-9)`. */
export function formatVerdict(entry: CanaryAnalysisEntry): string {
  return `canary ${entry.verdict}  ${describeCanaryEntry(entry)}`;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function followRollout(
  ctx: CommandContext,
  api: ApiClient,
  environment: string,
  deploymentNumber: number,
  options: WaitOptions,
): Promise<RolloutOutcome> {
  const started = Date.now();
  const reporter = await rolloutReporter({
    stream: ctx.out.progressStream,
    label: `deployment ${deploymentNumber} to ${environment}`,
    colors: ctx.out.json ? ctx.out.errorColors : ctx.out.colors,
  });
  let last: Observed | undefined;
  const verdicts = new Map<string, CanaryAnalysisEntry['verdict']>();
  try {
    for (;;) {
      const status = await api.get<EnvironmentStatusResponse>(`/environments/${segment(environment)}`);
      const seen = observe(status, deploymentNumber);
      if (seen) {
        last = seen;
        reporter.update(seen);
        for (const entry of verdictChanges(verdicts, seen.analysis)) ctx.out.note(formatVerdict(entry));
        if (!isRunning(seen.state)) {
          const alarm = alarmOfReason(seen.reason);
          return {
            environment,
            deploymentNumber,
            ...seen,
            ...(alarm ? { alarm } : {}),
            elapsedSeconds: Math.round((Date.now() - started) / 100) / 10,
          };
        }
      }
      if (options.timeout !== undefined && Date.now() - started >= options.timeout * 1000) {
        const where = last ? `${last.state} at ${Math.round(last.percentage)}%` : 'not reported yet';
        throw new CliError(
          `Stopped waiting after ${formatElapsed(Date.now() - started)}: deployment ${deploymentNumber} to ${environment} is ${where}`,
          {
            code: 'TIMEOUT',
            details: [`The deployment continues. Follow it with: promptops status --env ${environment}`],
            data: {
              environment,
              deploymentNumber,
              ...(last ? { state: last.state, percentage: last.percentage } : {}),
            },
          },
        );
      }
      await sleep(options.interval * 1000);
    }
  } finally {
    reporter.stop();
  }
}

/** The closing lines of a followed rollout. */
export function printOutcome(ctx: CommandContext, outcome: RolloutOutcome): void {
  const c = ctx.out.colors;
  const what = `Deployment ${outcome.deploymentNumber} to ${outcome.environment}`;
  if (outcome.state === 'COMPLETE') {
    ctx.out.line(
      `${c.green('COMPLETE')}  ${what} finished in ${formatElapsed(outcome.elapsedSeconds * 1000)} (revision ${outcome.revision}).`,
    );
    return;
  }
  ctx.out.line(
    `${c.red('ROLLED_BACK')}  ${what} was rolled back after ${formatElapsed(outcome.elapsedSeconds * 1000)}.`,
  );
  if (outcome.alarm) ctx.out.line(`  alarm:  ${c.bold(outcome.alarm)}`);
  if (outcome.reason) ctx.out.line(`  reason: ${outcome.reason}`);
  for (const entry of outcome.analysis ?? []) {
    if (entry.verdict === 'fail') ctx.out.line(`  canary: ${c.bold(describeCanaryEntry(entry))}`);
  }
  ctx.out.line(
    `  The environment serves its previous revision again. See: promptops status --env ${outcome.environment}`,
  );
}

/**
 * `--wait` after starting a deployment: follows it, prints how it ended (`data` joins the outcome in
 * the `--json` document) and gives the exit code, 0 for COMPLETE and 3 for ROLLED_BACK.
 */
export async function waitForOutcome(
  ctx: CommandContext,
  api: ApiClient,
  started: { readonly environment: string; readonly deploymentNumber: number },
  options: WaitOptions,
  data: Readonly<Record<string, unknown>>,
): Promise<ExitCode> {
  const outcome = await followRollout(ctx, api, started.environment, started.deploymentNumber, options);
  ctx.out.result({ ...outcome, ...data }, () => printOutcome(ctx, outcome));
  return outcome.state === 'ROLLED_BACK' ? EXIT.rolledBack : EXIT.ok;
}
