/** What every command gets: the streams, the output, the global options, and the API on first use. */
import { assertEnvironmentName, isEnvironmentName } from '../core/ids.ts';
import { ApiClient, authFor } from './api-client.ts';
import { type LoadedConfig, loadProjectConfig, resolveTarget, type Target } from './config.ts';
import { UsageError } from './errors.ts';
import type { CliIo } from './io.ts';
import { Output } from './output.ts';

export interface GlobalOptions {
  readonly endpoint?: string;
  readonly user?: string;
  readonly json?: boolean;
  readonly debug?: boolean;
}

export class CommandContext {
  readonly io: CliIo;
  readonly out: Output;
  readonly globals: GlobalOptions;
  #config: Promise<LoadedConfig> | undefined;
  #target: Promise<Target> | undefined;
  #api: Promise<ApiClient> | undefined;

  constructor(io: CliIo, globals: GlobalOptions) {
    this.io = io;
    this.globals = globals;
    this.out = new Output(io, { json: globals.json === true });
  }

  debug(line: string): void {
    if (this.globals.debug) this.io.stderr.write(`${this.out.errorColors.dim(`debug: ${line}`)}\n`);
  }

  config(): Promise<LoadedConfig> {
    this.#config ??= loadProjectConfig(this.io.cwd);
    return this.#config;
  }

  target(): Promise<Target> {
    this.#target ??= (async () => {
      const target = await resolveTarget(
        this.globals.endpoint !== undefined ? { endpoint: this.globals.endpoint } : {},
        await this.config(),
        this.io,
      );
      this.debug(
        `API ${target.endpoint} (from ${target.source}${target.local ? ', local mode' : `, SigV4 in ${target.region ?? '?'}`})`,
      );
      if (this.globals.user !== undefined && !target.local) {
        throw new UsageError(`--user works with local mode only; ${target.endpoint} is an AWS endpoint`, [
          'On AWS the caller is the IAM identity of your credentials (AWS_PROFILE).',
        ]);
      }
      return target;
    })();
    return this.#target;
  }

  api(): Promise<ApiClient> {
    this.#api ??= (async () => {
      const target = await this.target();
      return new ApiClient({
        endpoint: target.endpoint,
        auth: authFor(target, this.globals.user),
        debug: (line) => this.debug(line),
      });
    })();
    return this.#api;
  }

  /** `--env`, else the config's default environment. */
  async environment(option: string | undefined, flag = '--env'): Promise<string> {
    if (option !== undefined) {
      if (!isEnvironmentName(option))
        throw new UsageError(`${flag} ${JSON.stringify(option)} is not an environment name`, [
          'Environment names are 2 to 32 characters of a-z, 0-9 and -, starting with a letter.',
        ]);
      return option;
    }
    const { config, path } = await this.config();
    if (config.environment) return assertEnvironmentName(config.environment);
    throw new UsageError(`Name the environment with ${flag} <env>`, [
      path
        ? `Or set "environment" in ${path}.`
        : 'Or set "environment" in promptops.config.json (promptops init writes one).',
    ]);
  }
}
