/**
 * The HTTP API's wire contract: request and response bodies, problem details and the status of
 * each error code, as docs/api.md and docs/feedback.md describe them. The handlers, the CLI, the
 * client and local mode all import these; nothing else declares them.
 */
import type { ErrorCode, FieldError } from './errors.ts';
import type { Outcome } from './metrics.ts';
import type { Pin, PinUpdate } from './pins.ts';
import type { BumpResult } from './versioning.ts';

/** The HTTP status each error code answers with. */
export const ERROR_STATUS = {
  BAD_REQUEST: 400,
  VALIDATION_FAILED: 400,
  SELF_APPROVAL: 403,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  VERSION_EXISTS: 409,
  VERSION_NOT_GREATER: 409,
  DEPLOYMENT_IN_PROGRESS: 409,
  REVISION_CONFLICT: 409,
  NOTHING_TO_ROLL_BACK: 409,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  LINT_FAILED: 422,
  NOT_APPROVED: 422,
  MANIFEST_TOO_LARGE: 422,
  NO_EVAL_SUITE: 422,
  EVALUATION_REQUIRED: 422,
  PROVIDER_NOT_ALLOWED: 422,
  VERSION_DEPRECATED: 422,
  PROMPT_IN_USE: 409,
  PROMPT_ARCHIVED: 409,
  IDEMPOTENCY_KEY_REUSED: 422,
  IDEMPOTENCY_KEY_IN_USE: 409,
  THROTTLED: 429,
  INTERNAL: 500,
} as const satisfies Readonly<Record<ErrorCode, number>>;

/** The members RFC 9457 and the API define for every problem. */
interface ProblemMembers {
  /** `urn:promptops:problem:<code in kebab case>`. */
  readonly type: string;
  readonly title: string;
  readonly status: number;
  readonly detail: string;
  readonly code: ErrorCode;
  readonly errors?: readonly FieldError[];
}

/** RFC 9457 problem details, as the API returns them (`application/problem+json`). */
export interface ProblemDetails extends ProblemMembers {
  /** Members of some problems, such as `findings` of LINT_FAILED or `requestId` of INTERNAL. */
  readonly [extension: string]: unknown;
}

/**
 * A problem as a caller receives it: API Gateway's own refusals, proxies and newer servers may
 * leave out members or use codes this version does not know. Only the status is always known.
 */
export interface ReceivedProblem extends Partial<Omit<ProblemMembers, 'status' | 'code'>> {
  readonly status: number;
  readonly code?: string;
  readonly [extension: string]: unknown;
}

/** A page of a list route; pass `nextCursor` back as `cursor` for the next one. */
export interface ListPage<T> {
  readonly items: readonly T[];
  readonly nextCursor?: string;
}

// Requests. The handlers' valibot schemas (lambda/schemas) are checked against these at compile time.

/** POST /prompts/{id}/versions */
export interface PublishRequest {
  /** The `.prompt.md` text. */
  readonly document: string;
  readonly version?: string;
  readonly bump?: 'auto' | 'major' | 'minor' | 'patch';
  readonly message?: string;
}

/** POST /prompts/{id}/versions/{version}/approvals (the body is optional). */
export interface ApproveRequest {
  readonly comment?: string;
}

/** POST /environments/{env}/deployments */
export interface DeployRequest {
  /** Prompt id to a version, to `{ variants }`, or to `{ version | variants, segments }` (docs/segments.md). */
  readonly prompts: Readonly<Record<string, PinUpdate>>;
  readonly strategy?: string;
  readonly description?: string;
  /** Deploy versions marked deprecated anyway (docs/maintenance.md); without it they are 422 VERSION_DEPRECATED. */
  readonly allowDeprecated?: boolean;
}

/** POST /environments/{env}/rollback (the body is optional: everything rolls back). */
export interface RollbackRequest {
  readonly prompts?: readonly string[];
  /** Only these segments' pins (of `prompts`, or of every prompt) go back (docs/segments.md). */
  readonly segments?: readonly string[];
  readonly reason?: string;
}

