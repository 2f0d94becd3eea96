/**
 * The release gate: a version reaches a gated environment only with a PASSED evaluation run against
 * its prompt's current suite (docs/evaluations-gate.md). A prompt with no suite passes unless the
 * settings require one. Nothing is written here: a refusal is one EVALUATION_REQUIRED problem naming
 * every refused version and why.
 */
import type { EvaluationState } from '../../src/core/api.ts';
import { mapBounded } from '../../src/core/bounded.ts';
import { EvaluationRequiredError } from '../../src/core/errors.ts';

/** What the gate reads of a run: the EvaluationSummary fields it decides on. */
export interface EvaluationEvidenceRun {
  readonly id: string;
  readonly state: EvaluationState;
  readonly suiteRevision: number;
  readonly passRate?: number;
  readonly threshold: number;
  /** Why the run is ERROR. */
  readonly reason?: string;
  /** Started with another provider than the suite's own (`promptops eval --provider`). */
  readonly providerOverride?: boolean;
}

/**
 * The gate's read-only view of the evaluation store; the evaluation service's EvaluationRepository
 * satisfies it as it is, so the gate depends on no more than it reads.
 */
export interface EvaluationEvidence {
  /** The prompt's current suite, or undefined when it has none. */
  getSuite(promptId: string): Promise<{ readonly revision: number } | undefined>;
  /** The version's runs, newest first. */
  listRuns(promptId: string, version: string): Promise<readonly EvaluationEvidenceRun[]>;
  /** The current suites of many prompts (batched reads), in the order asked. Optional: else one by one. */
  getSuites?(promptIds: readonly string[]): Promise<readonly ({ readonly revision: number } | undefined)[]>;
}

/** Reads in flight at once: a first deploy of 10,000 prompts to a gated environment checks 10,000. */
const EVIDENCE_READS_IN_FLIGHT = 32;

/** Prompt id -> version -> the id of the run that admitted it. */
export type EvaluationAdmissions = Record<string, Record<string, string>>;

/** One version the gate refused, as the problem's `versions` extension lists it. */
export interface RefusedVersion {
  readonly id: string;
  readonly version: string;
  readonly reason: string;
}

/** Admitted by a run, admitted because the prompt has no suite (and none is required), or refused. */
export type EvaluationVerdict =
  | { readonly admitted: true; readonly runId?: string }
  | { readonly admitted: false; readonly reason: string };

/**
 * The decision for one version, from its prompt's current suite and its runs (newest first). Any
 * PASSED run against the current suite revision admits it, the newest one being recorded; otherwise
 * the reason describes the newest run against the current revision, or else the newest run.
 */
export function evaluationVerdict(
  suite: { readonly revision: number } | undefined,
  runs: readonly EvaluationEvidenceRun[],
  requireSuite: boolean,
): EvaluationVerdict {
  if (suite === undefined) {
    return requireSuite
      ? { admitted: false, reason: 'no suite (requireEvalSuite is set)' }
      : { admitted: true };
  }
  // A run with another provider (say echo, for a suite written for a real model) is a check, not evidence.
  const current = runs.filter((run) => run.suiteRevision === suite.revision && !run.providerOverride);
  const passed = current.find((run) => run.state === 'PASSED');
  if (passed) return { admitted: true, runId: passed.id };
  const overridden = runs.find(
    (run) => run.suiteRevision === suite.revision && run.providerOverride && run.state === 'PASSED',
  );
  if (current.length === 0 && overridden) {
    return {
      admitted: false,
      reason: `run ${overridden.id} passed with a provider override; the gate counts only runs with the suite's own provider`,
    };
  }
  const latest = current[0];
  if (latest === undefined) {
    const newest = runs[0];
    if (newest === undefined) return { admitted: false, reason: 'no run' };
    return {
      admitted: false,
      reason: `ran against suite revision ${newest.suiteRevision}, the current suite is revision ${suite.revision}`,
    };
  }
  switch (latest.state) {
    case 'RUNNING':
      return { admitted: false, reason: `run ${latest.id} still RUNNING` };
    case 'ERROR':
      return {
        admitted: false,
        reason: `latest run ended in ERROR${latest.reason ? `: ${latest.reason}` : ''}`,
      };
    default: {
      const [passRate, threshold] = rates(latest.passRate, latest.threshold);
      return {
        admitted: false,
        reason: `latest run FAILED${passRate !== undefined ? ` with pass rate ${passRate}` : ''} (threshold ${threshold})`,
      };
    }
  }
}

/**
 * Checks every version and returns the runs that admitted them; throws EVALUATION_REQUIRED listing
 * every refused version. Each prompt's suite is read once, however many of its versions are checked
 * (in batches where the store can), and the runs a bounded number of versions at a time.
 */
export async function checkEvaluations(
  evidence: EvaluationEvidence,
  versions: readonly { readonly id: string; readonly version: string }[],
  options: { readonly environment: string; readonly requireSuite: boolean },
): Promise<EvaluationAdmissions> {
  const seen = new Set<string>();
  const unique = versions.filter((v) => {
    const key = `${v.id}@${v.version}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  const ids = [...new Set(unique.map((v) => v.id))];
  const found = evidence.getSuites
    ? await evidence.getSuites(ids)
    : await mapBounded(ids, EVIDENCE_READS_IN_FLIGHT, (id) => evidence.getSuite(id));
  const suites = new Map(ids.map((id, i) => [id, found[i]]));
  const verdicts = await mapBounded(unique, EVIDENCE_READS_IN_FLIGHT, async ({ id, version }) => {
    const suite = suites.get(id);
    // Without a suite and without the requirement, the runs do not matter.
    const runs = suite === undefined ? [] : await evidence.listRuns(id, version);
    return { id, version, verdict: evaluationVerdict(suite, runs, options.requireSuite) };
  });

  const refused: RefusedVersion[] = [];
  const admissions: EvaluationAdmissions = {};
  for (const { id, version, verdict } of verdicts) {
    if (!verdict.admitted) refused.push({ id, version, reason: verdict.reason });
    else if (verdict.runId !== undefined) {
      admissions[id] ??= {};
      admissions[id][version] = verdict.runId;
    }
  }
  if (refused.length > 0) {
    throw new EvaluationRequiredError(
      `${options.environment} accepts only versions with a PASSED evaluation run against their prompt's current suite; refused: ${refused
        .map((r) => `${r.id}@${r.version} (${r.reason})`)
        .join(', ')}`,
      { extensions: { versions: refused } },
    );
  }
  return admissions;
}

/**
 * A pass rate and its threshold as people read them: two decimals (0.6666 -> 0.67), more only where
 * rounding would show a failing rate equal to its threshold (0.8999 against 0.9).
 */
function rates(passRate: number | undefined, threshold: number): [string | undefined, string] {
  const round = (value: number, digits: number) => String(Math.round(value * 10 ** digits) / 10 ** digits);
  let digits = 2;
  while (passRate !== undefined && digits < 6 && round(passRate, digits) === round(threshold, digits))
    digits++;
  return [passRate === undefined ? undefined : round(passRate, digits), round(threshold, digits)];
}
