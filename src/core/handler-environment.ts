/**
 * The Lambda environment contract, read: the inverse of `settingsEnvironment` plus the resource names
 * and ids the construct adds beside it (variable names in {@link ENV}). Defaults come from the same
 * DEFAULT_SETTINGS and FALLBACK_STRATEGY the writer uses, so a handler given no variable behaves as one
 * deployed with the default settings.
 *
 * One rule for blank values (empty or only spaces): a blank variable holds nothing. A blank list is a
 * list with no entries; a blank name, number or JSON object is no value, so its default applies or, for
 * a name the handler needs, the variable counts as unset.
 */

import { ENV, LIMITS } from './contracts.ts';
import { isPromptOpsError } from './errors.ts';
import { type ModelRetirement, parseModelRetirements } from './model-retirements.ts';
import { DEFAULT_SETTINGS, defaultStrategyFor, type HandlerSettings } from './settings.ts';

/** Environment variables by name, as `process.env` holds them. */
export type EnvironmentVariables = Readonly<Record<string, string | undefined>>;

/** The resources a handler may need, by the variable that names them. */
export const RESOURCE_VARIABLES = {
  table: ENV.table,
  feedbackTable: ENV.feedbackTable,
  idempotencyTable: ENV.idempotencyTable,
  bodyBucket: ENV.bodyBucket,
  appConfigApplicationId: ENV.appConfigApplicationId,
  appConfigProfileId: ENV.appConfigProfileId,
  feedbackHashSecret: ENV.feedbackHashSecret,
  feedbackHashSecretArn: ENV.feedbackHashSecretArn,
  dynamodbEndpoint: ENV.dynamodbEndpoint,
  s3Endpoint: ENV.s3Endpoint,
  appConfigEndpoint: ENV.appConfigEndpoint,
  evaluationFunction: ENV.evaluationFunction,
  ownersTopicArn: ENV.ownersTopicArn,
  operatorsTopicArn: ENV.operatorsTopicArn,
} as const;

export type ResourceName = keyof typeof RESOURCE_VARIABLES;

/** Everything a handler reads from its environment, checked. */
export interface HandlerEnvironment {
  /** What `settingsEnvironment` wrote, defaults filled in. */
  readonly settings: HandlerSettings;
  /**
   * Resource names, ids and endpoints that are set. Which ones a handler needs depends on the handler
   * (the config validator has no profile id, for one), so {@link requiredResource} checks them on use.
   */
  readonly resources: Readonly<Partial<Record<ResourceName, string>>>;
  /** Environment name to AppConfig environment id (PROMPTOPS_APPCONFIG_ENVIRONMENT_IDS). */
  readonly appConfigEnvironmentIds: Readonly<Record<string, string>>;
  /** Custom strategy name to AppConfig deployment strategy id (PROMPTOPS_STRATEGIES). */
  readonly customStrategyIds: Readonly<Record<string, string>>;
}

/** A missing or malformed variable: a deployment mistake, so handlers fail loudly (a logged 500) naming it. */
export class HandlerEnvironmentError extends Error {
  /** One line per problem, each naming its variable and, when set, its value. */
  readonly problems: readonly string[];

  constructor(problems: readonly string[], options?: ErrorOptions) {
    super(problems.join('\n'), options);
    this.name = 'HandlerEnvironmentError';
    this.problems = problems;
  }
}

