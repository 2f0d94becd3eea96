/**
 * Starts a new revision of an environment: build the manifest, claim the revision under the one
 * read, store the manifest in AppConfig, start the deployment, then commit. Anything failing before
 * the commit releases the claim, so the environment state is unchanged and a retry works.
 */

import type { DeprecatedVersionRef, StartedDeployment } from '../../src/core/api.ts';
import { mapBounded } from '../../src/core/bounded.ts';
import { RevisionConflictError } from '../../src/core/errors.ts';
import { buildEnvironmentManifest } from '../../src/core/manifest-builder.ts';
import {
  type Pin,
  type Pins,
  pinSegments,
  pinShadow,
  pinVariants,
  type ShadowPin,
} from '../../src/core/pins.ts';
import { auditEvent } from '../audit-events.ts';
import type { AuditEvent } from '../model.ts';
import type { DeliveryDeps } from './deps.ts';
import type { EnvironmentState, RevisionKind, RevisionRecord } from './model.ts';
import { withStart } from './recent-starts.ts';
import type { ResolveOptions } from './resolve-pins.ts';
import { resolvePins } from './resolve-pins.ts';
import { ensureVersionObjects, recordDeployFacts } from './version-objects.ts';

/**
 * Audit appends in flight at once: single conditional puts (the roles grant no batch writes), a
 * bounded number at once, since a first deploy of 10,000 prompts writes 10,000 events.
 */
export const AUDIT_WRITES_IN_FLIGHT = 32;

/**
 * How long a claim holds while its deploy talks to AppConfig: twice the deploy function's 29 s
 * timeout, so once it passes the claimant is gone and the next deploy recovers the claim
 * (crashed-start.ts). A same-key retry recovers its own claim at once.
 */
export const CLAIM_SECONDS = 60;

export interface StartRevisionInput {
  readonly environment: string;
  readonly environmentId: string;
  /** The state as read; the claim is made under its `lastRevision`. */
  readonly state: EnvironmentState;
  readonly pins: Pins;
  readonly strategy: { readonly name: string; readonly id: string };
  readonly kind: RevisionKind;
  readonly description?: string;
  /** For a rollback: what it restores (RevisionRecord). */
  readonly restores?: number;
  readonly restoresPrompts?: Readonly<Record<string, number>>;
  readonly restoresSegments?: Readonly<Record<string, Readonly<Record<string, number>>>>;
  readonly resolve: ResolveOptions;
  readonly caller: string;
  readonly requestId: string;
  /** The request's replay.ts key, kept with the commit so a same-key retry answers this start. */
  readonly requestKey?: string;
}

/** What a started deploy or rollback answers (202). */
export type StartedRevision = StartedDeployment;

