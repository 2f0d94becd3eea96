/**
 * The evaluation suite, `<id>.eval.yaml`: a promptfoo-compatible subset (description, threshold,
 * provider, judge, tests of vars and assert). Parsing validates every field and names the line of each
 * problem, so a bad suite is refused before anything runs or is stored.
 */
import { isMap, LineCounter, parseDocument } from 'yaml';
import { type DocumentIssue, displayValue } from '../errors.ts';
import { ASSERTION_TYPES, ASSERTIONS, regexProblem } from './assertions/index.ts';
import { EvalSuiteParseError } from './errors.ts';
import { EVAL_LIMITS } from './limits.ts';

export const PROVIDER_TYPES = ['bedrock', 'openai', 'echo'] as const;
export type ProviderType = (typeof PROVIDER_TYPES)[number];

/** Which model answers: the suite's `provider` or `judge`, or a run's override. */
export interface ProviderSpec {
  readonly type: ProviderType;
  /** Bedrock model or inference profile id, or the OpenAI-compatible model name. */
  readonly model?: string;
  /** OpenAI-compatible servers only: the API root, `http(s)://host/v1`. */
  readonly baseUrl?: string;
  /** OpenAI-compatible servers only: the environment variable holding the API key. */
  readonly apiKeyEnv?: string;
  /** Overrides of the prompt's own model settings. */
  readonly temperature?: number;
  readonly maxTokens?: number;
  readonly topP?: number;
}

export interface AssertionSpec {
  readonly type: string;
  /** Text, a regex source or a rubric, by type; numbers and booleans are kept as their text. */
  readonly value?: string;
  /** Milliseconds (`latency`), US dollars (`cost`) or a 0..1 score (`llm-rubric`). */
  readonly threshold?: number;
}

/** Values a test gives the prompt's variables. */
export type EvalVars = Readonly<Record<string, string | number | boolean>>;

export interface EvalTestCase {
  readonly description?: string;
  readonly vars: EvalVars;
  readonly assert: readonly AssertionSpec[];
}

export interface EvalSuite {
  readonly description?: string;
  /** Share of tests that must pass, 0..1. */
  readonly threshold: number;
  /** Absent: the prompt's own model (see `resolveProviderSpec`). */
  readonly provider?: ProviderSpec;
  /** Grades `llm-rubric`; absent: the run's provider. */
  readonly judge?: ProviderSpec;
  readonly tests: readonly EvalTestCase[];
}

export interface EvalSuiteSourceMap {
  /** 1-based line of a path such as `['tests', 2, 'vars', 'name']`, or of its nearest parent. */
  line(path: readonly (string | number)[]): number;
}

export interface ParsedEvalSuite {
  readonly suite: EvalSuite;
  readonly source: EvalSuiteSourceMap;
}

export interface ParseEvalSuiteOptions {
  /** Most tests accepted. @default EVAL_LIMITS.maxTestsPerSuite */
  readonly maxTests?: number;
}

const SUITE_KEYS = ['description', 'threshold', 'provider', 'judge', 'tests'];
const TEST_KEYS = ['description', 'vars', 'assert'];
const ASSERTION_KEYS = ['type', 'value', 'threshold'];
const PROVIDER_KEYS = ['type', 'model', 'baseUrl', 'apiKeyEnv', 'temperature', 'maxTokens', 'topP'];
/** promptfoo keys this subset does not run, with what to use instead. */
const PROMPTFOO_HINTS: Readonly<Record<string, string>> = {
  providers: 'use one "provider" (the run can override it)',
  prompts: 'the suite belongs to the prompt beside it; remove "prompts"',
  defaultTest: 'repeat the shared vars and assertions in each test',
};
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function parseEvalSuite(text: string, options: ParseEvalSuiteOptions = {}): EvalSuite {
  return parseEvalSuiteWithSource(text, options).suite;
}

