/** Ports of the evaluation service: suites and runs in DynamoDB, large texts in S3, the worker's launch. */
import type { EvaluationSummary } from '../../src/core/api.ts';
import type { EvalProvider } from '../../src/core/eval/provider.ts';
import type { ProviderSpec } from '../../src/core/eval/suite.ts';
import type { EnvironmentVariables } from '../../src/core/handler-environment.ts';
import type { AuditLog, BodyStore, PromptRepository } from '../ports.ts';
import type { EvalSuiteRecord, EvaluationJob, EvaluationRecord } from './model.ts';

export interface EvaluationRepository {
  /** The prompt's current suite. */
  getSuite(promptId: string): Promise<EvalSuiteRecord | undefined>;
  /** The suite at a revision (a run names the revision it was started against). */
  getSuiteRevision(promptId: string, revision: number): Promise<EvalSuiteRecord | undefined>;
  /**
   * Makes `record` the current suite, conditional on the current revision still being
   * `expectedRevision` (0: no suite yet): `conflict` when another put won, and nothing is written.
   */
  putSuite(record: EvalSuiteRecord, expectedRevision: number): Promise<'created' | 'conflict'>;
  /** Records a suite revision in the history; writing the same revision again is harmless. */
  putSuiteRevision(record: EvalSuiteRecord): Promise<void>;
  /**
   * Conditional on the run id being new: `exists` when it is not (run ids are random per start, so
   * that is this start's own write, applied by an attempt that answered an error).
   */
  createRun(record: EvaluationRecord): Promise<'created' | 'exists'>;
  /**
   * The run a start with this request key (`EvaluationRecord.requestKey`) created, among the
   * version's runs started since `since`; undefined when there is none.
   */
  findRunByRequest(
    promptId: string,
    version: string,
    requestKey: string,
    since: Date,
  ): Promise<EvaluationRecord | undefined>;
  /** Writes the final state, conditional on the run still being RUNNING: `not-running` otherwise. */
  finishRun(record: EvaluationRecord): Promise<'finished' | 'not-running'>;
  getRun(promptId: string, version: string, runId: string): Promise<EvaluationRecord | undefined>;
  /** Newest first, without test results. */
  listRuns(promptId: string, version: string, limit?: number): Promise<EvaluationSummary[]>;
}

/** Texts too large for an item, content-addressed in the body bucket. */
export interface EvaluationObjectStore {
  /** Under `suites/sha256/<hash>.eval.yaml`. Writing the same text again is harmless. */
  putSuite(sha256: string, text: string): Promise<void>;
  /** Verified against its hash; undefined when absent. */
  getSuite(sha256: string): Promise<string | undefined>;
  /** A run's results as JSON, under `evaluations/sha256/<hash>.json`. */
  putOutputs(sha256: string, json: string): Promise<void>;
  getOutputs(sha256: string): Promise<string | undefined>;
}

/** Starts the worker on a run without waiting for it (a Lambda `Event` invoke on AWS). */
export interface EvaluationLauncher {
  launch(job: EvaluationJob): Promise<void>;
}

/** What the API's evaluation routes need. */
export interface EvaluationDeps {
  readonly prompts: PromptRepository;
  readonly bodies: BodyStore;
  readonly audit: AuditLog;
  readonly evaluations: EvaluationRepository;
  readonly objects: EvaluationObjectStore;
  readonly launcher: EvaluationLauncher;
  /** Bedrock model ids evaluations may call (CDK context `evalModels`); empty refuses bedrock. */
  readonly evalModels: readonly string[];
  readonly now: () => Date;
  /** 8 hex digits, the random half of a run id. @default crypto random */
  readonly randomSuffix?: () => string;
}

/** What the worker needs to execute a run. */
export interface EvaluationWorkerDeps {
  readonly prompts: Pick<PromptRepository, 'getVersion'>;
  readonly bodies: BodyStore;
  readonly audit: AuditLog;
  readonly evaluations: EvaluationRepository;
  readonly objects: EvaluationObjectStore;
  readonly evalModels: readonly string[];
  readonly now: () => Date;
  /** Builds a provider; the worker passes only the API key variable the spec names. */
  readonly createProvider: (spec: ProviderSpec, env: EnvironmentVariables) => EvalProvider;
  /** Where `apiKeyEnv` is looked up (the function's environment). */
  readonly env: EnvironmentVariables;
  /** Results JSON up to this many bytes stays in the run item; larger goes to the object store. */
  readonly inlineOutputBytes?: number;
}