export async function startRevision(deps: DeliveryDeps, input: StartRevisionInput): Promise<StartedRevision> {
  const { environment, state } = input;
  const revision = state.lastRevision + 1;
  const now = deps.now();
  const {
    prompts: resolved,
    segments,
    shadows,
    evaluations,
    deprecated,
    recordedRefs,
    unrecorded,
  } = await resolvePins(deps, input.pins, input.resolve);
  const admitted = Object.keys(evaluations).length > 0 ? { evaluations } : {};
  const built = buildEnvironmentManifest(
    { environment, revision, generatedAt: now.toISOString(), prompts: resolved, segments, shadows },
    {
      inlineThresholdBytes: deps.config.inlineThresholdBytes,
      // Clients render each inline version's program without parsing its body (docs/architecture.md).
      programs: true,
      ...(deps.config.bodyBucket ? { bodyBucket: deps.config.bodyBucket } : {}),
      ...(deps.config.shadowOutputCapture?.includes(environment) ? { shadowOutputCapture: true } : {}),
    },
  );

  if (built.versionObjects.length > 0) {
    if (!deps.versionObjects)
      throw new Error('This deployment references version objects but has no store to write them to');
    await ensureVersionObjects(deps.versionObjects, built.versionObjects, recordedRefs);
  }
  await recordDeployFacts(deps.prompts, unrecorded, new Set(built.versionObjects.map((o) => o.ref)));

  const until = new Date(now.getTime() + CLAIM_SECONDS * 1000).toISOString();
  if (
    (await deps.environments.claim(
      environment,
      state.lastRevision,
      revision,
      until,
      now.toISOString(),
      input.requestKey,
    )) === 'conflict'
  ) {
    throw new RevisionConflictError(
      `Environment ${environment} changed since it was read (revision ${state.lastRevision}): another deployment is being started; read its status and try again`,
    );
  }

  const description = `PromptOps ${environment} revision ${revision}${input.description ? `: ${input.description}` : ''}`;
  let started: Awaited<ReturnType<DeliveryDeps['delivery']['startDeployment']>>;
  let starting: RevisionRecord;
  try {
    const hostedVersion = await deps.delivery.createHostedVersion({
      content: built.json,
      label: `${environment}-r${revision}`,
      description,
    });
    // Recorded before the deployment starts, so the deployment-events handler can finish the
    // commit if this function dies right after StartDeployment.
    starting = {
      environment,
      revision,
      kind: input.kind,
      pins: input.pins,
      hostedVersion,
      strategy: input.strategy.name,
      state: 'STARTING',
      createdBy: input.caller,
      createdAt: now.toISOString(),
      ...(input.description ? { description: input.description } : {}),
      ...(input.restores !== undefined ? { restores: input.restores } : {}),
      ...(input.restoresPrompts ? { restoresPrompts: input.restoresPrompts } : {}),
      ...(input.restoresSegments ? { restoresSegments: input.restoresSegments } : {}),
      ...admitted,
    };
    await deps.environments.putRevision(starting);
    started = await deps.delivery.startDeployment({
      environmentId: input.environmentId,
      strategyId: input.strategy.id,
      versionNumber: hostedVersion,
      description,
    });
  } catch (error) {
    // Undo both steps whatever happens to either, and answer with the original error: a failed
    // undo only leaves an uncommitted STARTING record (overwritten by the next deploy) or a claim
    // that expires after CLAIM_SECONDS.
    await deps.environments.deleteRevision(environment, revision).catch(() => undefined);
    await deps.environments.release(environment, revision).catch(() => undefined);
    throw error;
  }

  const deployment = {
    number: started.number,
    state: started.state,
    strategy: input.strategy.name,
    revision,
    previousRevision: state.revision,
    startedAt: started.startedAt ?? now.toISOString(),
    startedBy: input.caller,
  };
  const response: StartedRevision = {
    environment,
    deploymentNumber: started.number,
    state: started.state,
    revision,
    ...admitted,
    ...(deprecated.length > 0 ? { deprecated } : {}),
  };
  // The commit point is passed once AppConfig started the deployment: the writes from here on are
  // idempotent and each is tried twice, so a lost answer does not leave half a deploy
  // (docs/architecture.md, "Cut points: delivery").
  await twice(() =>
    deps.environments.commit(
      {
        environment,
        revision,
        lastRevision: revision,
        pins: input.pins,
        deployment,
        updatedAt: now.toISOString(),
        ...withStart(
          state,
          input.requestKey !== undefined ? { requestKey: input.requestKey, response } : undefined,
        ),
      },
      revision,
    ),
  );
  const events = startEvents({
    environment,
    revision,
    kind: input.kind,
    deploymentNumber: started.number,
    strategy: input.strategy.name,
    ...(input.description ? { description: input.description } : {}),
    before: state.pins,
    after: input.pins,
    evaluations,
    deprecated,
    at: now.toISOString(),
    caller: input.caller,
    requestId: input.requestId,
  });
  await mapBounded(events, AUDIT_WRITES_IN_FLIGHT, (event) => twice(() => deps.audit.append(event)));
  // Last: a record still STARTING after the commit tells a retry or the outcome that the events
  // may be missing (crashed-start.ts).
  await twice(() =>
    deps.environments.putRevision({ ...starting, deploymentNumber: started.number, state: started.state }),
  );
  return response;
}

