/**
 * The `promptops` command: builds the commander program, runs one command, and maps what happened to
 * an exit code (0 ok, 1 failure, 2 usage, 3 deployment rolled back). Each command's module is
 * imported only when that command runs, so `promptops --help` and `promptops lint` start fast.
 */
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { PACKAGE_VERSION } from '../package-root.ts';
import { CommandContext, type GlobalOptions } from './context.ts';
import { ApiError, CliError, EXIT } from './errors.ts';
import { type CliIo, processIo } from './io.ts';

const ENDPOINT_HELP = `Endpoint: --endpoint, else "endpoint" in promptops.config.json, else ApiUrl in
cdk-outputs.json (npx cdk deploy --outputs-file cdk-outputs.json), else PROMPTOPS_API_ENDPOINT, else a
running local mode's .promptops/endpoints.json. AWS endpoints are signed with SigV4 using the default
credential chain (AWS_PROFILE, SSO, environment); loopback endpoints are local mode.`;

const EXIT_HELP = `Exit codes: 0 ok, 1 failure (API or validation error, printed on stderr), 2 usage error,
3 deployment rolled back.`;

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

export function parseSeconds(value: string): number {
  const seconds = Number(value);
  if (!Number.isFinite(seconds) || seconds <= 0)
    throw new InvalidArgumentError('Give a number of seconds above 0, such as 2 or 0.5.');
  return seconds;
}

/** `90`, `90s`, `15m`, `1h` as seconds. */
export function parseDuration(value: string): number {
  const match = /^(\d+(?:\.\d+)?)(s|m|h)?$/.exec(value.trim());
  if (!match || Number(match[1]) <= 0)
    throw new InvalidArgumentError('Give a duration such as 90s, 15m or 1h (a bare number is seconds).');
  return Number(match[1]) * ({ s: 1, m: 60, h: 3600 }[match[2] as 's' | 'm' | 'h'] ?? 1);
}

function parsePort(value: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65_535)
    throw new InvalidArgumentError('Give a port from 0 to 65535 (0 picks free ports).');
  return port;
}

function parsePositive(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('Give a number above 0.');
  return n;
}

interface RunState {
  exitCode: number;
  context?: CommandContext;
}

