/**
 * `promptops dev`: local mode in this process, as `npm start` runs it: DynamoDB, S3, the AppConfig
 * emulator and the API on this machine, state under the data folder. SIGINT or SIGTERM stops it
 * cleanly (exit 0).
 */
import { Option } from 'commander';
import { ENV } from '../../core/contracts.ts';
import { DataDirInUseError } from '../../local/data-dir-lock.ts';
import { parseSeedSetting, SEED_ENV } from '../../local/seed.ts';
import { defineCommand } from '../command.ts';
import { localDataDir } from '../config.ts';
import type { CommandContext } from '../context.ts';
import { CliError, EXIT, UsageError } from '../errors.ts';
import { parsePort, parsePositive } from '../options.ts';

export interface DevOptions {
  readonly port?: number;
  readonly dataDir?: string;
  readonly timeScale?: number;
  /** False with --no-seed; otherwise PROMPTOPS_SEED decides (default true). */
  readonly seed: boolean;
}

function fromEnv(
  ctx: CommandContext,
  name: string,
  check: (n: number) => boolean,
  rule: string,
): number | undefined {
  const raw = ctx.io.env[name];
  if (raw === undefined || raw === '') return undefined;
  const value = Number(raw);
  if (!check(value)) throw new UsageError(`${name}=${JSON.stringify(raw)} is invalid: ${rule}`);
  return value;
}

export async function dev(ctx: CommandContext, options: DevOptions): Promise<number> {
  const dataDir = localDataDir(await ctx.config(), ctx.io, options.dataDir);
  const port =
    options.port ??
    fromEnv(
      ctx,
      ENV.port,
      (v) => Number.isInteger(v) && v >= 0 && v <= 65_532,
      'use a port number (0 picks free ports)',
    ) ??
    4100;
  const timeScale =
    options.timeScale ??
    fromEnv(ctx, ENV.timeScale, (v) => Number.isFinite(v) && v > 0, 'use a number above 0') ??
    1;
  let seed: boolean;
  try {
    seed = options.seed !== false && (parseSeedSetting(ctx.io.env[SEED_ENV]) ?? true);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  // Handler logs are JSON lines for CloudWatch; locally they would drown the console.
  process.env.POWERTOOLS_LOG_LEVEL ??= 'WARN';

  const started = performance.now();
  const { startLocalMode } = await import('../../local/local-mode.ts');
  const local = await startLocalMode({
    dataDir,
    port,
    timeScale,
    seed,
    log: (line) => ctx.out.note(`  ${line}`),
  }).catch((error: unknown) => {
    if (error instanceof DataDirInUseError) throw new CliError(error.message, { code: 'DATA_DIR_IN_USE' });
    throw error;
  });
  const { endpoints } = local;
  const env = endpoints.environments[0];
  const agentPath = `/applications/${endpoints.application}/environments/${env}/configurations/${endpoints.profile}`;
  ctx.out.result({ ready: true, dataDir, timeScale, endpoints }, () => {
    const c = ctx.out.colors;
    ctx.out.line(
      `${c.green('PromptOps is running locally')} (ready in ${((performance.now() - started) / 1000).toFixed(1)} s; state in ${dataDir}, time scale ${timeScale})`,
    );
    ctx.out.line();
    ctx.out.table(
      [
        ['API', endpoints.api],
        ['Console', endpoints.console],
        ['Agent', `${endpoints.agent}${agentPath}`],
        ['AppConfig', endpoints.appconfig],
        ['DynamoDB', endpoints.dynamodb],
        ['S3', endpoints.s3],
        ['Endpoints', `${dataDir}/endpoints.json`],
      ],
      [
        { header: '', value: (r) => r[0] as string },
        { header: '', value: (r) => r[1] as string },
      ],
      { header: false, indent: '  ' },
    );
    ctx.out.line();
    ctx.out.line(`Try: promptops status --endpoint ${endpoints.api}   (Ctrl-C stops)`);
  });

  const signal = await new Promise<string>((resolve) => {
    process.once('SIGINT', () => resolve('SIGINT'));
    process.once('SIGTERM', () => resolve('SIGTERM'));
  });
  ctx.out.note(`${signal}: stopping PromptOps local mode...`);
  await local.close();
  ctx.out.note(`stopped; everything is kept in ${dataDir}`);
  return EXIT.ok;
}

export const devCommand = defineCommand({
  name: 'dev',
  description: 'run local mode: the whole stack on this machine (same as npm start); Ctrl-C stops it',
  options: [
    new Option('--port <port>', 'API port; 0 picks free ports (default PROMPTOPS_PORT or 4100)').argParser(
      parsePort,
    ),
    new Option('--data-dir <dir>', 'state folder (default PROMPTOPS_DATA_DIR or .promptops)'),
    new Option(
      '--time-scale <n>',
      'divide rollout and bake times by this (default PROMPTOPS_TIME_SCALE or 1)',
    ).argParser(parsePositive),
    new Option('--no-seed', 'do not publish and deploy the example prompts on first start'),
  ],
  examples: ['promptops dev', 'promptops dev --port 0 --time-scale 60'],
  action: (ctx, _args, options: DevOptions) => dev(ctx, options),
});
