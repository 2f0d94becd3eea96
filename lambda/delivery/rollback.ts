/**
 * Rolling back: a deployment still running is stopped (AppConfig rolls back by itself); otherwise
 * the previous revision's pins are deployed again, all at once. With `prompts`, only those prompts
 * go back to the pin they had before, their shadow included (docs/shadows.md); with `segments`, only
 * those segments' pins (of the named prompts, or of all), each to the pin it had before
 * (docs/segments.md), the shadow kept.
 */
import {
  DeploymentInProgressError,
  type FieldError,
  NotFoundError,
  NothingToRollBackError,
  ValidationError,
} from '../../src/core/errors.ts';
import { assertPromptId } from '../../src/core/ids.ts';
import {
  type BasePin,
  defaultPin,
  type Pin,
  type Pins,
  pinSegments,
  pinShadow,
  withSegments,
} from '../../src/core/pins.ts';
import { segmentNameProblem } from '../../src/core/segments.ts';
import { environmentIdOf, resolveStrategy } from './config.ts';
import { settledState } from './deploy.ts';
import type { DeliveryDeps } from './deps.ts';
import { EMPTY_STATE, isRunning, type RevisionRecord } from './model.ts';
import { applyDeploymentInfo } from './outcome.ts';
import { changedPrompts, type StartedRevision, startRevision } from './start-revision.ts';

export interface RollbackInput {
  readonly environment: string;
  readonly prompts?: readonly string[];
  /** Roll back only these segments' pins (docs/segments.md). */
  readonly segments?: readonly string[];
  readonly reason?: string;
  readonly caller: string;
  readonly requestId: string;
  /** For a same-key retry (replay.ts). */
  readonly requestKey?: string;
}

const HISTORY_DEPTH = 100;

export async function rollbackEnvironment(
  deps: DeliveryDeps,
  input: RollbackInput,
): Promise<StartedRevision> {
  const { environment } = input;
  const environmentId = environmentIdOf(deps.config, environment);
  const prompts = input.prompts?.map((id, i) => assertPromptId(id, `prompts.${i}`));
  const segments = input.segments && assertSegmentNames(input.segments);
  const recorded = (await deps.environments.get(environment)) ?? EMPTY_STATE(environment);
  const running = recorded.deployment;

  if (running && isRunning(running.state)) {
    const live = await deps.delivery.getDeployment(environmentId, running.number);
    if (isRunning(live.state)) {
      if (prompts || segments) {
        throw new DeploymentInProgressError(
          `Deployment ${live.number} to ${environment} is ${live.state}: roll back the whole deployment (no prompts, no segments) or wait for it to finish`,
        );
      }
      const stopped = await deps.delivery.stopDeployment(environmentId, live.number);
      const reason = `Stopped by ${input.caller}${input.reason ? `: ${input.reason}` : ''}`;
      const response: StartedRevision = {
        environment,
        deploymentNumber: live.number,
        state: 'ROLLED_BACK',
        revision: running.previousRevision,
      };
      // Past the commit point (AppConfig stopped it): recording it is idempotent and tried twice
      // (docs/architecture.md, "Cut points: delivery"). The answer is kept with it, so a same-key
      // retry whose answer was lost replays it instead of rolling back one revision further.
      const record = () =>
        applyDeploymentInfo(
          deps,
          environment,
          { ...stopped, state: 'ROLLED_BACK' },
          {
            requestId: input.requestId,
            actor: input.caller,
            reason,
            ...(input.requestKey !== undefined ? { start: { requestKey: input.requestKey, response } } : {}),
          },
        );
      await record().catch(record);
      return response;
    }
  }

  const { state, replayed } = await settledState(
    deps,
    environment,
    environmentId,
    input.requestId,
    input.requestKey,
  );
  if (replayed) return replayed;
  const records = await deps.environments.listRevisions(environment, HISTORY_DEPTH);
  const target = segments
    ? segmentTarget(state.pins, segments, prompts, state.revision, records)
    : prompts
      ? partialTarget(state.pins, prompts, state.revision, records)
      : fullTarget(state.pins, state.revision, records, environment);
  return startRevision(deps, {
    environment,
    environmentId,
    state,
    ...target,
    strategy: resolveStrategy(deps.config, environment, 'AllAtOnce'),
    kind: 'rollback',
    description:
      input.reason ??
      (segments
        ? `Rollback of segment${segments.length > 1 ? 's' : ''} ${segments.join(', ')}${prompts ? ` of ${prompts.join(', ')}` : ''}`
        : prompts
          ? `Rollback of ${prompts.join(', ')}`
          : 'Rollback to the previous revision'),
    // Never gated; the deprecated versions it restores are named in the answer (docs/maintenance.md).
    resolve: {
      gated: new Map(),
      requireApproval: false,
      announceDeprecated: new Set(changedPrompts(state.pins, target.pins).map(([id]) => id)),
    },
    caller: input.caller,
    requestId: input.requestId,
    ...(input.requestKey !== undefined ? { requestKey: input.requestKey } : {}),
  });
}

