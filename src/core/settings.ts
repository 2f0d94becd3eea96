/**
 * The PromptOps configuration model: one parser shared by the CDK app (context keys), the embeddable
 * construct (which turns its typed props, Durations and AppConfig strategies, into these values first),
 * and local mode; the Lambdas read its output back with readHandlerEnvironment (handler-environment.ts).
 * Values may arrive as strings (`-c key=value`) or JSON values (cdk.json); every problem names its key
 * and the bad value, and all of them are collected before anything is thrown.
 */
import {
  DEFAULT_ENVIRONMENT_STRATEGIES,
  DEFAULT_ENVIRONMENTS,
  DEFAULT_PROTECTED_ENVIRONMENTS,
  type DeploymentStrategySpec,
  ENV,
  type GrowthType,
  LIMITS,
  PREDEFINED_STRATEGIES,
  predefinedStrategyId,
} from './contracts.ts';
import { type FieldError, ValidationError } from './errors.ts';
import { type ModelRetirement, parseModelRetirements } from './model-retirements.ts';

/** Every setting, resolved and checked. */
export interface PromptOpsSettings {
  /** Primary region (the app's `region` context key); the construct itself takes its stack's region. */
  readonly region?: string;
  /** Region of the replica stack (DynamoDB global table replica, S3 replication, backup copies). */
  readonly replicaRegion?: string;
  /** Environments, in promotion order. */
  readonly environments: readonly string[];
  /** Environments that accept only approved versions. */
  readonly protectedEnvironments: readonly string[];
  /** Deployment strategy name per environment (every environment has one). */
  readonly defaultStrategies: Readonly<Record<string, string>>;
  /** Strategies created in AppConfig in addition to the predefined ones. */
  readonly customStrategies: readonly DeploymentStrategySpec[];
  /** Error rate (percent of invocations) above which an environment's deployment rolls back. */
  readonly alarmErrorRatePercent: number;
  /** p99 latency (milliseconds) above which an environment's deployment rolls back. */
  readonly alarmP99LatencyMs: number;
  /** Negative feedback (percent of ratings) above which an environment's deployment rolls back. */
  readonly alarmNegativeFeedbackPercent: number;
  /** Samples (invocations or ratings) a period needs before its rate or percentile can alarm. */
  readonly alarmMinimumSamples: number;
  /** Email addresses subscribed to the operators' topic. */
  readonly operatorEmails: readonly string[];
  /** Bodies larger than this many bytes are referenced from the manifest instead of inlined. */
  readonly inlineBodyThreshold: number;
  /** Days feedback items are kept; undefined keeps them forever. */
  readonly feedbackRetentionDays?: number;
  /** Environments whose deploys need a PASSED evaluation run of each gated version (docs/evaluations-gate.md). */
  readonly evalGatedEnvironments: readonly string[];
  /** Whether a prompt with no evaluation suite is refused by the gate instead of passing it. */
  readonly requireEvalSuite: boolean;
  /** Bedrock model ids evaluations may call; empty refuses the bedrock provider. */
  readonly evalModels: readonly string[];
  /** Environments whose deployments canary analysis judges (docs/canary-analysis.md). */
  readonly canaryAnalysis: readonly string[];
  /** A difference counts as significant when the test's p-value is below this. */
  readonly canaryMaxPValue: number;
  /** Samples (invocations, or ratings for feedback) each side needs before it can be judged. */
  readonly canaryMinSamples: number;
  /** How far (a fraction, 0.02 = 2 points) the candidate's error rate may exceed the baseline's. */
  readonly canaryErrorRateMargin: number;
  /** How far (a fraction) the candidate's negative-feedback rate may exceed the baseline's. */
  readonly canaryNegativeFeedbackMargin: number;
  /** Candidate p99 over baseline p99 above which the candidate fails. */
  readonly canaryLatencyRatio: number;
  /** Days after publishing that a pinned version is due for review (docs/maintenance.md). */
  readonly reviewEveryDays: number;
  /** Model retirements added to the shipped list (docs/maintenance.md). */
  readonly modelRetirements: readonly ModelRetirement[];
  /**
   * The rollback decision matrix (docs/runbooks/README.md): per environment (every one listed), the
   * alarms whose ALARM rolls a deployment back by themselves; the others only notify.
   */
  readonly rollbackAlarms: Readonly<Record<string, readonly RollbackAlarmName[]>>;
  /** Where the runbooks are published: alarm descriptions and notifications link `<base>/<file>.md`. */
  readonly runbookBaseUrl?: string;
  /**
   * Environments whose shadow candidates' outputs are captured for comparison (docs/shadows.md):
   * off (none) by default, since outputs may hold personal data.
   */
  readonly shadowOutputCapture: readonly string[];
}