export function parseEvalSuiteWithSource(text: string, options: ParseEvalSuiteOptions = {}): ParsedEvalSuite {
  const maxTests = options.maxTests ?? EVAL_LIMITS.maxTestsPerSuite;
  const bytes = new TextEncoder().encode(text).length;
  if (bytes > EVAL_LIMITS.maxSuiteBytes) {
    throw new EvalSuiteParseError([
      {
        path: 'suite',
        line: 1,
        message: `the suite is ${bytes} bytes, over the ${EVAL_LIMITS.maxSuiteBytes}-byte limit: split it or trim tests`,
      },
    ]);
  }
  const lineCounter = new LineCounter();
  const yamlDoc = parseDocument(text.replace(/^\uFEFF/, ''), {
    lineCounter,
    uniqueKeys: true,
    prettyErrors: false,
    schema: 'core',
  });
  const lineAt = (offset: number) => lineCounter.linePos(offset).line;
  if (yamlDoc.errors.length > 0) {
    throw new EvalSuiteParseError(
      yamlDoc.errors.map((e) => ({
        path: 'suite',
        line: lineAt(e.pos[0]),
        message: `YAML: ${e.message.split('\n')[0]}`,
      })),
    );
  }
  const line = (path: readonly (string | number)[]): number => {
    for (let depth = path.length; depth > 0; depth--) {
      const node = yamlDoc.getIn(path.slice(0, depth), true) as
        | { range?: [number, number, number] }
        | undefined;
      if (node?.range) return lineAt(node.range[0]);
    }
    return yamlDoc.contents?.range ? lineAt(yamlDoc.contents.range[0]) : 1;
  };
  /** The line of a key itself, for unknown keys (its value may start lines later). */
  const keyLine = (path: readonly (string | number)[]): number => {
    const parent = yamlDoc.getIn(path.slice(0, -1), true);
    if (isMap(parent)) {
      const pair = parent.items.find(
        (p) => (p.key as { value?: unknown } | null)?.value === path[path.length - 1],
      );
      const range = (pair?.key as { range?: [number, number, number] } | null)?.range;
      if (range) return lineAt(range[0]);
    }
    return line(path);
  };

  let data: unknown;
  try {
    data = yamlDoc.toJS({ maxAliasCount: 20 });
  } catch (cause) {
    throw new EvalSuiteParseError(
      [{ path: 'suite', line: 1, message: `YAML: ${(cause as Error).message}` }],
      {
        cause,
      },
    );
  }

  const issues: DocumentIssue[] = [];
  const issue = (path: readonly (string | number)[], message: string, at = line(path)) =>
    issues.push({ path: path.join('.') || 'suite', line: at, message });
  const unknownKeys = (
    object: Record<string, unknown>,
    allowed: readonly string[],
    path: (string | number)[],
  ) => {
    for (const key of Object.keys(object)) {
      if (allowed.includes(key)) continue;
      const hint = path.length === 0 ? PROMPTFOO_HINTS[key] : undefined;
      issue(
        [...path, key],
        `unknown key "${key}"${path.length ? ` in ${path.join('.')}` : ''}: ${hint ?? `allowed keys are ${allowed.join(', ')}`}`,
        keyLine([...path, key]),
      );
    }
  };

  if (!isPlainObject(data)) {
    issue(
      [],
      'the suite must be a YAML mapping with "tests" (and optionally description, threshold, provider)',
    );
    throw new EvalSuiteParseError(issues);
  }
  unknownKeys(data, SUITE_KEYS, []);

  if (data.description !== undefined && typeof data.description !== 'string')
    issue(['description'], `description must be text, got ${displayValue(data.description)}`);

  let threshold = 1;
  if (data.threshold !== undefined) {
    if (!isUnitInterval(data.threshold))
      issue(
        ['threshold'],
        `threshold is the share of tests that must pass, from 0 to 1 (0.9 = 90%), got ${displayValue(data.threshold)}`,
      );
    else threshold = data.threshold;
  }

  const provider =
    data.provider === undefined ? undefined : providerSpec(data.provider, ['provider'], issue, unknownKeys);
  const judge =
    data.judge === undefined ? undefined : providerSpec(data.judge, ['judge'], issue, unknownKeys);

  const tests: EvalTestCase[] = [];
  if (!Array.isArray(data.tests) || data.tests.length === 0) {
    issue(['tests'], 'the suite needs "tests": a list of { description, vars, assert }');
  } else if (data.tests.length > maxTests) {
    issue(
      ['tests'],
      `the suite has ${data.tests.length} tests, over the limit of ${maxTests} per suite: split it into smaller suites or keep representative cases`,
    );
  } else {
    data.tests.forEach((raw, index) => {
      const test = testCase(raw, index, issue, unknownKeys);
      if (test) tests.push(test);
    });
  }

  if (issues.length > 0) throw new EvalSuiteParseError(issues.sort((a, b) => a.line - b.line));
  return {
    suite: {
      ...(typeof data.description === 'string' ? { description: data.description } : {}),
      threshold,
      ...(provider ? { provider } : {}),
      ...(judge ? { judge } : {}),
      tests,
    },
    source: { line },
  };
}