/** Reads and checks the handler environment; throws one {@link HandlerEnvironmentError} listing every problem. */
export function readHandlerEnvironment(env: EnvironmentVariables): HandlerEnvironment {
  const problems: string[] = [];
  const bad = (name: string, message: string) =>
    problems.push(`Environment variable ${name} ${message}, got ${JSON.stringify(env[name])}`);

  const environments = list(env, ENV.environments) ?? [...DEFAULT_SETTINGS.environments];
  if (environments.length === 0) bad(ENV.environments, 'must name at least one environment');
  // Unset, as parseSettings does: the default protected environments that exist.
  const protectedEnvironments =
    list(env, ENV.protectedEnvironments) ??
    DEFAULT_SETTINGS.protectedEnvironments.filter((name) => environments.includes(name));
  const chosen = stringMap(env, ENV.defaultStrategies, bad);
  const defaultStrategies = Object.fromEntries(
    environments.map((name) => [
      name,
      Object.hasOwn(chosen, name)
        ? (chosen[name] as string)
        : defaultStrategyFor(name, protectedEnvironments),
    ]),
  );
  const inlineBodyThreshold =
    wholeNumber(env, ENV.inlineBodyThreshold, { min: 0, max: LIMITS.maxDocumentBytes, unit: 'bytes' }, bad) ??
    DEFAULT_SETTINGS.inlineBodyThreshold;
  // Unset keeps feedback forever: the writer leaves the variable out for that.
  const feedbackRetentionDays = wholeNumber(env, ENV.feedbackRetentionDays, { min: 1, unit: 'days' }, bad);
  // Unset, as parseSettings does: the gate guards the protected environments.
  const evalGatedEnvironments = list(env, ENV.evalGatedEnvironments) ?? [...protectedEnvironments];
  const requireEvalSuite = flag(env, ENV.requireEvalSuite, bad) ?? DEFAULT_SETTINGS.requireEvalSuite;
  const evalModels = list(env, ENV.evalModels) ?? [...DEFAULT_SETTINGS.evalModels];
  // Unset, as parseSettings does: canary analysis judges the protected environments.
  const canaryAnalysis = list(env, ENV.canaryEnvironments) ?? [...protectedEnvironments];
  const canaryMaxPValue =
    decimal(env, ENV.canaryMaxPValue, { above: 0, below: 1 }, bad) ?? DEFAULT_SETTINGS.canaryMaxPValue;
  const canaryMinSamples =
    wholeNumber(env, ENV.canaryMinSamples, { min: 1, unit: 'samples' }, bad) ??
    DEFAULT_SETTINGS.canaryMinSamples;
  const canaryErrorRateMargin =
    decimal(env, ENV.canaryErrorRateMargin, { min: 0, max: 1 }, bad) ??
    DEFAULT_SETTINGS.canaryErrorRateMargin;
  const canaryNegativeFeedbackMargin =
    decimal(env, ENV.canaryNegativeFeedbackMargin, { min: 0, max: 1 }, bad) ??
    DEFAULT_SETTINGS.canaryNegativeFeedbackMargin;
  const canaryLatencyRatio =
    decimal(env, ENV.canaryLatencyRatio, { above: 1 }, bad) ?? DEFAULT_SETTINGS.canaryLatencyRatio;
  const reviewEveryDays =
    wholeNumber(env, ENV.reviewEveryDays, { min: 1, max: 3650, unit: 'days' }, bad) ??
    DEFAULT_SETTINGS.reviewEveryDays;
  const modelRetirements = retirements(env, ENV.modelRetirements, bad);
  // Unset, as parseSettings does: no environment captures shadow outputs.
  const shadowOutputCapture = list(env, ENV.shadowOutputCapture) ?? [];

  const resources: Partial<Record<ResourceName, string>> = {};
  for (const [resource, name] of Object.entries(RESOURCE_VARIABLES) as [ResourceName, string][]) {
    const value = text(env, name);
    if (value !== undefined) resources[resource] = value;
  }
  const appConfigEnvironmentIds = stringMap(env, ENV.appConfigEnvironmentIds, bad);
  const customStrategyIds = stringMap(env, ENV.strategies, bad);

  if (problems.length > 0) throw new HandlerEnvironmentError(problems);
  return {
    settings: {
      environments,
      protectedEnvironments,
      defaultStrategies,
      inlineBodyThreshold,
      ...(feedbackRetentionDays !== undefined ? { feedbackRetentionDays } : {}),
      evalGatedEnvironments,
      requireEvalSuite,
      evalModels,
      canaryAnalysis,
      canaryMaxPValue,
      canaryMinSamples,
      canaryErrorRateMargin,
      canaryNegativeFeedbackMargin,
      canaryLatencyRatio,
      reviewEveryDays,
      modelRetirements,
      shadowOutputCapture,
    },
    resources,
    appConfigEnvironmentIds,
    customStrategyIds,
  };
}

/** A resource the handler cannot work without; throws naming its variable when it is unset or blank. */
export function requiredResource(environment: HandlerEnvironment, resource: ResourceName): string {
  const value = environment.resources[resource];
  if (value === undefined) {
    throw new HandlerEnvironmentError([`Environment variable ${RESOURCE_VARIABLES[resource]} is not set`]);
  }
  return value;
}