/** The alarms the decision matrix may make roll back: the threshold alarms of alarms.ts. */
export const ROLLBACK_ALARM_NAMES = ['ErrorRate', 'P99Latency', 'NegativeFeedbackRate'] as const;

export type RollbackAlarmName = (typeof ROLLBACK_ALARM_NAMES)[number];

/** The keys accepted by {@link parseSettings}: CDK context keys and construct props share these names. */
export const SETTINGS_KEYS = [
  'region',
  'replicaRegion',
  'environments',
  'protectedEnvironments',
  'defaultStrategies',
  'customStrategies',
  'alarmErrorRatePercent',
  'alarmP99LatencyMs',
  'alarmNegativeFeedbackPercent',
  'alarmMinimumSamples',
  'operatorEmails',
  'inlineBodyThreshold',
  'feedbackRetentionDays',
  'evalGatedEnvironments',
  'requireEvalSuite',
  'evalModels',
  'canaryAnalysis',
  'canaryMaxPValue',
  'canaryMinSamples',
  'canaryErrorRateMargin',
  'canaryNegativeFeedbackMargin',
  'canaryLatencyRatio',
  'reviewEveryDays',
  'modelRetirements',
  'rollbackAlarms',
  'runbookBaseUrl',
  'shadowOutputCapture',
] as const;

export type SettingsKey = (typeof SETTINGS_KEYS)[number];

/** Raw values by key: strings, JSON values or typed props. A missing (or null) key takes its default. */
export type SettingsInput = { readonly [K in SettingsKey]?: unknown };

/** The string that turns feedback expiry off. */
export const KEEP_FOREVER = 'forever';

export const DEFAULT_SETTINGS = {
  environments: DEFAULT_ENVIRONMENTS,
  protectedEnvironments: DEFAULT_PROTECTED_ENVIRONMENTS,
  alarmErrorRatePercent: 5,
  alarmP99LatencyMs: 15_000,
  alarmNegativeFeedbackPercent: 30,
  alarmMinimumSamples: 20,
  inlineBodyThreshold: LIMITS.inlineBodyThresholdBytes,
  feedbackRetentionDays: 365,
  /** Unset, the gated environments are the protected ones. */
  requireEvalSuite: false,
  evalModels: [],
  /** Unset, canary analysis judges the protected environments. */
  canaryMaxPValue: 0.01,
  canaryMinSamples: 50,
  canaryErrorRateMargin: 0.02,
  canaryNegativeFeedbackMargin: 0.1,
  canaryLatencyRatio: 1.5,
  reviewEveryDays: 180,
  modelRetirements: [],
} as const;

/** Strategy for an environment that neither the settings nor DEFAULT_ENVIRONMENT_STRATEGIES name. */
export const FALLBACK_STRATEGY = { protected: 'Canary10Percent20Minutes', unprotected: 'AllAtOnce' } as const;

const REGION = /^[a-z]{2}(-[a-z]+)+-\d{1,2}$/;
const ENVIRONMENT_NAME = /^[a-z][a-z0-9-]{0,31}$/;
const STRATEGY_NAME = /^[A-Za-z][A-Za-z0-9_-]{0,63}$/;
const EMAIL = /^[^\s@,;]+@[^\s@,;]+\.[^\s@,;]+$/;
/** Loosely a Bedrock model or inference profile id (`anthropic.claude-3-haiku-20240307-v1:0`, `us.amazon.nova-lite-v1:0`). */
const MODEL_ID = /^[a-z0-9.:-]+$/i;
/** A p99 more than this many times the baseline's is no longer a margin anyone means. */
const CANARY_MAX_LATENCY_RATIO = 100;
/** AppConfig's limits for a deployment strategy. */
const MAX_STRATEGY_MINUTES = 1440;
const MAX_RETENTION_DAYS = 3650;

export class SettingsError extends ValidationError {
  constructor(problems: readonly FieldError[]) {
    super(
      `Invalid PromptOps settings (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n${problems
        .map((p) => `  - ${p.path}: ${p.message}`)
        .join('\n')}`,
      problems,
    );
    this.name = 'SettingsError';
  }
}