type Issue = (path: readonly (string | number)[], message: string) => void;
type UnknownKeys = (
  object: Record<string, unknown>,
  allowed: readonly string[],
  path: (string | number)[],
) => void;

function providerSpec(
  raw: unknown,
  path: string[],
  issue: Issue,
  unknownKeys: UnknownKeys,
): ProviderSpec | undefined {
  const where = path.join('.');
  // promptfoo's shorthand: `echo`, `bedrock:<model>`, `openai:<model>`.
  const object: unknown =
    typeof raw === 'string'
      ? raw.includes(':')
        ? { type: raw.slice(0, raw.indexOf(':')), model: raw.slice(raw.indexOf(':') + 1) }
        : { type: raw }
      : raw;
  if (!isPlainObject(object)) {
    issue(path, `${where} must be a mapping such as { type: bedrock, model: ... } or text such as "echo"`);
    return undefined;
  }
  unknownKeys(object, PROVIDER_KEYS, path);
  const type = object.type;
  if (!(PROVIDER_TYPES as readonly unknown[]).includes(type)) {
    issue(
      [...path, 'type'],
      `${where}.type must be one of ${PROVIDER_TYPES.join(', ')}, got ${displayValue(type)}`,
    );
    return undefined;
  }
  const spec: Record<string, unknown> = { type };
  for (const key of ['model', 'baseUrl', 'apiKeyEnv']) {
    const value = object[key];
    if (value === undefined) continue;
    if (typeof value !== 'string' || value === '')
      issue([...path, key], `${where}.${key} must be non-empty text`);
    else spec[key] = value;
  }
  if (type !== 'openai') {
    for (const key of ['baseUrl', 'apiKeyEnv'])
      if (object[key] !== undefined)
        issue([...path, key], `${where}.${key} applies to the openai provider only`);
  }
  if (typeof spec.baseUrl === 'string' && !isHttpUrl(spec.baseUrl))
    issue(
      [...path, 'baseUrl'],
      `${where}.baseUrl must be an http:// or https:// URL, got ${displayValue(spec.baseUrl)}`,
    );
  else if (typeof spec.baseUrl === 'string' && hasCredentials(spec.baseUrl))
    issue(
      [...path, 'baseUrl'],
      `${where}.baseUrl may not hold a user or password: name the key in apiKeyEnv`,
    );
  if (typeof spec.apiKeyEnv === 'string') {
    if (!ENV_NAME.test(spec.apiKeyEnv))
      issue(
        [...path, 'apiKeyEnv'],
        `${where}.apiKeyEnv must name an environment variable, got ${displayValue(spec.apiKeyEnv)}`,
      );
    // The service's own credentials live in AWS_* variables: a suite may never send them anywhere.
    else if (/^AWS_/i.test(spec.apiKeyEnv))
      issue([...path, 'apiKeyEnv'], `${where}.apiKeyEnv may not name an AWS_ variable`);
  }
  for (const key of ['temperature', 'topP']) {
    const value = object[key];
    if (value === undefined) continue;
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0)
      issue([...path, key], `${where}.${key} must be a number of at least 0, got ${displayValue(value)}`);
    else spec[key] = value;
  }
  if (object.maxTokens !== undefined) {
    if (!Number.isInteger(object.maxTokens) || (object.maxTokens as number) < 1)
      issue(
        [...path, 'maxTokens'],
        `${where}.maxTokens must be a whole number of at least 1, got ${displayValue(object.maxTokens)}`,
      );
    else spec.maxTokens = object.maxTokens;
  }
  return spec as unknown as ProviderSpec;
}

