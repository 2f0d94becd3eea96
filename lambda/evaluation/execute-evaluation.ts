/**
 * The worker's use case: executes one RUNNING run and records its end. A redelivered or repeated
 * invoke of a run that already ended does nothing, and the final write is conditional on the run
 * still being RUNNING, so two deliveries racing record one ending. Anything that goes wrong ends the
 * run in ERROR with the reason: no run stays RUNNING because its worker failed. The final write is
 * the commit point; its audit event follows, and a redelivery of an ended run repairs a missing one
 * (docs/architecture.md, "Cut points: registry").
 */
import type { EvaluationTestResult } from '../../src/core/api.ts';
import { createProviderJudge } from '../../src/core/eval/judge.ts';
import { evalModelSettings, providerNotAllowedReason } from '../../src/core/eval/provider.ts';
import { type EvalRunResult, type EvalTestResult, runSuite } from '../../src/core/eval/runner.ts';
import { type ProviderSpec, parseEvalSuite } from '../../src/core/eval/suite.ts';
import type { EnvironmentVariables } from '../../src/core/handler-environment.ts';
import { sha256Hex } from '../../src/core/hash.ts';
import { auditEvent } from '../audit-events.ts';
import { loadDocument } from '../registry/document-cache.ts';
import { retryOnce } from '../runtime/retry-once.ts';
import type { EvaluationJob, EvaluationRecord } from './model.ts';
import type { EvaluationWorkerDeps } from './ports.ts';

/** Results JSON kept in the run item at most; DynamoDB items hold 400 KB, and the run has other fields. */
export const DEFAULT_INLINE_OUTPUT_BYTES = 200 * 1024;

export type ExecuteResult = 'finished' | 'skipped';

export interface ExecuteOptions {
  /** Stops the run (the Lambda is about to time out, local mode is closing): it ends in ERROR. */
  readonly signal?: AbortSignal;
  readonly requestId: string;
}

export async function executeEvaluation(
  deps: EvaluationWorkerDeps,
  job: EvaluationJob,
  options: ExecuteOptions,
): Promise<ExecuteResult> {
  const run = await deps.evaluations.getRun(job.promptId, job.version, job.runId);
  if (run === undefined) return 'skipped';
  if (run.state !== 'RUNNING') {
    // Ended by an earlier delivery, which may have failed before its audit event: repair it (the
    // event id is the run's, so this writes nothing when the event is there).
    await appendFinished(deps, run, options.requestId);
    return 'skipped';
  }
  let ended: EvaluationRecord;
  try {
    const result = await execute(deps, run, options.signal);
    ended = await endedRun(deps, run, result);
  } catch (error) {
    ended = {
      ...run,
      state: 'ERROR',
      reason: `the evaluation failed: ${(error as Error).message ?? String(error)}`,
      endedAt: deps.now().toISOString(),
    };
  }
  // The commit point. Conditional, so tried once more on a store error: `not-running` then may be
  // this very write, applied by the first attempt; either way the stored ending gets its event.
  if ((await retryOnce(() => deps.evaluations.finishRun(ended))) === 'not-running') {
    const stored = await deps.evaluations.getRun(run.promptId, run.version, run.id);
    if (stored === undefined || stored.state === 'RUNNING') return 'skipped';
    await appendFinished(deps, stored, options.requestId);
    return stored.endedAt === ended.endedAt ? 'finished' : 'skipped';
  }
  await appendFinished(deps, ended, options.requestId);
  return 'finished';
}

/** The run's `evaluation.finished` event, retried once on a store error; its id is the run's. */
async function appendFinished(deps: EvaluationWorkerDeps, ended: EvaluationRecord, requestId: string) {
  const event = auditEvent(
    {
      at: ended.endedAt ?? deps.now().toISOString(),
      actor: ended.startedBy,
      action: 'evaluation.finished',
      target: `${ended.promptId}@${ended.version}`,
      details: {
        runId: ended.id,
        state: ended.state,
        ...(ended.passRate !== undefined ? { passRate: ended.passRate } : {}),
        threshold: ended.threshold,
        suiteRevision: ended.suiteRevision,
        ...(ended.reason !== undefined ? { reason: ended.reason } : {}),
      },
      requestId,
      promptId: ended.promptId,
    },
    ended.id,
  );
  await retryOnce(() => deps.audit.append(event));
}

async function execute(
  deps: EvaluationWorkerDeps,
  run: EvaluationRecord,
  signal: AbortSignal | undefined,
): Promise<EvalRunResult> {
  const suiteRecord = await deps.evaluations.getSuiteRevision(run.promptId, run.suiteRevision);
  if (!suiteRecord)
    throw new Error(`revision ${run.suiteRevision} of the suite of ${run.promptId} is missing`);
  const version = await deps.prompts.getVersion(run.promptId, run.version);
  if (!version) throw new Error(`${run.promptId}@${run.version} does not exist`);
  const document = await loadDocument(deps.bodies, version.sha256);
  if (!document)
    throw new Error(`the document of ${run.promptId}@${run.version} is missing from the body store`);
  const suite = parseEvalSuite(suiteRecord.suite);

  // Checked again: the allow-list may have shrunk since the run started.
  for (const spec of run.judgeSpec ? [run.providerSpec, run.judgeSpec] : [run.providerSpec]) {
    const reason = providerNotAllowedReason(spec, deps.evalModels);
    if (reason) throw new Error(reason);
  }
  const provider = deps.createProvider(run.providerSpec, keyEnvironment(run.providerSpec, deps.env));
  const judge = run.judgeSpec
    ? createProviderJudge(deps.createProvider(run.judgeSpec, keyEnvironment(run.judgeSpec, deps.env)))
    : undefined;
  return runSuite({
    suite,
    prompt: document,
    provider,
    ...(judge ? { judge } : {}),
    settings: evalModelSettings(document.model, run.providerSpec),
    ...(signal ? { signal } : {}),
  });
}

/**
 * Only the variable the spec names, so a provider never sees the function's other settings; the
 * service's own (AWS_*, PROMPTOPS_*) are never handed out, whatever a suite names.
 */
export function keyEnvironment(spec: ProviderSpec, env: EnvironmentVariables): EnvironmentVariables {
  const name = spec.apiKeyEnv;
  if (name === undefined || /^(AWS_|PROMPTOPS_)/i.test(name)) return {};
  return { [name]: env[name] };
}

async function endedRun(
  deps: EvaluationWorkerDeps,
  run: EvaluationRecord,
  result: EvalRunResult,
): Promise<EvaluationRecord> {
  const tests = result.tests.map(wireTest);
  const json = JSON.stringify(tests);
  const inline = Buffer.byteLength(json, 'utf8') <= (deps.inlineOutputBytes ?? DEFAULT_INLINE_OUTPUT_BYTES);
  let stored: Pick<EvaluationRecord, 'tests' | 'testsSha256'>;
  if (inline) stored = { tests };
  else {
    const sha256 = sha256Hex(json);
    await deps.objects.putOutputs(sha256, json);
    stored = { testsSha256: sha256 };
  }
  return {
    ...run,
    state: result.state,
    passRate: result.passRate,
    threshold: result.threshold,
    ...(result.reason !== undefined ? { reason: result.reason } : {}),
    endedAt: deps.now().toISOString(),
    ...stored,
  };
}

function wireTest(test: EvalTestResult): EvaluationTestResult {
  const { index: _index, ...rest } = test;
  return rest;
}