/** Parses and checks every setting; throws one {@link SettingsError} listing all problems. */
export function parseSettings(input: SettingsInput): PromptOpsSettings {
  const problems: FieldError[] = [];
  const bad = (key: SettingsKey, message: string, value: unknown) =>
    problems.push({ path: key, message: `${message} (got ${show(value)})` });

  const region = optionalRegion(input, 'region', bad);
  const replicaRegion = optionalRegion(input, 'replicaRegion', bad);
  if (region !== undefined && replicaRegion === region) {
    bad('replicaRegion', 'must differ from the primary region', replicaRegion);
  }

  const environments = nameList(input, 'environments', DEFAULT_SETTINGS.environments, bad);
  if (given(input.environments) && environments.length === 0) {
    bad('environments', 'must name at least one environment', input.environments);
  }
  // The default (prod) applies only where such an environment exists; a given list must match.
  const protectedEnvironments = given(input.protectedEnvironments)
    ? nameList(input, 'protectedEnvironments', [], bad).filter((env) => {
        // With no valid environment there is nothing to check against; that problem is already reported.
        if (environments.length === 0 || environments.includes(env)) return true;
        bad(
          'protectedEnvironments',
          `"${env}" is not one of the environments (${environments.join(', ')})`,
          env,
        );
        return false;
      })
    : DEFAULT_SETTINGS.protectedEnvironments.filter((env) => environments.includes(env));

  const customStrategies = parseCustomStrategies(input.customStrategies, bad);
  const strategyNames = new Set([
    ...Object.keys(PREDEFINED_STRATEGIES),
    ...customStrategies.map((s) => s.name),
  ]);
  const defaultStrategies = resolveDefaultStrategies(
    input.defaultStrategies,
    environments,
    protectedEnvironments,
    strategyNames,
    bad,
  );

  const operatorEmails = stringList(input, 'operatorEmails', [], bad).filter((email) => {
    if (EMAIL.test(email)) return true;
    bad('operatorEmails', `"${email}" is not an email address`, email);
    return false;
  });

  const feedbackRetentionDays = parseRetention(input.feedbackRetentionDays, bad);

  // Unset, the gate guards what the approval gate guards.
  const evalGatedEnvironments = given(input.evalGatedEnvironments)
    ? nameList(input, 'evalGatedEnvironments', [], bad).filter((env) => {
        if (environments.length === 0 || environments.includes(env)) return true;
        bad(
          'evalGatedEnvironments',
          `"${env}" is not one of the environments (${environments.join(', ')})`,
          env,
        );
        return false;
      })
    : [...protectedEnvironments];
  const requireEvalSuite = parseBoolean(input, 'requireEvalSuite', bad);
  const evalModels = stringList(input, 'evalModels', DEFAULT_SETTINGS.evalModels, bad).filter((model) => {
    if (MODEL_ID.test(model)) return true;
    bad(
      'evalModels',
      `"${model}" is not a Bedrock model id such as anthropic.claude-3-haiku-20240307-v1:0`,
      model,
    );
    return false;
  });

  // Unset, canary analysis judges what the approval gate guards.
  const canaryAnalysis = given(input.canaryAnalysis)
    ? nameList(input, 'canaryAnalysis', [], bad).filter((env) => {
        if (environments.length === 0 || environments.includes(env)) return true;
        bad('canaryAnalysis', `"${env}" is not one of the environments (${environments.join(', ')})`, env);
        return false;
      })
    : [...protectedEnvironments];

  // Off unless named: captured outputs may hold personal data (docs/shadows.md).
  const shadowOutputCapture = nameList(input, 'shadowOutputCapture', [], bad).filter((env) => {
    if (environments.length === 0 || environments.includes(env)) return true;
    bad('shadowOutputCapture', `"${env}" is not one of the environments (${environments.join(', ')})`, env);
    return false;
  });

  const rollbackAlarms = parseRollbackAlarms(input.rollbackAlarms, environments, bad);
  const runbookBaseUrl = parseRunbookBaseUrl(input.runbookBaseUrl, bad);

  const settings: PromptOpsSettings = {
    ...(region !== undefined ? { region } : {}),
    ...(replicaRegion !== undefined ? { replicaRegion } : {}),
    environments,
    protectedEnvironments,
    defaultStrategies,
    customStrategies,
    alarmErrorRatePercent: number(
      input,
      'alarmErrorRatePercent',
      { min: 0, max: 100, minExclusive: true },
      bad,
    ),
    alarmP99LatencyMs: number(input, 'alarmP99LatencyMs', { min: 0, max: 900_000, minExclusive: true }, bad),
    alarmNegativeFeedbackPercent: number(
      input,
      'alarmNegativeFeedbackPercent',
      { min: 0, max: 100, minExclusive: true },
      bad,
    ),
    alarmMinimumSamples: number(input, 'alarmMinimumSamples', { min: 1, max: 1_000_000, integer: true }, bad),
    operatorEmails,
    inlineBodyThreshold: number(
      input,
      'inlineBodyThreshold',
      { min: 0, max: LIMITS.maxDocumentBytes, integer: true },
      bad,
    ),
    ...(feedbackRetentionDays !== undefined ? { feedbackRetentionDays } : {}),
    evalGatedEnvironments,
    requireEvalSuite,
    evalModels,
    canaryAnalysis,
    canaryMaxPValue: number(
      input,
      'canaryMaxPValue',
      { min: 0, max: 1, minExclusive: true, maxExclusive: true },
      bad,
    ),
    canaryMinSamples: number(input, 'canaryMinSamples', { min: 1, max: 1_000_000, integer: true }, bad),
    canaryErrorRateMargin: number(input, 'canaryErrorRateMargin', { min: 0, max: 1 }, bad),
    canaryNegativeFeedbackMargin: number(input, 'canaryNegativeFeedbackMargin', { min: 0, max: 1 }, bad),
    canaryLatencyRatio: number(
      input,
      'canaryLatencyRatio',
      { min: 1, max: CANARY_MAX_LATENCY_RATIO, minExclusive: true },
      bad,
    ),
    reviewEveryDays: number(
      input,
      'reviewEveryDays',
      { min: 1, max: MAX_RETENTION_DAYS, integer: true },
      bad,
    ),
    modelRetirements: parseRetirementsSetting(input.modelRetirements, problems),
    rollbackAlarms,
    ...(runbookBaseUrl !== undefined ? { runbookBaseUrl } : {}),
    shadowOutputCapture,
  };
  for (const key of Object.keys(input)) {
    if (!(SETTINGS_KEYS as readonly string[]).includes(key)) {
      problems.push({
        path: key,
        message: `is not a PromptOps setting (known: ${SETTINGS_KEYS.join(', ')})`,
      });
    }
  }
  if (problems.length > 0) throw new SettingsError(problems);
  return settings;
}