/** The value as set (a secret is used as given), or undefined when unset or blank. */
function text(env: EnvironmentVariables, name: string): string | undefined {
  const value = env[name];
  return value === undefined || value.trim() === '' ? undefined : value;
}

/** Comma-separated entries, trimmed, blanks and repeats dropped; undefined only when unset. */
function list(env: EnvironmentVariables, name: string): string[] | undefined {
  const raw = env[name];
  if (raw === undefined) return undefined;
  const entries = raw.split(',').map((entry) => entry.trim());
  return entries.filter((entry, i) => entry !== '' && entries.indexOf(entry) === i);
}

type Report = (name: string, message: string) => void;

/** `true` or `false` (any case); undefined when unset or blank. */
function flag(env: EnvironmentVariables, name: string, bad: Report): boolean | undefined {
  const raw = text(env, name)?.trim().toLowerCase();
  if (raw === undefined) return undefined;
  if (raw === 'true') return true;
  if (raw === 'false') return false;
  bad(name, 'must be true or false');
  return undefined;
}

function wholeNumber(
  env: EnvironmentVariables,
  name: string,
  rule: { readonly min: number; readonly max?: number; readonly unit: string },
  bad: Report,
): number | undefined {
  const raw = text(env, name)?.trim();
  if (raw === undefined) return undefined;
  const n = /^\d+$/.test(raw) ? Number(raw) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < rule.min || (rule.max !== undefined && n > rule.max)) {
    const range = rule.max === undefined ? `of at least ${rule.min}` : `from ${rule.min} to ${rule.max}`;
    bad(name, `must be a whole number of ${rule.unit} ${range}`);
    return undefined;
  }
  return n;
}

/** Bounds of a decimal: `above`/`below` exclude the bound, `min`/`max` include it. */
interface DecimalRule {
  readonly above?: number;
  readonly below?: number;
  readonly min?: number;
  readonly max?: number;
}

/** A decimal number within the rule's bounds; undefined when unset or blank. */
function decimal(
  env: EnvironmentVariables,
  name: string,
  rule: DecimalRule,
  bad: Report,
): number | undefined {
  const raw = text(env, name)?.trim();
  if (raw === undefined) return undefined;
  const n = /^\d+(\.\d+)?(e-?\d+)?$/i.test(raw) ? Number(raw) : Number.NaN;
  const bounds = [
    rule.above !== undefined ? `greater than ${rule.above}` : undefined,
    rule.min !== undefined ? `at least ${rule.min}` : undefined,
    rule.below !== undefined ? `less than ${rule.below}` : undefined,
    rule.max !== undefined ? `at most ${rule.max}` : undefined,
  ].filter((bound) => bound !== undefined);
  if (
    !Number.isFinite(n) ||
    (rule.above !== undefined && n <= rule.above) ||
    (rule.below !== undefined && n >= rule.below) ||
    (rule.min !== undefined && n < rule.min) ||
    (rule.max !== undefined && n > rule.max)
  ) {
    bad(name, `must be a number ${bounds.join(' and ')}`);
    return undefined;
  }
  return n;
}

/** A JSON list of model retirements (model-retirements.ts); blank or unset is none. */
function retirements(env: EnvironmentVariables, name: string, bad: Report): ModelRetirement[] {
  const raw = text(env, name);
  if (raw === undefined) return [];
  try {
    return parseModelRetirements(JSON.parse(raw), name);
  } catch (error) {
    if (!(error instanceof SyntaxError) && !isPromptOpsError(error)) throw error;
    bad(name, 'must be a JSON list of {modelId, retiresOn, replacement?}');
    return [];
  }
}

/** A JSON object of strings; blank or unset is the empty object. */
function stringMap(env: EnvironmentVariables, name: string, bad: Report): Record<string, string> {
  const raw = text(env, name);
  if (raw === undefined) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    parsed = undefined;
  }
  if (
    typeof parsed !== 'object' ||
    parsed === null ||
    Array.isArray(parsed) ||
    !Object.values(parsed).every((value) => typeof value === 'string')
  ) {
    bad(name, 'must be a JSON object of strings');
    return {};
  }
  return parsed as Record<string, string>;
}