/** POST /feedback */
export interface FeedbackRequest {
  readonly promptId: string;
  readonly version: string;
  readonly environment: string;
  /**
   * Thumbs (the default scale): 1 (up) or -1 (down). Stars: a whole number from 1 to 5. Any other
   * rating (0 included) is 400 VALIDATION_FAILED.
   */
  readonly rating: number;
  /** @default 'thumbs' */
  readonly scale?: 'thumbs' | 'stars';
  readonly comment?: string;
  /** Stored as a keyed hash, never in clear. */
  readonly sessionId?: string;
  /** Stored as a keyed hash, never in clear. */
  readonly userId?: string;
  /** The segment whose pin served (docs/segments.md); the feedback items route filters by it. */
  readonly segment?: string;
  readonly tags?: readonly string[];
}

/** One outcome of a prompt call, as POST /metrics takes it: the prompt version it is about, and what happened. */
export interface OutcomeRecord extends Outcome {
  readonly promptId: string;
  readonly version: string;
  readonly environment: string;
  /** The segment whose pin served (docs/segments.md): the EMF dimension Segment on per-version metrics. */
  readonly segment?: string;
  /**
   * `shadow`: the outcome of a shadow candidate's call (docs/shadows.md), recorded with the dimension
   * Role=shadow only, so rollback alarms and canary analysis never see it. @default 'primary'
   */
  readonly role?: MetricRole;
}

/** Whose call a metric is about: what callers were served, or a shadow candidate (docs/shadows.md). */
export type MetricRole = 'primary' | 'shadow';

/** POST /metrics */
export interface MetricsRequest {
  readonly records: readonly OutcomeRecord[];
}

// Responses.

/** Deployment states as the API reports them (AppConfig's, with BAKING for its bake phase). */
export type DeploymentState = 'DEPLOYING' | 'BAKING' | 'COMPLETE' | 'ROLLED_BACK';

export interface Approval {
  /** The approving IAM principal. */
  readonly by: string;
  readonly at: string;
  readonly comment?: string;
}

/** POST /prompts/{id}/versions: 201 when created, 200 when the same version was already published. */
export interface PublishedVersion {
  readonly id: string;
  readonly version: string;
  readonly sha256: string;
  readonly bump: BumpResult;
  readonly createdBy: string;
  readonly createdAt: string;
}

/** GET /prompts/{id}: the latest version and each environment's pin. */
export interface PromptDetails {
  readonly id: string;
  readonly latestVersion: string;
  readonly description?: string;
  readonly owner?: string;
  readonly environments: Readonly<Record<string, Pin>>;
  /** Set while the prompt is archived (docs/maintenance.md). */
  readonly archived?: Archival;
}

/** An item of GET /prompts. */
export interface PromptListItem {
  readonly id: string;
  readonly latestVersion: string;
  readonly description?: string;
  readonly owner?: string;
  readonly updatedAt: string;
  /** Set while the prompt is archived; archived prompts are listed only with `?include=archived`. */
  readonly archived?: Archival;
}

/** An item of GET /prompts/{id}/versions. */
export interface VersionSummary {
  readonly version: string;
  readonly sha256: string;
  readonly createdBy: string;
  readonly createdAt: string;
  readonly message: string | null;
  readonly approvals: readonly Approval[];
  /** Set while the version is deprecated (docs/maintenance.md). */
  readonly deprecation?: Deprecation;
}

/** GET /prompts/{id}/versions/{version}: the summary with the document text. */
export interface VersionDetails extends VersionSummary {
  readonly id: string;
  readonly document: string;
  readonly bump: BumpResult;
}

/** POST /prompts/{id}/versions/{version}/approvals: 201 when added, 200 when the caller had approved already. */
export interface ApprovalResponse {
  readonly by: string;
  readonly at: string;
}

/** GET /prompts/{id}/diff */
export interface DiffResponse {
  readonly from: string;
  readonly to: string;
  /** Unified line diff of the canonical document texts. */
  readonly unified: string;
  /** What the change from `from` to `to` implies for the version. */
  readonly bump: BumpResult;
}

/** An item of GET /audit. */
export interface AuditEntry {
  readonly at: string;
  readonly actor: string;
  readonly action: string;
  readonly target: string;
  readonly details: Readonly<Record<string, unknown>>;
  readonly requestId: string;
}