/** Picks the settings keys out of a larger bag of values (CDK context holds other keys too). */
export function pickSettings(values: Readonly<Record<string, unknown>>): SettingsInput {
  const picked: Record<string, unknown> = {};
  for (const key of SETTINGS_KEYS) if (values[key] !== undefined) picked[key] = values[key];
  return picked;
}

/**
 * The strategy of an environment whose settings chose none: DEFAULT_ENVIRONMENT_STRATEGIES, then
 * FALLBACK_STRATEGY by whether it is protected.
 */
export function defaultStrategyFor(environment: string, protectedEnvironments: readonly string[]): string {
  return (
    DEFAULT_ENVIRONMENT_STRATEGIES[environment] ??
    (protectedEnvironments.includes(environment)
      ? FALLBACK_STRATEGY.protected
      : FALLBACK_STRATEGY.unprotected)
  );
}

/** Looks a strategy up by name among the predefined and custom ones. */
export function findStrategy(settings: PromptOpsSettings, name: string): DeploymentStrategySpec | undefined {
  return PREDEFINED_STRATEGIES[name] ?? settings.customStrategies.find((s) => s.name === name);
}

/** Predefined strategy names mapped to their fixed AppConfig ids (`AppConfig.<name>`). */
export function predefinedStrategyIds(): Record<string, string> {
  return Object.fromEntries(
    Object.keys(PREDEFINED_STRATEGIES).map((name) => [name, predefinedStrategyId(name)]),
  );
}

/** The settings the handlers need: what {@link settingsEnvironment} writes and `readHandlerEnvironment` reads back. */
export type HandlerSettings = Pick<
  PromptOpsSettings,
  | 'environments'
  | 'protectedEnvironments'
  | 'defaultStrategies'
  | 'inlineBodyThreshold'
  | 'feedbackRetentionDays'
  | 'evalGatedEnvironments'
  | 'requireEvalSuite'
  | 'evalModels'
  | 'canaryAnalysis'
  | 'canaryMaxPValue'
  | 'canaryMinSamples'
  | 'canaryErrorRateMargin'
  | 'canaryNegativeFeedbackMargin'
  | 'canaryLatencyRatio'
  | 'reviewEveryDays'
  | 'modelRetirements'
  | 'shadowOutputCapture'
