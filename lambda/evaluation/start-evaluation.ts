/**
 * Starting a run: the version, its prompt's current suite and the provider are checked first (404,
 * 422 NO_EVAL_SUITE, 422 PROVIDER_NOT_ALLOWED), so a refused start writes nothing. Then the RUNNING
 * run is written (the commit point), audited, and the worker launched; a launch that fails ends the
 * run in ERROR at once, so no run stays RUNNING with nothing executing it. A start with an
 * Idempotency-Key marks its run with it, so a retry finds that run (docs/architecture.md, "Cut
 * points: registry").
 */
import type { EvaluationStarted } from '../../src/core/api.ts';
import { IDEMPOTENCY_TABLE } from '../../src/core/contracts.ts';
import { NotFoundError, ThrottledError } from '../../src/core/errors.ts';
import { providerNotAllowedReason, resolveProviderSpec } from '../../src/core/eval/provider.ts';
import { type ProviderSpec, parseEvalSuite } from '../../src/core/eval/suite.ts';
import { assertPromptId } from '../../src/core/ids.ts';
import { assertVersion } from '../../src/core/versioning.ts';
import { auditEvent } from '../audit-events.ts';
import { loadDocument } from '../registry/document-cache.ts';
import { retryOnce } from '../runtime/retry-once.ts';
import { NoEvalSuiteError, ProviderNotAllowedError } from './errors.ts';
import type { EvaluationRecord } from './model.ts';
import type { EvaluationDeps } from './ports.ts';
import { newRunId } from './run-ids.ts';

export interface StartEvaluationInput {
  readonly promptId: string;
  readonly version: string;
  /** Wins over the suite's provider and the prompt's model. */
  readonly provider?: ProviderSpec;
  readonly caller: string;
  readonly requestId: string;
  /**
   * SHA-256 of the caller and the request's Idempotency-Key, when it sent one
   * (`EvaluationRecord.requestKey`).
   */
  readonly requestKey?: string;
}

/** Why a launch failed, kept on the run; the caller sees the problem the error maps to. */
export class EvaluationLaunchError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'EvaluationLaunchError';
  }
}

export async function startEvaluation(
  deps: EvaluationDeps,
  input: StartEvaluationInput,
): Promise<EvaluationStarted> {
  const promptId = assertPromptId(input.promptId);
  const version = assertVersion(input.version);
  const record = await deps.prompts.getVersion(promptId, version);
  if (!record) throw new NotFoundError(`Prompt ${promptId} has no version ${version}`);
  if (input.requestKey !== undefined) {
    // A retry of a start that created its run (and then failed, or lost its idempotency record)
    // finishes that run's start rather than creating a second one.
    const since = new Date(deps.now().getTime() - IDEMPOTENCY_TABLE.keepSeconds * 1000);
    const earlier = await deps.evaluations.findRunByRequest(promptId, version, input.requestKey, since);
    if (earlier) return completeStart(deps, earlier, input.requestId);
  }
  const current = await deps.evaluations.getSuite(promptId);
  if (!current)
    throw new NoEvalSuiteError(
      `Prompt ${promptId} has no evaluation suite: put one (PUT /prompts/${promptId}/eval-suite or promptops publish with ${promptId}.eval.yaml) first`,
    );
  const document = await loadDocument(deps.bodies, record.sha256);
  if (!document)
    throw new Error(
      `The document of ${promptId}@${version} (${record.sha256}) is missing from the body store`,
    );
  const suite = parseEvalSuite(current.suite);

  const providerSpec = resolveProviderSpec({
    ...(suite.provider ? { suite: suite.provider } : {}),
    ...(input.provider ? { override: input.provider } : {}),
    prompt: document,
  });
  const judgeSpec = suite.judge
    ? resolveProviderSpec({ override: suite.judge, prompt: document })
    : undefined;
  for (const spec of judgeSpec ? [providerSpec, judgeSpec] : [providerSpec]) {
    const reason = providerNotAllowedReason(spec, deps.evalModels);
    if (reason) throw new ProviderNotAllowedError(reason);
  }

  const startedAt = deps.now();
  const id = newRunId(startedAt, deps.randomSuffix?.());
  const run: EvaluationRecord = {
    id,
    promptId,
    version,
    state: 'RUNNING',
    threshold: suite.threshold,
    suiteRevision: current.revision,
    provider: {
      type: providerSpec.type,
      ...(providerSpec.model !== undefined ? { model: providerSpec.model } : {}),
    },
    ...(input.provider ? { providerOverride: true } : {}),
    providerSpec,
    ...(judgeSpec ? { judgeSpec } : {}),
    startedBy: input.caller,
    startedAt: startedAt.toISOString(),
    ...(input.requestKey !== undefined ? { requestKey: input.requestKey } : {}),
  };
  // The commit point. Tried once more on a store error: the id is this start's own, so `exists`
  // on the second attempt is the first one applied.
  await retryOnce(() => deps.evaluations.createRun(run));
  return completeStart(deps, run, input.requestId);
}

/** After the commit point: the audit event (retried once on a store error), then the launch. */
async function completeStart(
  deps: EvaluationDeps,
  run: EvaluationRecord,
  requestId: string,
): Promise<EvaluationStarted> {
  const { id, promptId, version } = run;
  const started = auditEvent(
    {
      at: run.startedAt,
      actor: run.startedBy,
      action: 'evaluation.started',
      target: `${promptId}@${version}`,
      details: { runId: id, suiteRevision: run.suiteRevision, provider: run.provider },
      requestId,
      promptId,
    },
    id,
  );
  await retryOnce(() => deps.audit.append(started));
  // A retried start whose run has already ended has nothing left to launch.
  if (run.state === 'RUNNING') {
    try {
      await deps.launcher.launch({ promptId, version, runId: id });
    } catch (cause) {
      const reason = `the evaluation worker could not be started: ${(cause as Error).message}`;
      const ended = { ...run, state: 'ERROR' as const, reason, endedAt: deps.now().toISOString() };
      if ((await deps.evaluations.finishRun(ended)) === 'finished') {
        await deps.audit.append(
          auditEvent(
            {
              at: ended.endedAt,
              actor: run.startedBy,
              action: 'evaluation.finished',
              target: `${promptId}@${version}`,
              details: { runId: id, state: 'ERROR', reason },
              requestId,
              promptId,
            },
            id,
          ),
        );
      }
      if ((cause as Error).name === 'TooManyRequestsException')
        throw new ThrottledError('Too many evaluations are starting at once: try again shortly', { cause });
      throw new EvaluationLaunchError(reason, { cause });
    }
  }
  return { id, state: 'RUNNING', suiteRevision: run.suiteRevision };
}