/** What a start's audit events say (start-revision.ts appends them, crashed-start.ts too). */
export interface StartEventsInput {
  readonly environment: string;
  readonly revision: number;
  readonly kind: RevisionKind;
  readonly deploymentNumber: number;
  readonly strategy: string;
  readonly description?: string;
  readonly before: Pins;
  readonly after: Pins;
  readonly evaluations: Readonly<Record<string, Readonly<Record<string, string>>>>;
  readonly deprecated: readonly DeprecatedVersionRef[];
  readonly at: string;
  readonly caller: string;
  readonly requestId: string;
}

/**
 * The audit events of a started revision. Their ids derive from the environment and revision, so a
 * recovered start appends the same events its crashed request would have.
 */
export function startEvents(input: StartEventsInput): AuditEvent[] {
  const { environment, revision, evaluations, deprecated } = input;
  const action = input.kind === 'rollback' ? 'environment.rollback' : 'environment.deploy';
  const common = {
    revision,
    deploymentNumber: input.deploymentNumber,
    strategy: input.strategy,
    ...(input.description ? { description: input.description } : {}),
  };
  const changes = changedPrompts(input.before, input.after);
  // The same version deployed to two environments, or again later, is a separate event each time.
  const discriminator = `${environment}#${revision}`;
  // One event per prompt whose pin changed, so each prompt's history shows it; one for the
  // environment when a deployment changed no pin (a redeploy).
  return changes.length > 0
    ? changes.map(([id, before, after]) =>
        auditEvent(
          {
            at: input.at,
            actor: input.caller,
            action,
            target: `${id}@${
              after === undefined
                ? '(removed)'
                : pinVariants(after)
                    .map((v) => v.version)
                    .join('+')
            }`,
            details: {
              ...common,
              pin: after ?? null,
              previousPin: before ?? null,
              ...segmentDetails(before, after),
              ...shadowDetails(before, after),
              ...(evaluations[id] ? { evaluations: evaluations[id] } : {}),
              ...deprecatedDetails(deprecated, id),
            },
            requestId: input.requestId,
            promptId: id,
            environment,
          },
          discriminator,
        ),
      )
    : [
        auditEvent(
          {
            at: input.at,
            actor: input.caller,
            action,
            target: `${environment} revision ${revision}`,
            details: common,
            requestId: input.requestId,
            environment,
          },
          discriminator,
        ),
      ];
}

/** An idempotent write, tried once more when it fails (its first answer may have been lost). */
async function twice(write: () => Promise<void>): Promise<void> {
  try {
    await write();
  } catch {
    await write();
  }
}

/** The audit details naming a prompt's deprecated versions that went out anyway (docs/maintenance.md). */
function deprecatedDetails(deprecated: readonly DeprecatedVersionRef[], id: string): Record<string, unknown> {
  const mine = deprecated.filter((d) => d.id === id).map(({ version, reason }) => ({ version, reason }));
  return mine.length > 0 ? { deprecated: mine } : {};
}

/** The segments whose pin a change set, changed or removed, named in its audit event (docs/segments.md). */
function segmentDetails(before: Pin | undefined, after: Pin | undefined): { segments?: string[] } {
  const a = pinSegments(before);
  const b = pinSegments(after);
  const names = [...new Set([...Object.keys(a), ...Object.keys(b)])]
    .filter((name) => JSON.stringify(a[name]) !== JSON.stringify(b[name]))
    .sort();
  return names.length > 0 ? { segments: names } : {};
}

/** The shadow a change set, changed or removed, named in its audit event (docs/shadows.md). */
function shadowDetails(
  before: Pin | undefined,
  after: Pin | undefined,
): { shadow?: ShadowPin | null; previousShadow?: ShadowPin | null } {
  const a = pinShadow(before);
  const b = pinShadow(after);
  if (JSON.stringify(a) === JSON.stringify(b)) return {};
  return { shadow: b ?? null, previousShadow: a ?? null };
}

/** Prompts whose pin differs between two pin sets: [id, before, after]. */
export function changedPrompts(before: Pins, after: Pins): [string, Pin | undefined, Pin | undefined][] {
  const ids = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
  return ids
    .map((id): [string, Pin | undefined, Pin | undefined] => [id, before[id], after[id]])
    .filter(([, a, b]) => JSON.stringify(a) !== JSON.stringify(b));
}