export function buildProgram(io: CliIo, state: RunState, version: string): Command {
  const program = new Command('promptops');
  program
    .description(
      'Author, review, roll out and operate LLM prompts on AWS (or local mode) from a terminal or CI.',
    )
    .version(version, '-V, --version', 'print the version')
    .helpOption('-h, --help', 'show help for promptops or a command')
    .addHelpCommand('help [command]', 'show help for a command')
    .option('--endpoint <url>', 'PromptOps API URL (see Endpoint below)')
    .option(
      '--user <name>',
      'local mode only: the caller, sent as x-promptops-user (default local:developer)',
    )
    .option('--json', 'print exactly one JSON document on stdout (errors as {"error": ...})')
    .option('--debug', 'log requests and show stack traces on stderr')
    .exitOverride()
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
      getOutHelpWidth: () => io.stdout.columns ?? 100,
      getErrHelpWidth: () => io.stderr.columns ?? 100,
    })
    .showHelpAfterError('(run with --help for usage)')
    .addHelpText(
      'after',
      `\n${ENDPOINT_HELP}\n\n${EXIT_HELP}\n\nRun promptops <command> --help for a command's options and examples.`,
    );

  const action =
    (
      run: (
        ctx: CommandContext,
        args: unknown[],
        options: Record<string, unknown>,
      ) => Promise<number | undefined>,
    ) =>
    async (...received: unknown[]) => {
      const command = received.at(-1) as Command;
      const options = command.opts();
      const args = received.slice(0, -2);
      const ctx = new CommandContext(io, command.optsWithGlobals<GlobalOptions>());
      state.context = ctx;
      state.exitCode = (await run(ctx, args, options)) ?? EXIT.ok;
    };
  const examples = (command: Command, lines: string[]) =>
    command.addHelpText('after', `\nExamples:\n${lines.map((l) => `  $ ${l}`).join('\n')}\n`);

  examples(
    program
      .command('init')
      .description(
        'scaffold prompts/ with an example prompt and promptops.config.json (never overwrites a file)',
      )
      .option('--env <env>', 'default environment written to the config', 'dev')
      .option('--application <name>', 'AppConfig application apps read prompts from', 'promptops')
      .action(
        action(async (ctx, _args, o) =>
          (await import('./commands/init.ts')).init(ctx, o as { env: string; application: string }),
        ),
      ),
    [
      'promptops init',
      'promptops init --endpoint https://abc123.execute-api.eu-west-1.amazonaws.com --env staging',
    ],
  );

  examples(
    program
      .command('lint')
      .description('check prompt files offline; findings as file:line, rule and message; exit 1 on errors')
      .argument('[files...]', 'files or folders of *.prompt.md (default: the prompts folder)')
      .action(
        action(async (ctx, [files]) => (await import('./commands/lint.ts')).lint(ctx, files as string[])),
      ),
    [
      'promptops lint',
      'promptops lint prompts/support-reply.prompt.md',
      'promptops lint --json prompts/ > lint.json',
    ],
  );

  examples(
    program
      .command('publish')
      .description('publish every changed prompt (lints first; unchanged documents are skipped and reported)')
      .argument('[files...]', 'files or folders of *.prompt.md (default: the prompts folder)')
      .addOption(
        new Option('--bump <level>', 'version bump; auto follows what the change implies')
          .choices(['auto', 'major', 'minor', 'patch'])
          .default('auto'),
      )
      .option('-m, --message <text>', 'message recorded with each version published')
      .action(
        action(async (ctx, [files], o) =>
          (await import('./commands/publish.ts')).publish(
            ctx,
            files as string[],
            o as { bump: string; message?: string },
          ),
        ),
      ),
    [
      'promptops publish',
      'promptops publish prompts/support-reply.prompt.md --bump minor -m "Shorter replies"',
    ],
  );

  examples(
    program
      .command('approve')
      .description('approve a version (you cannot approve a version you published)')
      .argument('<id@version>', 'the version, e.g. support-reply@1.2.0')
      .option('--comment <text>', 'comment recorded with the approval')
      .action(
        action(async (ctx, [ref], o) =>
          (await import('./commands/approve.ts')).approve(ctx, ref as string, o as { comment?: string }),
        ),
      ),
    ['promptops approve support-reply@1.2.0 --comment "Reviewed the tone change"'],
  );

  const waitOptions = (command: Command) =>
    command
      .option('--wait', 'follow the rollout live until COMPLETE (exit 0) or ROLLED_BACK (exit 3)')
      .option('--interval <seconds>', 'seconds between status polls while waiting', parseSeconds, 2)
      .option(
        '--timeout <duration>',
        'stop waiting after this long (90s, 15m, 1h); exit 1, the deployment continues',
        parseDuration,
      );

  examples(
    waitOptions(
      program
        .command('deploy')
        .description("deploy versions to an environment (merged into the environment's current pins)")
        .argument('[id@version...]', 'versions to pin, e.g. support-reply@1.2.0')
        .option('--env <env>', 'target environment (default: "environment" in promptops.config.json)')
        .option(
          '--split <id=v1:w1,v2:w2>',
          'A/B split for a prompt, weights summing to 100 (repeatable)',
          collect,
        )
        .option('--strategy <name>', "AppConfig deployment strategy (default: the environment's)")
        .option('--description <text>', 'description recorded with the deployment'),
    ).action(
      action(async (ctx, [refs], o) =>
        (await import('./commands/deploy.ts')).deploy(
          ctx,
          refs as string[],
          o as unknown as import('./commands/deploy.ts').DeployOptions,
        ),
      ),
    ),
    [
      'promptops deploy --env prod support-reply@1.2.0 --wait',
      'promptops deploy --env prod --split support-reply=1.2.0:90,1.3.0:10 --strategy Linear50PercentEvery30Seconds',
    ],
  );

  examples(
    program
      .command('status')
      .description('per environment: the pins, the deployment state and percentage, and alarm states')
      .option(
        '--env <env>',
        'one environment (default: every environment known from the config or stack outputs)',
      )
      .action(
        action(async (ctx, _args, o) =>
          (await import('./commands/status.ts')).status(ctx, o as { env?: string }),
        ),
      ),
    ['promptops status', 'promptops status --env prod --json'],
  );

  examples(
    waitOptions(
      program
        .command('rollback')
        .description('roll an environment back: stop a running deployment, or return to the previous pins')
        .argument('[ids...]', 'roll back only these prompts to their previous pins')
        .option('--env <env>', 'environment (default: "environment" in promptops.config.json)')
        .option('--reason <text>', 'why, recorded in the audit log'),
    ).action(
      action(async (ctx, [ids], o) =>
        (await import('./commands/rollback.ts')).rollback(
          ctx,
          ids as string[],
          o as unknown as import('./commands/rollback.ts').RollbackOptions,
        ),
      ),
    ),
    [
      'promptops rollback --env prod --reason "Complaints about tone"',
      'promptops rollback --env prod support-reply --wait',
    ],
  );

  examples(
    program
      .command('diff')
      .description('unified diff of two versions and the version bump the change implies')
      .argument('<id>', 'prompt id')
      .argument('<from>', 'older version')
      .argument('<to>', 'newer version')
      .action(
        action(async (ctx, [id, from, to]) =>
          (await import('./commands/diff.ts')).diff(ctx, id as string, from as string, to as string),
        ),
      ),
    ['promptops diff support-reply 1.1.0 1.2.0'],
  );

  examples(
    program
      .command('history')
      .description('versions of a prompt: authors, dates, approvals and where each is deployed')
      .argument('<id>', 'prompt id')
      .action(
        action(async (ctx, [id]) => (await import('./commands/history.ts')).history(ctx, id as string)),
      ),
    ['promptops history support-reply'],
  );

  examples(
    program
      .command('feedback')
      .description('feedback per version, and the comparison of two versions with its p-value and a verdict')
      .argument('<id>', 'prompt id')
      .option('--env <env>', 'environment (default: "environment" in promptops.config.json)')
      .option('--since <date>', 'from this UTC day on (YYYY-MM-DD or an ISO 8601 date-time)')
      .option('--baseline <version>', 'compare this version...')
      .option('--candidate <version>', '...with this one (default: the two versions with the most feedback)')
      .action(
        action(async (ctx, [id], o) =>
          (await import('./commands/feedback.ts')).feedback(
            ctx,
            id as string,
            o as import('./commands/feedback.ts').FeedbackOptions,
          ),
        ),
      ),
    ['promptops feedback support-reply --env prod --since 2026-11-01'],
  );

  examples(
    program
      .command('snapshot')
      .description("write the environment's manifest with every body inlined: the client's fallbackPath file")
      .option('--env <env>', 'environment (default: "environment" in promptops.config.json)')
      .requiredOption('--out <file>', 'file to write')
      .action(
        action(async (ctx, _args, o) =>
          (await import('./commands/snapshot.ts')).snapshot(ctx, o as { env?: string; out: string }),
        ),
      ),
    ['promptops snapshot --env prod --out src/prompts.snapshot.json'],
  );

  examples(
    program
      .command('export')
      .description(
        'every prompt, version, document, approval, pin history, audit record and feedback aggregate, as one archive with checksums',
      )
      .requiredOption('--out <file>', 'archive file to write')
      .option('--data-dir <dir>', 'local mode: the data folder holding endpoints.json (default .promptops)')
      .action(
        action(async (ctx, _args, o) =>
          (await import('./commands/export.ts')).exportArchive(ctx, o as { out: string; dataDir?: string }),
        ),
      ),
    ['promptops export --out backup.promptops.json'],
  );

  examples(
    program
      .command('import')
      .description(
        'verify every checksum of an archive, then write what is missing (idempotent); refuses conflicting data',
      )
      .argument('<file>', 'archive written by promptops export')
      .option('--data-dir <dir>', 'local mode: the data folder holding endpoints.json (default .promptops)')
      .option('--dry-run', 'verify and report what would be written, write nothing')
      .action(
        action(async (ctx, [file], o) =>
          (await import('./commands/import.ts')).importArchive(
            ctx,
            file as string,
            o as { dataDir?: string; dryRun?: boolean },
          ),
        ),
      ),
    ['promptops import backup.promptops.json --dry-run', 'promptops import backup.promptops.json'],
  );

  examples(
    program
      .command('dev')
      .description('run local mode: the whole stack on this machine (same as npm start); Ctrl-C stops it')
      .option('--port <port>', 'API port; 0 picks free ports (default PROMPTOPS_PORT or 4100)', parsePort)
      .option('--data-dir <dir>', 'state folder (default PROMPTOPS_DATA_DIR or .promptops)')
      .option(
        '--time-scale <n>',
        'divide rollout and bake times by this (default PROMPTOPS_TIME_SCALE or 1)',
        parsePositive,
      )
      .option('--no-seed', 'do not publish and deploy the example prompts on first start')
      .action(
        action(async (ctx, _args, o) =>
          (await import('./commands/dev.ts')).dev(
            ctx,
            o as unknown as import('./commands/dev.ts').DevOptions,
          ),
        ),
      ),
    ['promptops dev', 'promptops dev --port 0 --time-scale 60'],
  );

  return program;
}