/** What a rollback looks at: all pins, one prompt's pin, or one segment's pin of one prompt. */
interface Scope {
  readonly prompt?: string;
  readonly segment?: string;
}

/** The pins a scope compares (key order ignored). */
function pinKey(pins: Pins, scope: Scope): string {
  const { prompt, segment } = scope;
  if (prompt === undefined)
    return JSON.stringify(Object.entries(pins).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  if (segment === undefined) return JSON.stringify(pins[prompt] ?? null);
  return JSON.stringify(pinSegments(pins[prompt])[segment] ?? null);
}

/** The revision a rollback revision stands for, in a scope: the narrowest one it recorded. */
function restoredBy(record: RevisionRecord | undefined, scope: Scope): number | undefined {
  if (record?.kind !== 'rollback') return undefined;
  const { prompt, segment } = scope;
  if (prompt === undefined) return record.restores;
  const forSegment = segment === undefined ? undefined : record.restoresSegments?.[prompt]?.[segment];
  return forSegment ?? record.restoresPrompts?.[prompt] ?? record.restores;
}

/**
 * The completed revision to go back to: the newest one older than where the current pins (of the
 * scope) came from, and different from them. A rollback revision stands for the revision it
 * restored, so rolling back again keeps going back instead of redeploying what was just rolled back;
 * revisions that did not change the pins are passed over.
 */
function previousOf(
  current: Pins,
  revision: number,
  records: readonly RevisionRecord[],
  scope: Scope = {},
): RevisionRecord | undefined {
  const now = pinKey(current, scope);
  const completed = records.filter((r) => r.state === 'COMPLETE');
  let at = revision;
  for (;;) {
    const restored = restoredBy(
      records.find((r) => r.revision === at),
      scope,
    );
    if (restored !== undefined && restored < at) {
      at = restored;
      continue;
    }
    const older = completed.find((r) => r.revision < at);
    if (older === undefined || pinKey(older.pins, scope) !== now) return older;
    at = older.revision;
  }
}

/** The environment back to the pins it had before (revision 0 is the initial empty manifest). */
function fullTarget(
  current: Pins,
  revision: number,
  records: readonly RevisionRecord[],
  environment: string,
): { pins: Pins; restores: number } {
  if (revision === 0)
    throw new NothingToRollBackError(`${environment} has never been deployed: there is nothing to roll back`);
  const previous = previousOf(current, revision, records);
  if (!previous && Object.keys(current).length === 0)
    throw new NothingToRollBackError(
      `${environment} already serves no prompts, as before its first deployment: there is nothing to roll back`,
    );
  return { pins: previous?.pins ?? {}, restores: previous?.revision ?? 0 };
}

/** Each named prompt back to the last different pin it had, before its current pin came in. */
function partialTarget(
  current: Pins,
  prompts: readonly string[],
  revision: number,
  records: readonly RevisionRecord[],
): { pins: Pins; restoresPrompts: Record<string, number> } {
  const pins: Record<string, Pin> = { ...current };
  const restoresPrompts: Record<string, number> = {};
  for (const id of prompts) {
    if (!Object.hasOwn(current, id))
      throw new NotFoundError(`Prompt ${id} is not deployed in this environment`);
    const earlier = previousOf(current, revision, records, { prompt: id });
    if (!earlier)
      throw new NothingToRollBackError(
        `Prompt ${id} has had the same pin in every earlier revision: there is nothing to roll back`,
      );
    const previous = earlier.pins[id];
    if (previous === undefined) delete pins[id];
    else pins[id] = previous;
    restoresPrompts[id] = earlier.revision;
  }
  return { pins, restoresPrompts };
}

function assertSegmentNames(segments: readonly string[]): readonly string[] {
  const problems: FieldError[] = [];
  segments.forEach((name, i) => {
    const problem = segmentNameProblem(name);
    if (problem) problems.push({ path: `segments.${i}`, message: problem });
  });
  if (problems.length > 0)
    throw new ValidationError(`Invalid segments: ${problems.map((p) => p.message).join('; ')}`, problems);
  return [...new Set(segments)];
}

/**
 * Each named segment's pin (of the named prompts, or of every deployed prompt) back to the last
 * different pin it had, before its current pin came in; a segment that had no pin then loses its
 * pin. Nothing else changes: neither the default pins nor other segments. History older than what
 * was read (HISTORY_DEPTH) is not guessed at: the initial empty manifest counts only when every
 * revision was read.
 */
function segmentTarget(
  current: Pins,
  segments: readonly string[],
  prompts: readonly string[] | undefined,
  revision: number,
  records: readonly RevisionRecord[],
): { pins: Pins; restoresSegments: Record<string, Record<string, number>> } {
  const history: readonly RevisionRecord[] =
    records.length < HISTORY_DEPTH ? [...records, initialRevision(records[0]?.environment ?? '')] : records;
  const pins: Record<string, Pin> = { ...current };
  const restoresSegments: Record<string, Record<string, number>> = {};
  for (const id of prompts ?? []) {
    if (!Object.hasOwn(current, id))
      throw new NotFoundError(`Prompt ${id} is not deployed in this environment`);
  }
  const ids = prompts ?? Object.keys(current).sort();
  for (const segment of segments) {
    let changed = 0;
    for (const id of ids) {
      const earlier = previousOf(current, revision, history, { prompt: id, segment });
      if (!earlier) {
        if (prompts)
          throw new NothingToRollBackError(
            `Segment ${segment} of ${id} has had the same pin in every earlier revision: there is nothing to roll back`,
          );
        continue;
      }
      const pin = pins[id] as Pin;
      const restored: Record<string, BasePin> = { ...pinSegments(pin) };
      const previous = pinSegments(earlier.pins[id])[segment];
      if (previous === undefined) delete restored[segment];
      else restored[segment] = previous;
      pins[id] = withSegments(defaultPin(pin), restored, pinShadow(pin));
      restoresSegments[id] = { ...restoresSegments[id], [segment]: earlier.revision };
      changed++;
    }
    if (changed === 0)
      throw new NothingToRollBackError(
        `Segment ${segment} has had the same pins in every earlier revision${prompts ? '' : ' of every prompt'}: there is nothing to roll back`,
      );
  }
  return { pins, restoresSegments };
}

/** Revision 0, the initial empty manifest every environment starts from. */
function initialRevision(environment: string): RevisionRecord {
  return {
    environment,
    revision: 0,
    kind: 'deploy',
    pins: {},
    hostedVersion: 0,
    strategy: 'AllAtOnce',
    state: 'COMPLETE',
    createdBy: 'promptops',
    createdAt: '1970-01-01T00:00:00.000Z',
  };
}