/** POST /environments/{env}/deployments and /rollback: 202, the deployment has started. */
export interface StartedDeployment {
  readonly environment: string;
  readonly deploymentNumber: number;
  readonly state: DeploymentState;
  readonly revision: number;
  /**
   * A deploy to an environment with the release gate: prompt id -> version -> the id of the PASSED
   * evaluation run that admitted it (versions of prompts without a suite are not listed).
   */
  readonly evaluations?: Readonly<Record<string, Readonly<Record<string, string>>>>;
  /**
   * Deprecated versions this deploy (with `allowDeprecated`) or rollback put in the environment,
   * each with why it was deprecated (docs/maintenance.md).
   */
  readonly deprecated?: readonly DeprecatedVersionRef[];
}

/** The environment's current or last deployment, with AppConfig's live state. */
export interface DeploymentStatus {
  readonly number: number;
  readonly state: DeploymentState;
  readonly percentage: number;
  /** Strategy name as the caller gave it (AllAtOnce, Canary10Percent20Minutes, or a custom one). */
  readonly strategy: string;
  readonly revision: number;
  readonly startedAt: string;
  readonly startedBy?: string;
  readonly endedAt?: string;
  readonly reason?: string;
  /** Canary analysis of the prompts this deployment changed, as of the last deployment tick. */
  readonly analysis?: readonly CanaryAnalysisEntry[];
}

/** What canary analysis compares (docs/canary-analysis.md). */
export type CanaryMetric = 'errorRate' | 'negativeFeedbackRate' | 'latencyP99';

export type CanaryVerdict = 'pass' | 'fail' | 'insufficient-data';

/** One judgement: a candidate version against the version it replaces, on one metric. */
export interface CanaryAnalysisEntry {
  readonly promptId: string;
  /** The version the environment served before this deployment. */
  readonly baseline: string;
  /** The version this deployment rolls out (each variant of an A/B pin is judged on its own). */
  readonly candidate: string;
  readonly metric: CanaryMetric;
  /** A rate (0..1) or milliseconds; absent when there was no sample. */
  readonly baselineValue?: number;
  readonly candidateValue?: number;
  /** Invocations (or ratings, for negative feedback) since the deployment started. */
  readonly samples: { readonly baseline: number; readonly candidate: number };
  /** Of the two-proportion z-test; absent for latency, which compares p99s by their ratio. */
  readonly pValue?: number;
  readonly verdict: CanaryVerdict;
}

/**
 * One revision ever started in an environment, as the history of GET /environments/{env} lists it.
 * The items are the stored records, which also hold the environment and AppConfig's hosted
 * configuration version; those are not part of the contract.
 */
export interface RevisionEntry {
  readonly revision: number;
  readonly kind: 'deploy' | 'rollback';
  readonly pins: Readonly<Record<string, Pin>>;
  readonly deploymentNumber?: number;
  readonly strategy: string;
  readonly state: DeploymentState | 'STARTING';
  readonly createdBy: string;
  readonly createdAt: string;
  readonly description?: string;
  readonly reason?: string;
  /** A whole-environment rollback: the revision whose pins it deployed again. */
  readonly restores?: number;
  /** A rollback of named prompts: prompt id -> the revision whose pin it deployed again. */
  readonly restoresPrompts?: Readonly<Record<string, number>>;
  /** A segment rollback (docs/segments.md): prompt id -> segment -> the revision whose segment pin it restored (0: none). */
  readonly restoresSegments?: Readonly<Record<string, Readonly<Record<string, number>>>>;
  /** A deploy through the release gate: prompt id -> version -> the evaluation run that admitted it. */
  readonly evaluations?: Readonly<Record<string, Readonly<Record<string, string>>>>;
}

/** GET /environments/{env}: pins and revision, the live deployment, the latest history first. */
export interface EnvironmentStatusResponse {
  readonly environment: string;
  readonly revision: number;
  readonly prompts: Readonly<Record<string, Pin>>;
  readonly deployment: DeploymentStatus | null;
  readonly history: readonly RevisionEntry[];
  /** Pinned versions that are deprecated (docs/maintenance.md); absent when none is. */
  readonly deprecated?: readonly DeprecatedVersionRef[];
  /** Pinned prompts that are archived (only a deploy racing the archive leaves one); absent when none. */
  readonly archived?: readonly string[];
}