>;

/**
 * The environment variables the handlers read that derive from settings alone. Resource names and
 * ids (tables, bucket, AppConfig ids, custom strategy ids) are added by whoever owns the resources.
 * The inverse is `readHandlerEnvironment` (handler-environment.ts).
 */
export function settingsEnvironment(settings: HandlerSettings): Record<string, string> {
  return {
    [ENV.environments]: settings.environments.join(','),
    [ENV.protectedEnvironments]: settings.protectedEnvironments.join(','),
    [ENV.defaultStrategies]: JSON.stringify(settings.defaultStrategies),
    [ENV.inlineBodyThreshold]: String(settings.inlineBodyThreshold),
    ...(settings.feedbackRetentionDays !== undefined
      ? { [ENV.feedbackRetentionDays]: String(settings.feedbackRetentionDays) }
      : {}),
    [ENV.evalGatedEnvironments]: settings.evalGatedEnvironments.join(','),
    [ENV.requireEvalSuite]: String(settings.requireEvalSuite),
    [ENV.evalModels]: settings.evalModels.join(','),
    [ENV.canaryEnvironments]: settings.canaryAnalysis.join(','),
    [ENV.canaryMaxPValue]: String(settings.canaryMaxPValue),
    [ENV.canaryMinSamples]: String(settings.canaryMinSamples),
    [ENV.canaryErrorRateMargin]: String(settings.canaryErrorRateMargin),
    [ENV.canaryNegativeFeedbackMargin]: String(settings.canaryNegativeFeedbackMargin),
    [ENV.canaryLatencyRatio]: String(settings.canaryLatencyRatio),
    [ENV.reviewEveryDays]: String(settings.reviewEveryDays),
    ...(settings.modelRetirements.length > 0
      ? { [ENV.modelRetirements]: JSON.stringify(settings.modelRetirements) }
      : {}),
    ...(settings.shadowOutputCapture.length > 0
      ? { [ENV.shadowOutputCapture]: settings.shadowOutputCapture.join(',') }
      : {}),
  };
}

/** The settings only the notifier reads (docs/runbooks/README.md), as its environment variables. */
export function notifierSettingsEnvironment(
  settings: Pick<PromptOpsSettings, 'rollbackAlarms' | 'runbookBaseUrl'>,
): Record<string, string> {
  return {
    [ENV.rollbackAlarms]: JSON.stringify(settings.rollbackAlarms),
    ...(settings.runbookBaseUrl !== undefined ? { [ENV.runbookBaseUrl]: settings.runbookBaseUrl } : {}),
  };
}

type Report = (key: SettingsKey, message: string, value: unknown) => void;

/** `modelRetirements`: a list, or its JSON text (`-c modelRetirements='[...]'`); blank is none. */
function parseRetirementsSetting(value: unknown, problems: FieldError[]): ModelRetirement[] {
  if (!given(value) || (typeof value === 'string' && value.trim() === '')) return [];
  let list = value;
  if (typeof value === 'string') {
    try {
      list = JSON.parse(value);
    } catch {
      problems.push({
        path: 'modelRetirements',
        message: `must be a JSON list of {modelId, retiresOn, replacement?} (got ${show(value)})`,
      });
      return [];
    }
  }
  try {
    return parseModelRetirements(list);
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    problems.push(...(error.errors ?? []));
    return [];
  }
}

function given(value: unknown): boolean {
  return value !== undefined && value !== null;
}