function testCase(
  raw: unknown,
  index: number,
  issue: Issue,
  unknownKeys: UnknownKeys,
): EvalTestCase | undefined {
  const path = ['tests', index];
  const name = `test ${index + 1}`;
  if (!isPlainObject(raw)) {
    issue(path, `${name} must be a mapping of description, vars and assert`);
    return undefined;
  }
  unknownKeys(raw, TEST_KEYS, path);
  if (raw.description !== undefined && typeof raw.description !== 'string')
    issue([...path, 'description'], `${name}: description must be text`);

  // Entries, not assignment: a key such as __proto__ stays a plain (reported) key.
  const varEntries: [string, string | number | boolean][] = [];
  const rawVars = raw.vars ?? {};
  if (!isPlainObject(rawVars))
    issue([...path, 'vars'], `${name}: vars must be a mapping of variable name to value`);
  else {
    for (const [key, value] of Object.entries(rawVars)) {
      if (
        typeof value === 'string' ||
        typeof value === 'boolean' ||
        (typeof value === 'number' && Number.isFinite(value))
      )
        varEntries.push([key, value]);
      else
        issue(
          [...path, 'vars', key],
          `${name}: vars.${key} must be text, a number or true/false, got ${displayValue(value)}`,
        );
    }
  }

  const assert: AssertionSpec[] = [];
  if (!Array.isArray(raw.assert) || raw.assert.length === 0) {
    issue([...path, 'assert'], `${name} needs "assert": a list of { type, value, threshold }`);
  } else if (raw.assert.length > EVAL_LIMITS.maxAssertionsPerTest) {
    issue(
      [...path, 'assert'],
      `${name} has ${raw.assert.length} assertions, over the limit of ${EVAL_LIMITS.maxAssertionsPerTest}`,
    );
  } else {
    raw.assert.forEach((rawAssertion, i) => {
      const spec = assertionSpec(rawAssertion, [...path, 'assert', i], name, issue, unknownKeys);
      if (spec) assert.push(spec);
    });
  }
  return {
    ...(typeof raw.description === 'string' ? { description: raw.description } : {}),
    vars: Object.fromEntries(varEntries),
    assert,
  };
}

function assertionSpec(
  raw: unknown,
  path: (string | number)[],
  name: string,
  issue: Issue,
  unknownKeys: UnknownKeys,
): AssertionSpec | undefined {
  if (!isPlainObject(raw)) {
    issue(path, `${name}: each assertion must be a mapping such as { type: contains, value: ... }`);
    return undefined;
  }
  unknownKeys(raw, ASSERTION_KEYS, path);
  const definition = typeof raw.type === 'string' ? ASSERTIONS.get(raw.type) : undefined;
  if (!definition) {
    issue(
      [...path, 'type'],
      `${name}: unknown assertion type ${displayValue(raw.type)}: use one of ${ASSERTION_TYPES.join(', ')}`,
    );
    return undefined;
  }
  const type = definition.type;
  let value: string | undefined;
  const rawValue = raw.value;
  if (definition.value === 'none') {
    if (rawValue !== undefined && rawValue !== null)
      issue([...path, 'value'], `${name}: ${type} takes no value (JSON schemas are not supported)`);
  } else if (typeof rawValue === 'string' || typeof rawValue === 'number' || typeof rawValue === 'boolean') {
    value = String(rawValue);
    if (definition.value === 'regex') {
      const problem =
        value.length > EVAL_LIMITS.maxRegexLength
          ? `longer than ${EVAL_LIMITS.maxRegexLength} characters`
          : regexProblem(value);
      if (problem)
        issue(
          [...path, 'value'],
          `${name}: the ${type} pattern ${displayValue(value)} does not compile: ${problem}`,
        );
    } else if (value === '' && type !== 'equals' && type !== 'not-equals') {
      issue([...path, 'value'], `${name}: ${type} needs a non-empty value`);
    }
  } else {
    issue(
      [...path, 'value'],
      `${name}: ${type} needs a value (text)${rawValue === undefined ? '' : `, got ${displayValue(rawValue)}`}`,
    );
  }

  let threshold: number | undefined;
  const rawThreshold = raw.threshold;
  switch (definition.threshold) {
    case 'none':
      if (rawThreshold !== undefined) issue([...path, 'threshold'], `${name}: ${type} takes no threshold`);
      break;
    case 'score':
      if (rawThreshold === undefined) break;
      if (!isUnitInterval(rawThreshold))
        issue(
          [...path, 'threshold'],
          `${name}: the ${type} threshold is a score from 0 to 1, got ${displayValue(rawThreshold)}`,
        );
      else threshold = rawThreshold;
      break;
    case 'milliseconds':
    case 'usd': {
      const unit = definition.threshold === 'milliseconds' ? 'milliseconds' : 'US dollars';
      if (typeof rawThreshold !== 'number' || !Number.isFinite(rawThreshold) || rawThreshold < 0)
        issue(
          [...path, 'threshold'],
          `${name}: ${type} needs a threshold in ${unit} (a number of at least 0)${rawThreshold === undefined ? '' : `, got ${displayValue(rawThreshold)}`}`,
        );
      else threshold = rawThreshold;
      break;
    }
  }
  return {
    type,
    ...(value !== undefined ? { value } : {}),
    ...(threshold !== undefined ? { threshold } : {}),
  };
}

function isUnitInterval(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 && value <= 1;
}

function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}

function hasCredentials(value: string): boolean {
  const url = new URL(value);
  return url.username !== '' || url.password !== '';
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