/** POST /feedback: 202, the rating is recorded. */
export interface FeedbackAccepted {
  readonly id: string;
}

/** POST /metrics: 202, the records are emitted. */
export interface MetricsAccepted {
  readonly accepted: number;
}

export interface VersionFeedback {
  readonly version: string;
  readonly count: number;
  readonly positive: number;
  readonly negative: number;
  /** Mean stars of the version's star ratings; absent when it has none. */
  readonly mean?: number;
}

export interface FeedbackComparison {
  readonly baseline: string;
  readonly candidate: string;
  /** Candidate negative rate minus baseline negative rate: above 0 means the candidate does worse. */
  readonly difference: number;
  readonly pValue: number;
  readonly significant: boolean;
}

/** GET /prompts/{id}/feedback */
export interface FeedbackReport {
  /** Versions with feedback in the window, newest first. */
  readonly versions: readonly VersionFeedback[];
  /** Present when both compared versions have feedback in the window. */
  readonly comparison?: FeedbackComparison;
}

/** One feedback item as GET /prompts/{id}/feedback/items lists it: no user or session hash. */
export interface FeedbackItem {
  readonly id: string;
  readonly version: string;
  /** When it was given, ISO 8601. */
  readonly at: string;
  readonly scale: 'thumbs' | 'stars';
  readonly rating: number;
  readonly sentiment: 'positive' | 'neutral' | 'negative';
  readonly comment?: string;
  readonly tags?: readonly string[];
  /** The segment whose pin served, when the client sent one (docs/segments.md). */
  readonly segment?: string;
}

/** GET /prompts/{id}/feedback/items: newest version first, newest item first within a version. */
export interface FeedbackItemsPage {
  readonly environment: string;
  readonly items: readonly FeedbackItem[];
  readonly nextCursor?: string;
}

// Evaluation suites and runs (docs/evaluations.md).

/** PUT /prompts/{id}/eval-suite: the suite's YAML text (`<id>.eval.yaml`). */
export interface PutEvalSuiteRequest {
  readonly suite: string;
}

/** PUT /prompts/{id}/eval-suite: 201 for a new revision, 200 when identical to the current suite. */
export interface EvalSuitePut {
  /** 1 for the first suite, one more for each change. */
  readonly revision: number;
  /** SHA-256 of the suite text. */
  readonly sha256: string;
}

/** GET /prompts/{id}/eval-suite */
export interface EvalSuiteResponse extends EvalSuitePut {
  readonly suite: string;
  readonly updatedBy: string;
  readonly updatedAt: string;
}

/** The provider a run uses instead of the suite's (or the prompt's model). */
export interface EvalProviderOverride {
  readonly type: 'bedrock' | 'openai' | 'echo';
  readonly model?: string;
  /** openai: the chat-completions server, http(s). */
  readonly baseUrl?: string;
  /** openai: the environment variable holding the API key (never the key itself). */
  readonly apiKeyEnv?: string;
}

/** POST /prompts/{id}/versions/{version}/evaluations */
export interface StartEvaluationRequest {
  readonly provider?: EvalProviderOverride;
}

export type EvaluationState = 'RUNNING' | 'PASSED' | 'FAILED' | 'ERROR';

/** POST .../evaluations: 202, the run is executing. */
export interface EvaluationStarted {
  readonly id: string;
  readonly state: 'RUNNING';
  readonly suiteRevision: number;
}

/** An item of GET .../evaluations (newest first). */
export interface EvaluationSummary {
  readonly id: string;
  readonly promptId: string;
  readonly version: string;
  readonly state: EvaluationState;
  /** Passed tests over all tests, 0..1; absent while RUNNING. */
  readonly passRate?: number;
  readonly threshold: number;
  readonly suiteRevision: number;
  readonly provider: { readonly type: string; readonly model?: string };
  /** The run was started with a provider other than the suite's own: the release gate does not count it. */
  readonly providerOverride?: boolean;
  readonly startedBy: string;
  readonly startedAt: string;
  readonly endedAt?: string;
  /** Why the run is ERROR. */
  readonly reason?: string;
}

export interface EvaluationAssertionResult {
  readonly type: string;
  readonly passed: boolean;
  readonly score?: number;
  readonly reason: string;
}