function show(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  // JSON would show NaN and Infinity as null, which is not what the caller passed.
  if (typeof value === 'number' && !Number.isFinite(value)) return String(value);
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

function optionalRegion(
  input: SettingsInput,
  key: 'region' | 'replicaRegion',
  bad: Report,
): string | undefined {
  const value = input[key];
  if (!given(value) || value === '') return undefined;
  if (typeof value !== 'string' || !REGION.test(value.trim())) {
    bad(key, 'must be an AWS region such as us-east-1', value);
    return undefined;
  }
  return value.trim();
}

/** A list from a comma-separated string or an array of strings; empty entries are dropped. */
function stringList(
  input: SettingsInput,
  key: SettingsKey,
  fallback: readonly string[],
  bad: Report,
): string[] {
  const value = input[key];
  if (!given(value)) return [...fallback];
  let items: unknown[];
  if (typeof value === 'string') items = value.split(',');
  else if (Array.isArray(value)) items = value;
  else {
    bad(key, 'must be a comma-separated list', value);
    return [...fallback];
  }
  const out: string[] = [];
  for (const item of items) {
    if (typeof item !== 'string') {
      bad(key, 'must list strings', item);
      continue;
    }
    const trimmed = item.trim();
    if (trimmed !== '' && !out.includes(trimmed)) out.push(trimmed);
  }
  return out;
}

function nameList(
  input: SettingsInput,
  key: SettingsKey,
  fallback: readonly string[],
  bad: Report,
): string[] {
  return stringList(input, key, fallback, bad).filter((name) => {
    if (ENVIRONMENT_NAME.test(name)) return true;
    bad(
      key,
      `"${name}" is not a valid environment name: use 1 to 32 lowercase letters, digits or hyphens, starting with a letter`,
      name,
    );
    return false;
  });
}

/** A boolean, or its text as `-c key=true` passes it; blank takes the default. */
function parseBoolean(input: SettingsInput, key: 'requireEvalSuite', bad: Report): boolean {
  const value = input[key];
  if (typeof value === 'boolean') return value;
  if (!given(value) || value === '') return DEFAULT_SETTINGS[key];
  const text = typeof value === 'string' ? value.trim().toLowerCase() : undefined;
  if (text === 'true') return true;
  if (text === 'false') return false;
  bad(key, 'must be true or false', value);
  return DEFAULT_SETTINGS[key];
}

interface NumberRule {
  readonly min: number;
  readonly max: number;
  readonly integer?: boolean;
  readonly minExclusive?: boolean;
  readonly maxExclusive?: boolean;
}

function number(
  input: SettingsInput,
  key: keyof typeof DEFAULT_SETTINGS & SettingsKey,
  rule: NumberRule,
  bad: Report,
): number {
  const fallback = DEFAULT_SETTINGS[key] as number;
  const value = input[key];
  if (!given(value)) return fallback;
  const n = toNumber(value);
  const low = rule.minExclusive ? `greater than ${rule.min}` : `at least ${rule.min}`;
  const high = rule.maxExclusive ? `less than ${rule.max}` : `at most ${rule.max}`;
  const kind = rule.integer ? 'a whole number' : 'a number';
  if (
    n === undefined ||
    (rule.integer && !Number.isInteger(n)) ||
    (rule.minExclusive ? n <= rule.min : n < rule.min) ||
    (rule.maxExclusive ? n >= rule.max : n > rule.max)
  ) {
    bad(key, `must be ${kind} ${low} and ${high}`, value);
    return fallback;
  }
  return n;
}

function toNumber(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value === 'string' && value.trim() !== '') {
    const n = Number(value.trim());
    return Number.isFinite(n) ? n : undefined;
  }
  return undefined;
}

function parseRetention(value: unknown, bad: Report): number | undefined {
  if (!given(value)) return DEFAULT_SETTINGS.feedbackRetentionDays;
  if (value === KEEP_FOREVER) return undefined;
  const n = toNumber(value);
  if (n === undefined || !Number.isInteger(n) || n < 1 || n > MAX_RETENTION_DAYS) {
    bad(
      'feedbackRetentionDays',
      `must be a whole number of days from 1 to ${MAX_RETENTION_DAYS}, or "${KEEP_FOREVER}"`,
      value,
    );
    return DEFAULT_SETTINGS.feedbackRetentionDays;
  }
  return n;
}