function reportError(
  error: unknown,
  io: CliIo,
  ctx: CommandContext | undefined,
  argv: readonly string[],
): number {
  const json = ctx ? ctx.out.json : argv.includes('--json');
  const debug = ctx ? ctx.globals.debug === true : argv.includes('--debug');
  const colors = ctx?.out.errorColors;
  const red = (s: string) => (colors ? colors.red(s) : s);
  const write = (line: string) => io.stderr.write(`${line}\n`);
  const exitCode = error instanceof CliError ? error.exitCode : EXIT.failure;

  let jsonError: Record<string, unknown>;
  if (error instanceof ApiError) {
    const p = error.problem;
    write(`${red('error:')} ${p.detail ?? p.title ?? `HTTP ${p.status}`}`);
    write(
      `  ${p.code ?? 'HTTP_ERROR'} (HTTP ${p.status}${p.title ? ` ${p.title}` : ''}) from ${error.method} ${error.path}`,
    );
    for (const fieldError of p.errors ?? []) write(`  - ${fieldError.path}: ${fieldError.message}`);
    const findings = Array.isArray(p.findings)
      ? (p.findings as { line?: number; rule: string; severity: string; message: string }[])
      : [];
    for (const f of findings)
      write(`  - ${f.line !== undefined ? `line ${f.line}: ` : ''}${f.severity} ${f.rule}: ${f.message}`);
    if (Array.isArray(p.versions)) write(`  versions: ${(p.versions as string[]).join(', ')}`);
    if (typeof p.requestId === 'string') write(`  request id: ${p.requestId}`);
    jsonError = { ...p };
  } else if (error instanceof CliError) {
    write(`${red('error:')} ${error.message}`);
    for (const line of error.details) write(`  ${line}`);
    jsonError = {
      code: error.code,
      detail: error.message,
      ...(error.details.length ? { details: error.details } : {}),
    };
  } else {
    const message = error instanceof Error ? error.message : String(error);
    write(`${red('error:')} ${message}`);
    if (!debug) write('  Run with --debug for the stack trace.');
    jsonError = { code: 'FAILED', detail: message };
  }
  if (error instanceof CliError && error.data) jsonError = { ...jsonError, ...error.data };
  if (debug && error instanceof Error && error.stack) write(error.stack);
  if (json && !ctx?.out.jsonWritten) io.stdout.write(`${JSON.stringify({ error: jsonError }, null, 2)}\n`);
  return exitCode;
}