export interface EvaluationTestResult {
  readonly description: string;
  readonly vars: Readonly<Record<string, string | number | boolean>>;
  readonly passed: boolean;
  /** The model's output (cut to the stored limit); absent when no assertion needed the model. */
  readonly output?: string;
  readonly outputTruncated?: boolean;
  readonly latencyMs?: number;
  readonly inputTokens?: number;
  readonly outputTokens?: number;
  readonly costUsd?: number;
  readonly assertions: readonly EvaluationAssertionResult[];
  /** Why the test could not run. */
  readonly error?: string;
}

/** GET .../evaluations/{evaluationId} */
export interface EvaluationRun extends EvaluationSummary {
  readonly tests: readonly EvaluationTestResult[];
}

// Metrics history (docs/reports.md).

/** One period of a version's traffic, from the EMF metrics apps emit (src/core/metrics.ts). */
export interface MetricPoint {
  /** The period's start, ISO 8601. */
  readonly at: string;
  /** Sum of Invocations. */
  readonly count: number;
  /** Sum of Errors. */
  readonly errors: number;
  /** Latency percentiles in milliseconds; null when no call in the period reported a latency. */
  readonly latencyP50: number | null;
  readonly latencyP99: number | null;
  /** Sums over the period. */
  readonly inputTokens: number;
  readonly outputTokens: number;
  readonly costUsd: number;
  /** Sum of FeedbackCount and of NegativeFeedback: the ratings given in the period. */
  readonly ratings: number;
  readonly negativeRatings: number;
}

export interface MetricSeries {
  readonly version: string;
  /** `primary`: what callers were served. */
  readonly role: 'primary' | 'shadow';
  /** Periods with data, oldest first (CloudWatch returns no datapoint for a period without any). */
  readonly points: readonly MetricPoint[];
}

/** GET /prompts/{id}/metrics */
export interface MetricsHistoryResponse {
  readonly environment: string;
  readonly since: string;
  readonly until: string;
  /** Seconds per point. */
  readonly period: number;
  /** Versions with data in the window, newest first. */
  readonly series: readonly MetricSeries[];
}

// Shadow deployments (docs/shadows.md).

/** One side of a shadow comparison: a version's calls in the window. */
export interface ShadowStats {
  readonly version: string;
  /** Sum of Invocations. */
  readonly count: number;
  /** Errors / count; null without calls. */
  readonly errorRate: number | null;
  /** Latency percentiles in milliseconds; null when no call reported a latency. */
  readonly latencyP50: number | null;
  readonly latencyP99: number | null;
  /** Per call (sums over count); null without calls. */
  readonly meanInputTokens: number | null;
  readonly meanOutputTokens: number | null;
  readonly meanCostUsd: number | null;
}

export interface ShadowComparison {
  /** Shadow error rate minus primary error rate: above 0 means the shadow fails more. */
  readonly errorRateDifference: number | null;
  /** Two-sided two-proportion z-test of the error rates; null until both sides have calls. */
  readonly pValue: number | null;
  readonly significant: boolean;
  /** Shadow minus primary, in milliseconds; null when a side has no latency. */
  readonly latencyP50Difference: number | null;
  readonly latencyP99Difference: number | null;
  /** Shadow mean cost over primary mean cost; null when either is missing or the primary's is 0. */
  readonly costRatio: number | null;
  /** Human-readable verdict: `insufficient-data`, `no-significant-difference`, `shadow-worse`, `shadow-better`. */
  readonly verdict: 'insufficient-data' | 'no-significant-difference' | 'shadow-worse' | 'shadow-better';
}

/** GET /prompts/{id}/shadow?environment=&since= */
export interface ShadowReport {
  readonly environment: string;
  readonly since: string;
  readonly until: string;
  /** The shadow pin as the environment has it now; absent when it has none (the report covers `shadow.version` anyway). */
  readonly sampleRate?: number;
  readonly primary: ShadowStats;
  readonly shadow: ShadowStats;
  readonly comparison: ShadowComparison;
  /** The captured output pairs of the shadow version in the window (docs/shadows.md); absent without any. */
  readonly outputs?: ShadowOutputsSummary;
}