/** A JSON text, or the value itself when it is not a string. */
function jsonValue(key: SettingsKey, value: unknown, bad: Report): unknown {
  if (typeof value !== 'string') return value;
  try {
    return JSON.parse(value);
  } catch {
    bad(key, 'must be JSON', value);
    return undefined;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * `customStrategies`: a JSON array of strategies (each with its `name`), or a JSON object of name to
 * strategy, e.g. `{"Linear25PercentEvery2Minutes": {"deploymentDurationInMinutes": 8, "growthFactor": 25,
 * "growthType": "LINEAR", "finalBakeTimeInMinutes": 5}}`.
 */
function parseCustomStrategies(value: unknown, bad: Report): DeploymentStrategySpec[] {
  if (!given(value) || value === '') return [];
  const parsed = jsonValue('customStrategies', value, bad);
  if (parsed === undefined) return [];
  let entries: [string | undefined, unknown][];
  if (Array.isArray(parsed)) {
    entries = parsed.map((spec) => [
      isRecord(spec) && typeof spec.name === 'string' ? spec.name : undefined,
      spec,
    ]);
  } else if (isRecord(parsed)) {
    entries = Object.entries(parsed);
  } else {
    bad('customStrategies', 'must be a JSON array or object of deployment strategies', value);
    return [];
  }
  const out: DeploymentStrategySpec[] = [];
  for (const [name, spec] of entries) {
    const strategy = parseStrategy(name, spec, bad);
    if (!strategy) continue;
    if (out.some((s) => s.name === strategy.name)) {
      bad('customStrategies', `"${strategy.name}" is defined twice`, strategy.name);
      continue;
    }
    out.push(strategy);
  }
  return out;
}

function parseStrategy(
  name: string | undefined,
  spec: unknown,
  bad: Report,
): DeploymentStrategySpec | undefined {
  // A strategy with any problem is dropped, so problems are gathered here before being reported.
  const problems: [string, unknown][] = [];
  const report = (message: string, value: unknown) => problems.push([message, value]);
  const flush = () => {
    for (const [message, value] of problems) bad('customStrategies', message, value);
    return undefined;
  };
  if (!isRecord(spec)) {
    report(`strategy ${name ? `"${name}" ` : ''}must be an object`, spec);
    return flush();
  }
  if (name === undefined || !STRATEGY_NAME.test(name)) {
    report(
      'a strategy name must be 1 to 64 letters, digits, "_" or "-", starting with a letter',
      name ?? spec.name,
    );
    return flush();
  }
  if (PREDEFINED_STRATEGIES[name]) {
    report(`"${name}" is a predefined AppConfig strategy: choose another name`, name);
    return flush();
  }
  const minutes = (field: string) => {
    const n = toNumber(spec[field]);
    if (n === undefined || !Number.isInteger(n) || n < 0 || n > MAX_STRATEGY_MINUTES) {
      report(
        `"${name}".${field} must be a whole number of minutes from 0 to ${MAX_STRATEGY_MINUTES}`,
        spec[field],
      );
      return 0;
    }
    return n;
  };
  const deploymentDurationInMinutes = minutes('deploymentDurationInMinutes');
  const finalBakeTimeInMinutes = minutes('finalBakeTimeInMinutes');
  const growthFactor = toNumber(spec.growthFactor);
  if (growthFactor === undefined || growthFactor < 1 || growthFactor > 100) {
    report(`"${name}".growthFactor must be a number from 1 to 100`, spec.growthFactor);
  }
  const growthType = spec.growthType ?? 'LINEAR';
  if (growthType !== 'LINEAR' && growthType !== 'EXPONENTIAL') {
    report(`"${name}".growthType must be LINEAR or EXPONENTIAL`, spec.growthType);
  }
  for (const field of Object.keys(spec)) {
    if (!STRATEGY_FIELDS.includes(field)) report(`"${name}" has an unknown field "${field}"`, field);
  }
  if (problems.length > 0) return flush();
  return {
    name,
    deploymentDurationInMinutes,
    growthFactor: growthFactor as number,
    growthType: growthType as GrowthType,
    finalBakeTimeInMinutes,
  };
}

const STRATEGY_FIELDS = [
  'name',
  'deploymentDurationInMinutes',
  'finalBakeTimeInMinutes',
  'growthFactor',
  'growthType',
];

/**
 * `defaultStrategies`: `env=Strategy` pairs separated by commas, or a JSON object. Environments left
 * out take DEFAULT_ENVIRONMENT_STRATEGIES, then FALLBACK_STRATEGY by whether they are protected.
 */
function resolveDefaultStrategies(
  value: unknown,
  environments: readonly string[],
  protectedEnvironments: readonly string[],
  strategyNames: ReadonlySet<string>,
  bad: Report,
): Record<string, string> {
  const chosenByEnv: Record<string, unknown> = {};
  if (given(value) && value !== '') {
    if (typeof value === 'string' && !value.trim().startsWith('{')) {
      for (const pair of value.split(',')) {
        if (pair.trim() === '') continue;
        const [env, strategy, ...rest] = pair.split('=').map((s) => s.trim());
        if (!env || !strategy || rest.length > 0) {
          bad('defaultStrategies', 'must be env=Strategy pairs separated by commas', pair.trim());
          continue;
        }
        chosenByEnv[env] = strategy;
      }
    } else {
      const parsed = jsonValue('defaultStrategies', value, bad);
      if (isRecord(parsed)) Object.assign(chosenByEnv, parsed);
      else if (parsed !== undefined) {
        bad('defaultStrategies', 'must be env=Strategy pairs or a JSON object', value);
      }
    }
  }
  for (const [env, strategy] of Object.entries(chosenByEnv)) {
    if (!environments.includes(env)) {
      bad('defaultStrategies', `"${env}" is not one of the environments (${environments.join(', ')})`, env);
    } else if (typeof strategy !== 'string' || !strategyNames.has(strategy)) {
      bad(
        'defaultStrategies',
        `strategy for "${env}" must be one of ${[...strategyNames].join(', ')}`,
        strategy,
      );
    }
  }
  const out: Record<string, string> = {};
  for (const env of environments) {
    const chosen = chosenByEnv[env];
    out[env] =
      typeof chosen === 'string' && strategyNames.has(chosen)
        ? chosen
        : defaultStrategyFor(env, protectedEnvironments);
  }
  return out;
}

/** The word that makes an environment's alarms notify only (`dev=none`). */
const NO_ROLLBACK_ALARMS = 'none';

/**
 * `rollbackAlarms`: `env=Alarm+Alarm` pairs separated by commas (`dev=ErrorRate,prod=ErrorRate+P99Latency+NegativeFeedbackRate`),
 * or a JSON object of environment to alarm names. Environments left out roll back on all three.
 * An environment keeps at least one: its composite of them is its AppConfig monitor.
 */
function parseRollbackAlarms(
  value: unknown,
  environments: readonly string[],
  bad: Report,
): Record<string, RollbackAlarmName[]> {
  const chosen: Record<string, unknown> = {};
  if (given(value) && value !== '') {
    if (typeof value === 'string' && !value.trim().startsWith('{')) {
      for (const pair of value.split(',')) {
        if (pair.trim() === '') continue;
        const [env, alarms, ...rest] = pair.split('=').map((s) => s.trim());
        if (!env || alarms === undefined || rest.length > 0) {
          bad('rollbackAlarms', 'must be env=Alarm+Alarm pairs separated by commas', pair.trim());
          continue;
        }
        chosen[env] = alarms === NO_ROLLBACK_ALARMS ? [] : alarms.split('+').map((a) => a.trim());
      }
    } else {
      const parsed = jsonValue('rollbackAlarms', value, bad);
      if (isRecord(parsed)) Object.assign(chosen, parsed);
      else if (parsed !== undefined)
        bad('rollbackAlarms', 'must be env=Alarm+Alarm pairs or a JSON object', value);
    }
  }
  const out: Record<string, RollbackAlarmName[]> = {};
  for (const [env, alarms] of Object.entries(chosen)) {
    if (!environments.includes(env)) {
      bad('rollbackAlarms', `"${env}" is not one of the environments (${environments.join(', ')})`, env);
      continue;
    }
    const list = Array.isArray(alarms) ? alarms : undefined;
    if (!list) {
      bad(
        'rollbackAlarms',
        `alarms of "${env}" must be a list of ${ROLLBACK_ALARM_NAMES.join(', ')}`,
        alarms,
      );
      continue;
    }
    const names: RollbackAlarmName[] = [];
    for (const alarm of list) {
      if (!(ROLLBACK_ALARM_NAMES as readonly unknown[]).includes(alarm)) {
        bad(
          'rollbackAlarms',
          `"${String(alarm)}" of "${env}" is not one of ${ROLLBACK_ALARM_NAMES.join(', ')}`,
          alarm,
        );
      } else if (!names.includes(alarm as RollbackAlarmName)) names.push(alarm as RollbackAlarmName);
    }
    if (names.length === 0 && list.length === 0) {
      bad(
        'rollbackAlarms',
        `"${env}" must keep at least one rollback alarm: their composite is the environment's AppConfig monitor (make the others notify only by leaving them out)`,
        alarms,
      );
    }
    out[env] = ROLLBACK_ALARM_NAMES.filter((name) => names.includes(name));
  }
  for (const env of environments) out[env] ??= [...ROLLBACK_ALARM_NAMES];
  // Only problems leave an environment empty; its default stands in for it.
  for (const env of environments) if (out[env]?.length === 0) out[env] = [...ROLLBACK_ALARM_NAMES];
  return out;
}

function parseRunbookBaseUrl(value: unknown, bad: Report): string | undefined {
  if (!given(value) || value === '') return undefined;
  if (typeof value !== 'string' || !/^https:\/\/[^\s]+$/.test(value.trim())) {
    bad('runbookBaseUrl', 'must be an https:// URL (where docs/runbooks/ is published)', value);
    return undefined;
  }
  return value.trim().replace(/\/+$/, '');
}
