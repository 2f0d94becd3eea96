/**
 * Where the CLI finds the API and the stack, in the order docs/cli.md gives: `--endpoint`, else
 * `promptops.config.json`, else `cdk-outputs.json` (from `cdk deploy --outputs-file`); only then
 * PROMPTOPS_API_ENDPOINT, else a running local mode's `<data dir>/endpoints.json`. Both files are
 * looked for in the working directory and its parents. Loopback endpoints are local mode (unsigned,
 * `x-promptops-user`); anything else is an API Gateway endpoint, signed with SigV4.
 */
import { readFile, stat } from 'node:fs/promises';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { ENV } from '../core/contracts.ts';
import { isEnvironmentName } from '../core/ids.ts';
import { CliError, UsageError } from './errors.ts';
import type { CliIo } from './io.ts';

export const CONFIG_FILE = 'promptops.config.json';
export const CDK_OUTPUTS_FILE = 'cdk-outputs.json';
export const ENDPOINTS_FILE = 'endpoints.json';
export const DEFAULT_DATA_DIR = '.promptops';
export const DEFAULT_PROMPTS_DIR = 'prompts';
/** Local mode's API with its default port (PROMPTOPS_PORT, README: Local mode). */
export const DEFAULT_LOCAL_ENDPOINT = 'http://127.0.0.1:4100';
/** The primary stack of the CDK app; embedding apps may name theirs differently. */
export const PRIMARY_STACK = 'PromptOps';

/** `promptops.config.json`. Every field is optional. */
export interface ProjectConfig {
  /** The PromptOps API URL. */
  readonly endpoint?: string;
  /** The AppConfig application apps read prompts from. */
  readonly application?: string;
  /** The environment commands use when `--env` is left out. */
  readonly environment?: string;
  /** Environments `status` shows when `--env` is left out. */
  readonly environments?: readonly string[];
  /** Region for signing when the endpoint does not name one. */
  readonly region?: string;
  /** Folder of `.prompt.md` files, relative to this file. */
  readonly prompts?: string;
  /** Local mode's data folder, relative to this file. */
  readonly dataDir?: string;
}

export interface LoadedConfig {
  /** The file read, when there is one. */
  readonly path?: string;
  /** Relative paths in the file resolve against it: the file's folder, or the working directory. */
  readonly dir: string;
  readonly config: ProjectConfig;
}

/** What local mode writes to `<data dir>/endpoints.json` (only the fields the CLI reads are required). */
export interface LocalEndpointsFile {
  readonly api: string;
  readonly dynamodb?: string;
  readonly s3?: string;
  readonly table?: string;
  readonly feedbackTable?: string;
  readonly bucket?: string;
  readonly environments?: readonly string[];
  readonly application?: string;
  readonly [key: string]: unknown;
}

export interface CdkOutputs {
  readonly path: string;
  readonly stack: string;
  readonly outputs: Readonly<Record<string, string>>;
}

export interface Target {
  /** The API's base URL. */
  readonly endpoint: string;
  /** Where it came from, for messages. */
  readonly source: string;
  /** A loopback address: local mode. */
  readonly local: boolean;
  /** For SigV4 (AWS endpoints only). */
  readonly region?: string;
}