/** A window's captured primary/shadow output pairs, summarized (docs/shadows.md). */
export interface ShadowOutputsSummary {
  /** Pairs read in the window (at most the read cap). */
  readonly count: number;
  /** The newest pairs (at most 10): the outputs as stored and when the candidate settled. */
  readonly sample: readonly { readonly primary: string; readonly shadow: string; readonly at: string }[];
  /** Mean output lengths in characters; `meanRatio` is shadowMean / primaryMean (null when that is 0). */
  readonly length: {
    readonly primaryMean: number;
    readonly shadowMean: number;
    readonly meanRatio: number | null;
  };
  /** Token-set Jaccard similarity of each pair's outputs, 0..1: mean and nearest-rank percentiles. */
  readonly similarity: { readonly mean: number; readonly p10: number; readonly p50: number };
}

// Library maintenance (docs/maintenance.md).

/** Why and by whom a version was marked not to be deployed again. */
export interface Deprecation {
  readonly by: string;
  readonly at: string;
  readonly reason: string;
}

/** By whom a prompt was retired from the library. */
export interface Archival {
  readonly by: string;
  readonly at: string;
  readonly reason?: string;
}

/** A deprecated version named by a deploy, a rollback or a refusal. */
export interface DeprecatedVersionRef {
  readonly id: string;
  readonly version: string;
  readonly reason: string;
}

/** POST /prompts/{id}/versions/{version}/deprecation */
export interface DeprecateRequest {
  /** Why the version must not be deployed again: 1 to 1,000 characters, not only spaces. */
  readonly reason: string;
}

/**
 * POST .../deprecation: 201 when marked, 200 when it already was (with the first deprecation);
 * DELETE .../deprecation: 200 with `deprecation: null`.
 */
export interface DeprecationResponse {
  readonly id: string;
  readonly version: string;
  readonly deprecation: Deprecation | null;
}

/** POST /prompts/{id}/archive (the body is optional). */
export interface ArchiveRequest {
  readonly reason?: string;
}

/** POST /prompts/{id}/archive and /unarchive: 200, `archived` null once unarchived. */
export interface ArchiveResponse {
  readonly id: string;
  readonly archived: Archival | null;
}

/** How alike two prompts' sections are: Jaccard similarity of their word shingles, 0..1. */
export interface SectionSimilarity {
  readonly section: string;
  readonly similarity: number;
}

/** A prompt near-identical to another (docs/maintenance.md, "Near-duplicates"). */
export interface SimilarPrompt {
  readonly id: string;
  readonly version: string;
  /** Over the whole text of both prompts, 0..1. */
  readonly similarity: number;
  /** The sections both prompts have, most alike first. */
  readonly sections: readonly SectionSimilarity[];
}

/** GET /prompts?similar-to=<id>[&threshold=] */
export interface SimilarPromptsResponse {
  readonly id: string;
  readonly version: string;
  readonly threshold: number;
  /** Most alike first; the prompt itself and archived prompts are left out. */
  readonly items: readonly SimilarPrompt[];
}

/** Why a pinned version is due for review. */
export type ReviewReason =
  | { readonly kind: 'age'; readonly ageDays: number; readonly reviewEveryDays: number }
  | {
      readonly kind: 'model-retirement';
      readonly modelId: string;
      readonly retiresOn: string;
      /** Days until the retirement date; 0 or less once it has passed. */
      readonly daysLeft: number;
      readonly replacement?: string;
    };

/** A pinned version that its owner should review. */
export interface ReviewDueItem {
  readonly promptId: string;
  readonly version: string;
  /** From the version's front matter; absent when it names none. */
  readonly owner?: string;
  /** Environments that pin the version (in a plain pin or a variant). */
  readonly environments: readonly string[];
  readonly createdAt: string;
  readonly modelId?: string;
  readonly reasons: readonly ReviewReason[];
}

/** GET /review-due: what the daily reminder sends to the owners' topic. */
export interface ReviewDueReport {
  readonly generatedAt: string;
  readonly reviewEveryDays: number;
  /** Oldest first. */
  readonly items: readonly ReviewDueItem[];
}
/** GET /environments/{env}/incident: the incident timeline (src/core/incident.ts). */
export type { IncidentTimelineResponse, TimelineEntry } from './incident.ts';