/** Runs the CLI with `argv` (without node and the script) and returns the exit code. */
export async function runCli(argv: readonly string[], io: CliIo = processIo()): Promise<number> {
  const state: RunState = { exitCode: EXIT.ok };
  const program = buildProgram(io, state, PACKAGE_VERSION);
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return state.exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      // `promptops help` and --help exit 0; `promptops` alone prints the help on stderr as a usage error.
      if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version') return EXIT.ok;
      if (error.code === 'commander.help' && error.exitCode === 0) return EXIT.ok;
      if (argv.includes('--json')) {
        const detail =
          error.code === 'commander.help'
            ? 'No command given: run promptops --help'
            : error.message.replace(/^error: /, '');
        io.stdout.write(`${JSON.stringify({ error: { code: 'USAGE', detail } }, null, 2)}\n`);
      }
      return EXIT.usage;
    }
    return reportError(error, io, state.context, argv);
  }
}

function isEntryPoint(): boolean {
  const script = process.argv[1];
  if (!script) return false;
  try {
    return realpathSync(script) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

/** Runs as the process: sets the exit code, and exits even if a client left a socket open. */
export async function main(argv: readonly string[] = process.argv.slice(2)): Promise<void> {
  // A reader that stops early (`promptops history x | head`) is not an error.
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EPIPE') throw error;
      process.exit(typeof process.exitCode === 'number' ? process.exitCode : EXIT.ok);
    });
  }
  const code = await runCli(argv);
  process.exitCode = code;
  setTimeout(() => process.exit(code), 1_000).unref();
}

if (isEntryPoint()) await main();