export async function findUp(start: string, name: string): Promise<string | undefined> {
  let dir = resolve(start);
  for (;;) {
    const candidate = join(dir, name);
    try {
      if ((await stat(candidate)).isFile()) return candidate;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

async function readJsonFile(path: string, what: string): Promise<unknown> {
  const text = await readFile(path, 'utf8');
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new CliError(`${path} is not valid JSON: ${(error as Error).message}`, {
      details: [`Fix or remove the ${what}.`],
    });
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function parseProjectConfig(value: unknown, path: string): ProjectConfig {
  if (!isObject(value)) throw new CliError(`${path} must hold a JSON object`);
  const problems: string[] = [];
  const known = [
    'endpoint',
    'application',
    'environment',
    'environments',
    'region',
    'prompts',
    'dataDir',
    '$schema',
  ];
  for (const key of Object.keys(value)) {
    if (!known.includes(key))
      problems.push(`unknown key "${key}" (known: ${known.filter((k) => k !== '$schema').join(', ')})`);
  }
  for (const key of ['endpoint', 'application', 'environment', 'region', 'prompts', 'dataDir']) {
    if (value[key] !== undefined && (typeof value[key] !== 'string' || value[key] === ''))
      problems.push(`"${key}" must be a non-empty string`);
  }
  if (typeof value.endpoint === 'string' && value.endpoint !== '' && !isHttpUrl(value.endpoint))
    problems.push(`"endpoint" must be an http or https URL, got ${JSON.stringify(value.endpoint)}`);
  if (
    typeof value.environment === 'string' &&
    value.environment !== '' &&
    !isEnvironmentName(value.environment)
  )
    problems.push(`"environment" ${JSON.stringify(value.environment)} is not a valid environment name`);
  if (value.environments !== undefined) {
    if (!Array.isArray(value.environments) || !value.environments.every(isEnvironmentName))
      problems.push('"environments" must be a list of environment names');
  }
  if (problems.length > 0)
    throw new CliError(`${path} is not a valid PromptOps config`, { details: problems });
  return value as ProjectConfig;
}

export async function loadProjectConfig(cwd: string): Promise<LoadedConfig> {
  const path = await findUp(cwd, CONFIG_FILE);
  if (!path) return { dir: cwd, config: {} };
  return {
    path,
    dir: dirname(path),
    config: parseProjectConfig(await readJsonFile(path, 'config file'), path),
  };
}

/** The PromptOps stack's outputs: the stack named PromptOps, else the only stack with an ApiUrl. */
export async function readCdkOutputs(cwd: string): Promise<CdkOutputs | undefined> {
  const path = await findUp(cwd, CDK_OUTPUTS_FILE);
  if (!path) return undefined;
  const value = await readJsonFile(path, 'outputs file');
  if (!isObject(value)) throw new CliError(`${path} must hold a JSON object of stack name to outputs`);
  const stacks = Object.entries(value).filter(
    (entry): entry is [string, Record<string, unknown>] =>
      isObject(entry[1]) && typeof entry[1].ApiUrl === 'string',
  );
  const chosen =
    stacks.find(([name]) => name === PRIMARY_STACK) ?? (stacks.length === 1 ? stacks[0] : undefined);
  if (!chosen) {
    if (stacks.length === 0) return undefined;
    throw new CliError(
      `${path} has several stacks with an ApiUrl output: ${stacks.map(([n]) => n).join(', ')}`,
      {
        details: ['Pass --endpoint <url> or set "endpoint" in promptops.config.json.'],
      },
    );
  }
  const outputs = Object.fromEntries(
    Object.entries(chosen[1]).filter((e): e is [string, string] => typeof e[1] === 'string'),
  );
  return { path, stack: chosen[0], outputs };
}

/** Environments named by the stack's `AgentPath<Env>` outputs (the path holds the name verbatim). */
export function environmentsOfOutputs(outputs: CdkOutputs): string[] {
  const names: string[] = [];
  for (const [key, value] of Object.entries(outputs.outputs)) {
    if (!key.startsWith('AgentPath')) continue;
    const match = /\/environments\/([^/]+)\/configurations\//.exec(value);
    if (match?.[1]) names.push(match[1]);
  }
  return names;
}

export function localDataDir(config: LoadedConfig, io: CliIo, option?: string): string {
  if (option) return resolve(io.cwd, option);
  if (config.config.dataDir) return resolve(config.dir, config.config.dataDir);
  const fromEnv = io.env[ENV.dataDir];
  if (fromEnv) return resolve(io.cwd, fromEnv);
  return resolve(config.path ? config.dir : io.cwd, DEFAULT_DATA_DIR);
}

export async function readLocalEndpoints(dataDir: string): Promise<LocalEndpointsFile | undefined> {
  const path = join(dataDir, ENDPOINTS_FILE);
  let value: unknown;
  try {
    value = await readJsonFile(path, 'endpoints file (local mode rewrites it when it starts)');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  if (!isObject(value) || typeof value.api !== 'string' || !isHttpUrl(value.api))
    throw new CliError(`${path} has no "api" URL: is it local mode's endpoints file?`);
  return value as LocalEndpointsFile;
}

export function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]', '::1']);

export function isLocalEndpoint(endpoint: string): boolean {
  return LOOPBACK.has(new URL(endpoint).hostname) || new URL(endpoint).hostname.startsWith('127.');
}

/** The region in an API Gateway URL (`<api>.execute-api.<region>.amazonaws.com`). */
export function regionOfEndpoint(endpoint: string): string | undefined {
  return /\.execute-api\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?$/.exec(new URL(endpoint).hostname)?.[1];
}

function target(endpoint: string, source: string, config: LoadedConfig, io: CliIo): Target {
  const local = isLocalEndpoint(endpoint);
  const region =
    regionOfEndpoint(endpoint) ?? config.config.region ?? io.env.AWS_REGION ?? io.env.AWS_DEFAULT_REGION;
  return { endpoint: endpoint.replace(/\/+$/, ''), source, local, ...(!local && region ? { region } : {}) };
}

export async function resolveTarget(
  options: { endpoint?: string },
  config: LoadedConfig,
  io: CliIo,
): Promise<Target> {
  if (options.endpoint !== undefined) {
    if (!isHttpUrl(options.endpoint))
      throw new UsageError(`--endpoint ${JSON.stringify(options.endpoint)} is not an http or https URL`);
    return target(options.endpoint, '--endpoint', config, io);
  }
  // docs/cli.md: --endpoint, else promptops.config.json, else cdk-outputs.json. The
  // environment variable is a fallback after both files, never over them.
  if (config.config.endpoint && config.path) return target(config.config.endpoint, config.path, config, io);
  const outputs = await readCdkOutputs(io.cwd);
  if (outputs) {
    const apiUrl = outputs.outputs.ApiUrl as string;
    if (!isHttpUrl(apiUrl))
      throw new CliError(`ApiUrl in ${outputs.path} is not a URL: ${JSON.stringify(apiUrl)}`);
    return target(apiUrl, `${outputs.path} (stack ${outputs.stack})`, config, io);
  }
  const fromEnv = io.env[ENV.apiEndpoint];
  if (fromEnv) {
    if (!isHttpUrl(fromEnv))
      throw new CliError(`${ENV.apiEndpoint}=${JSON.stringify(fromEnv)} is not an http or https URL`);
    return target(fromEnv, ENV.apiEndpoint, config, io);
  }
  const dataDir = localDataDir(config, io);
  const endpoints = await readLocalEndpoints(dataDir);
  if (endpoints) return target(endpoints.api, join(dataDir, ENDPOINTS_FILE), config, io);
  throw new CliError('No PromptOps API endpoint configured', {
    details: [
      'Pass --endpoint <url>, set "endpoint" in promptops.config.json (promptops init writes one),',
      `run from the folder holding ${CDK_OUTPUTS_FILE} (npx cdk deploy --outputs-file ${CDK_OUTPUTS_FILE}),`,
      `set ${ENV.apiEndpoint}, or start local mode (promptops dev).`,
    ],
  });
}

/** A path from the config file, resolved against the file's folder. */
export function configPath(config: LoadedConfig, value: string): string {
  return isAbsolute(value) ? value : resolve(config.dir, value);
}
