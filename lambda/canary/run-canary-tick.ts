/**
 * One AT_DEPLOYMENT_TICK: judge every prompt the deployment changed against the version it replaces,
 * record the analysis on the environment's deployment, and on a `fail` verdict audit it and throw
 * {@link CanaryAnalysisFailedError} so AppConfig rolls back (docs/canary-analysis.md).
 */
import type { CanaryAnalysisEntry } from '../../src/core/api.ts';
import { canaryFailures, canaryReason, judgeCanary } from '../../src/core/canary.ts';
import type { Pins } from '../../src/core/pins.ts';
import { auditEvent } from '../audit-events.ts';
import { environmentNameOf } from '../delivery/config.ts';
import type { DeploymentRecord } from '../delivery/model.ts';
import { changedPrompts } from './changed-pins.ts';
import { CanaryAnalysisFailedError } from './errors.ts';
import type { CanaryTickDeps } from './ports.ts';
import { deploymentTickOf, type ExtensionEvent } from './tick-event.ts';

export type CanaryTickResult =
  | {
      readonly result: 'judged';
      readonly environment: string;
      readonly analysis: readonly CanaryAnalysisEntry[];
    }
  | { readonly result: 'skipped'; readonly why: string };

export async function runCanaryTick(deps: CanaryTickDeps, event: ExtensionEvent): Promise<CanaryTickResult> {
  const tick = deploymentTickOf(event);
  if (!tick) return { result: 'skipped', why: 'not an AT_DEPLOYMENT_TICK event' };
  const { applicationId } = deps.config;
  if (tick.applicationId !== undefined && applicationId !== undefined && tick.applicationId !== applicationId)
    return { result: 'skipped', why: 'another application' };
  const environment = environmentNameOf(deps.config, tick.environmentId);
  if (!environment) return { result: 'skipped', why: 'unknown environment' };
  if (!deps.canaryAnalysis.includes(environment))
    return { result: 'skipped', why: 'canary analysis is off for this environment' };
  const state = await deps.environments.get(environment);
  const deployment = state?.deployment;
  if (!state || deployment?.number !== tick.deploymentNumber)
    return { result: 'skipped', why: 'no recorded deployment with this number' };

  const analysis = await judgeDeployment(deps, environment, deployment, state.revision, state.pins);
  const now = deps.now().toISOString();
  await deps.environments.recordAnalysis(environment, deployment.number, analysis, now);

  const failures = canaryFailures(analysis);
  if (failures.length > 0) {
    const reason = canaryReason(failures);
    await deps.audit.append(
      auditEvent(
        {
          at: now,
          actor: 'appconfig:canary-analysis',
          action: 'environment.deployment.canary-failed',
          target: `${environment} deployment ${deployment.number}`,
          details: { deploymentNumber: deployment.number, revision: deployment.revision, reason, failures },
          requestId: tick.invocationId ?? `canary-${environment}-${deployment.number}`,
          environment,
        },
        reason,
      ),
    );
    throw new CanaryAnalysisFailedError(reason, failures);
  }
  return { result: 'judged', environment, analysis };
}

async function judgeDeployment(
  deps: CanaryTickDeps,
  environment: string,
  deployment: DeploymentRecord,
  servedRevision: number,
  servedPins: Pins,
): Promise<CanaryAnalysisEntry[]> {
  const after =
    servedRevision === deployment.revision
      ? servedPins
      : (await deps.environments.getRevision(environment, deployment.revision))?.pins;
  const before =
    deployment.previousRevision === 0
      ? {}
      : (await deps.environments.getRevision(environment, deployment.previousRevision))?.pins;
  if (!after || !before) return [];
  const since = new Date(deployment.startedAt);
  const until = deps.now();
  const judged = await Promise.all(
    changedPrompts(before, after).map(async ({ promptId, baseline, candidates }) => {
      const traffic = await deps.traffic.traffic({
        environment,
        promptId,
        versions: [baseline, ...candidates],
        since,
        until,
      });
      return judgeCanary({ promptId, baseline, candidates, traffic, settings: deps.settings });
    }),
  );
  return judged.flat();
}
