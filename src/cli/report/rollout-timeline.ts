/**
 * A deployment's timeline for the reports: its start, the percentage steps its strategy plans, the
 * bake, and its end or rollback. AppConfig records no step times, so the steps are the strategy's
 * schedule (AppConfig's stepping, as docs/local-appconfig.md describes it): laid over the actual
 * start-to-end time when the deployment completed (local mode divides every duration by its time
 * scale), at the strategy's own minutes otherwise, and cut at a rollback.
 */
import type { DeploymentStrategySpec } from '../../core/contracts.ts';

export type TimelineEvent = 'start' | 'step' | 'bake' | 'complete' | 'rolled-back' | 'now';

export interface TimelineEntry {
  readonly at: string;
  readonly event: TimelineEvent;
  /** Share of clients served the new configuration from then on. */
  readonly percentage: number;
  /** From the strategy's schedule rather than a recorded time. */
  readonly planned: boolean;
  readonly reason?: string;
}

/** The percentages a strategy steps through: LINEAR G, 2G, ...; EXPONENTIAL G × 2^N; capped at 100. */
export function strategySteps(spec: DeploymentStrategySpec): number[] {
  if (spec.deploymentDurationInMinutes <= 0) return [100];
  const out: number[] = [];
  for (let n = 0; out.at(-1) !== 100; n++) {
    const raw = spec.growthType === 'EXPONENTIAL' ? spec.growthFactor * 2 ** n : spec.growthFactor * (n + 1);
    out.push(Math.min(100, Math.round(raw * 100) / 100));
  }
  return out;
}

export interface TimelineInput {
  readonly startedAt: string;
  readonly endedAt?: string;
  readonly state: 'DEPLOYING' | 'BAKING' | 'COMPLETE' | 'ROLLED_BACK' | 'STARTING';
  readonly reason?: string;
  readonly spec?: DeploymentStrategySpec;
  readonly now: Date;
}

export function rolloutTimeline(input: TimelineInput): TimelineEntry[] {
  const start = Date.parse(input.startedAt);
  const entries: TimelineEntry[] = [{ at: input.startedAt, event: 'start', percentage: 0, planned: false }];
  const end = input.endedAt ? Date.parse(input.endedAt) : undefined;
  const { spec } = input;
  if (spec) {
    const deployMs = spec.deploymentDurationInMinutes * 60_000;
    const bakeMs = spec.finalBakeTimeInMinutes * 60_000;
    const scale =
      input.state === 'COMPLETE' && end !== undefined && deployMs + bakeMs > 0
        ? (end - start) / (deployMs + bakeMs)
        : 1;
    const steps = strategySteps(spec);
    const cutoff = end ?? input.now.getTime();
    steps.forEach((percentage, i) => {
      const at = start + (deployMs <= 0 ? 0 : ((deployMs * (i + 1)) / steps.length) * scale);
      if (at <= cutoff)
        entries.push({ at: new Date(at).toISOString(), event: 'step', percentage, planned: true });
    });
    const bakeAt = start + deployMs * scale;
    if (bakeMs > 0 && bakeAt <= cutoff)
      entries.push({ at: new Date(bakeAt).toISOString(), event: 'bake', percentage: 100, planned: true });
  }
  if (input.state === 'COMPLETE' && input.endedAt) {
    entries.push({ at: input.endedAt, event: 'complete', percentage: 100, planned: false });
  } else if (input.state === 'ROLLED_BACK') {
    entries.push({
      at: input.endedAt ?? input.now.toISOString(),
      event: 'rolled-back',
      percentage: 0,
      planned: false,
      ...(input.reason ? { reason: input.reason } : {}),
    });
  } else if (input.state !== 'COMPLETE') {
    // Still rolling out: where it stands now. (A completed one whose end was not found ends at its steps.)
    const last = entries.at(-1)?.percentage ?? 0;
    entries.push({ at: input.now.toISOString(), event: 'now', percentage: last, planned: false });
  }
  return entries.sort((a, b) => a.at.localeCompare(b.at));
}
