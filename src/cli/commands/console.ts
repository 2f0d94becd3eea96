/**
 * `promptops console [--port <port>]`: the web console on this machine against the API the CLI
 * targets (docs/console.md). A server on 127.0.0.1 serves the console and forwards its calls,
 * SigV4-signed with the operator's own AWS credentials; nothing is added to the stack. Against local
 * mode it forwards unsigned, as the console's chosen user. SIGINT or SIGTERM stops it (exit 0).
 */
import { Option } from 'commander';
import type { ConsoleAlarmsResponse, ConsoleSettings } from '../../core/console-contract.ts';
import { APPCONFIG, PREDEFINED_STRATEGIES } from '../../core/contracts.ts';
import { type AlarmReport, cloudWatchAlarms, localAlarms } from '../alarms.ts';
import { authFor } from '../api-client.ts';
import { defineCommand } from '../command.ts';
import { readCdkOutputs } from '../config.ts';
import { CONSOLE_ALARMS_PATH, startConsoleServer } from '../console-server.ts';
import type { CommandContext } from '../context.ts';
import { knownEnvironments } from '../environments.ts';
import { CliError, EXIT, UsageError } from '../errors.ts';
import { parsePort } from '../options.ts';

export interface ConsoleOptions {
  /** @default 4180 */
  readonly port?: number;
  /** Comma-separated; else the environments known from the config or stack outputs. */
  readonly environments?: string;
}

export const DEFAULT_CONSOLE_PORT = 4180;
/** Alarm states are read at most this often per environment, however many consoles poll. */
const ALARMS_CACHE_MS = 5_000;

function consoleAlarms(report: AlarmReport): ConsoleAlarmsResponse[string] {
  if ('unavailable' in report) return { unavailable: report.unavailable };
  return report.alarms.map((a) => ({
    name: a.name,
    state: a.state,
    ...(a.reason ? { reason: a.reason } : {}),
    ...(a.description ? { description: a.description } : {}),
  }));
}

export async function runConsole(ctx: CommandContext, options: ConsoleOptions): Promise<number> {
  const target = await ctx.target();
  // Loaded here, so that other commands never load the build tooling or local mode's settings reader.
  const { consoleRoutes, ensureConsoleBuild } = await import('../../local/console-assets.ts');
  const { DEFAULT_LOCAL_USER } = await import('../../local/gateway.ts');
  const { localSettings } = await import('../../local/local-mode.ts');
  const environments = options.environments
    ? options.environments
        .split(',')
        .map((e) => e.trim())
        .filter((e) => e !== '')
    : await knownEnvironments(ctx, target);
  for (const env of environments) await ctx.environment(env, '--environments');
  if (environments.length === 0)
    throw new UsageError('No environments known: name them with --environments dev,staging,prod', [
      'Or list them as "environments" in promptops.config.json.',
    ]);
  const api = await ctx.api();
  // The settings cdk.json gives (protected environments, custom strategies), as far as this copy knows them.
  const settings = await localSettings().catch(() => undefined);
  let application: string = APPCONFIG.application;
  if (!target.local) {
    const outputs = await readCdkOutputs(ctx.io.cwd);
    const { config } = await ctx.config();
    application = config.application ?? outputs?.outputs.AppConfigApplicationName ?? application;
  }
  const cached = new Map<string, { at: number; value: Promise<ConsoleAlarmsResponse[string]> }>();
  const alarms = (environment: string): Promise<ConsoleAlarmsResponse[string]> => {
    if (!environments.includes(environment))
      return Promise.resolve({ unavailable: `${environment} is not one of ${environments.join(', ')}` });
    const hit = cached.get(environment);
    if (hit && Date.now() - hit.at < ALARMS_CACHE_MS) return hit.value;
    const value = (
      target.local
        ? localAlarms(api, environment)
        : cloudWatchAlarms(target, [environment], application).then(
            (m) => m.get(environment) ?? { source: 'cloudwatch' as const, unavailable: 'not read' },
          )
    ).then(consoleAlarms, (error: unknown) => ({ unavailable: (error as Error).message }));
    cached.set(environment, { at: Date.now(), value });
    return value;
  };

  const build = await ensureConsoleBuild({ log: (line) => ctx.out.note(line) }).catch((error: unknown) => {
    throw new CliError((error as Error).message, { cause: error, code: 'CONSOLE_BUILD_FAILED' });
  });
  const consoleSettings: ConsoleSettings = {
    mode: target.local ? 'local' : 'aws',
    endpoint: target.endpoint,
    environments,
    protectedEnvironments: (settings?.protectedEnvironments ?? []).filter((e) => environments.includes(e)),
    strategies: [
      ...Object.keys(PREDEFINED_STRATEGIES),
      ...(settings?.customStrategies ?? []).map((s) => s.name),
    ],
    alarmsPath: CONSOLE_ALARMS_PATH,
    caller: target.local
      ? (ctx.globals.user ?? DEFAULT_LOCAL_USER)
      : `your AWS credentials${ctx.io.env.AWS_PROFILE ? ` (profile ${ctx.io.env.AWS_PROFILE})` : ''}`,
  };
  const server = await startConsoleServer({
    port: options.port ?? DEFAULT_CONSOLE_PORT,
    endpoint: target.endpoint,
    auth: authFor(target, ctx.globals.user),
    serveConsole: consoleRoutes({ build: async () => build, settings: () => consoleSettings }),
    alarms,
    log: (line) => ctx.debug(line),
  }).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'EADDRINUSE')
      throw new UsageError(
        `Port ${options.port ?? DEFAULT_CONSOLE_PORT} is in use: choose another with --port`,
      );
    throw error;
  });
  const url = `${server.url}/console/`;
  ctx.out.result({ url, endpoint: target.endpoint, mode: consoleSettings.mode, environments }, () => {
    ctx.out.line(`${ctx.out.colors.green('PromptOps console')} at ${url}`);
    ctx.out.line(
      `  calls ${target.endpoint} ${target.local ? '(local mode)' : `signed with ${consoleSettings.caller}`}; Ctrl-C stops`,
    );
  });
  const signal = await new Promise<string>((resolve) => {
    process.once('SIGINT', () => resolve('SIGINT'));
    process.once('SIGTERM', () => resolve('SIGTERM'));
  });
  ctx.out.note(`${signal}: stopping the console`);
  await server.close();
  return EXIT.ok;
}

export const consoleCommand = defineCommand({
  name: 'console',
  description:
    'serve the web console on 127.0.0.1 against the API, signing its calls with your AWS credentials',
  options: [
    new Option(
      '--port <port>',
      `port on 127.0.0.1 (default ${DEFAULT_CONSOLE_PORT}; 0 picks a free one)`,
    ).argParser(parsePort),
    new Option(
      '--environments <names>',
      'comma-separated environments to show (default: those known from the config or stack outputs)',
    ),
  ],
  examples: [
    'promptops console',
    'promptops console --port 8080 --environments dev,staging,prod',
    'AWS_PROFILE=operator promptops console --endpoint https://abc123.execute-api.eu-west-1.amazonaws.com',
  ],
  action: (ctx, _args, options: ConsoleOptions) => runConsole(ctx, options),
});
