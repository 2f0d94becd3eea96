/** Reading runs: a version's runs newest first, and one run with its test results. */
import type { EvaluationRun, EvaluationSummary, EvaluationTestResult } from '../../src/core/api.ts';
import { NotFoundError } from '../../src/core/errors.ts';
import { sha256Hex } from '../../src/core/hash.ts';
import { assertPromptId } from '../../src/core/ids.ts';
import { assertVersion } from '../../src/core/versioning.ts';
import type { EvaluationRecord } from './model.ts';
import type { EvaluationDeps } from './ports.ts';
import { isRunId } from './run-ids.ts';

/** The most runs listed. */
export const MAX_LISTED_RUNS = 100;

export async function listEvaluations(
  deps: EvaluationDeps,
  promptId: string,
  version: string,
): Promise<{ items: EvaluationSummary[] }> {
  const id = assertPromptId(promptId);
  const v = assertVersion(version);
  const record = await deps.prompts.getVersion(id, v);
  if (!record) throw new NotFoundError(`Prompt ${id} has no version ${v}`);
  return { items: await deps.evaluations.listRuns(id, v, MAX_LISTED_RUNS) };
}

export async function getEvaluation(
  deps: Pick<EvaluationDeps, 'evaluations' | 'objects'>,
  promptId: string,
  version: string,
  runId: string,
): Promise<EvaluationRun> {
  const id = assertPromptId(promptId);
  const v = assertVersion(version);
  const run = isRunId(runId) ? await deps.evaluations.getRun(id, v, runId) : undefined;
  if (!run) throw new NotFoundError(`Prompt ${id}@${v} has no evaluation ${runId}`);
  return { ...evaluationSummary(run), tests: await testsOf(deps, run) };
}

/** A run as the wire shows it: no provider settings beyond type and model. */
export function evaluationSummary(run: EvaluationRecord): EvaluationSummary {
  return {
    id: run.id,
    promptId: run.promptId,
    version: run.version,
    state: run.state,
    ...(run.passRate !== undefined ? { passRate: run.passRate } : {}),
    threshold: run.threshold,
    suiteRevision: run.suiteRevision,
    provider: run.provider,
    ...(run.providerOverride ? { providerOverride: true } : {}),
    startedBy: run.startedBy,
    startedAt: run.startedAt,
    ...(run.endedAt !== undefined ? { endedAt: run.endedAt } : {}),
    ...(run.reason !== undefined ? { reason: run.reason } : {}),
  };
}

async function testsOf(
  deps: Pick<EvaluationDeps, 'objects'>,
  run: EvaluationRecord,
): Promise<readonly EvaluationTestResult[]> {
  if (run.testsSha256 === undefined) return run.tests ?? [];
  const json = await deps.objects.getOutputs(run.testsSha256);
  if (json === undefined || sha256Hex(json) !== run.testsSha256)
    throw new Error(
      `The results of evaluation ${run.id} (${run.testsSha256}) are missing from the body store`,
    );
  return JSON.parse(json) as EvaluationTestResult[];
}
