/**
 * The `promptops` command: the global options, the list of commands (each module under commands/
 * declares its arguments, options, examples and action with command.ts `defineCommand`), and the
 * mapping of what happened to an exit code (0 ok, 1 failure, 2 usage, 3 deployment rolled back) and
 * an error report. The AWS SDK clients and local mode are imported only by the actions that use
 * them, so `promptops --help` stays light.
 */
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Command, CommanderError } from 'commander';
import { PACKAGE_VERSION } from '../package-root.ts';
import type { CliCommand, RunAction } from './command.ts';
import { approveCommand } from './commands/approve.ts';
import { archiveCommand, unarchiveCommand } from './commands/archive.ts';
import { consoleCommand } from './commands/console.ts';
import { deployCommand } from './commands/deploy.ts';
import { deprecateCommand, undeprecateCommand } from './commands/deprecate.ts';
import { devCommand } from './commands/dev.ts';
import { diffCommand } from './commands/diff.ts';
import { evalCommand } from './commands/eval.ts';
import { exportCommand } from './commands/export.ts';
import { feedbackCommand } from './commands/feedback.ts';
import { historyCommand } from './commands/history.ts';
import { importCommand } from './commands/import.ts';
import { incidentCommand } from './commands/incident.ts';
import { initCommand } from './commands/init.ts';
import { lintCommand } from './commands/lint.ts';
import { publishCommand } from './commands/publish.ts';
import { reportCommand } from './commands/report.ts';
import { reviewDueCommand } from './commands/review-due.ts';
import { rollbackCommand } from './commands/rollback.ts';
import { scanCommand } from './commands/scan.ts';
import { promoteCommand, shadowCommand } from './commands/shadow.ts';
import { snapshotCommand } from './commands/snapshot.ts';
import { statusCommand } from './commands/status.ts';
import { testCommand } from './commands/test.ts';
import { CommandContext, type GlobalOptions } from './context.ts';
import { ApiError, CliError, EXIT } from './errors.ts';
import { type CliIo, processIo } from './io.ts';

const ENDPOINT_HELP = `Endpoint: --endpoint, else "endpoint" in promptops.config.json, else ApiUrl in
cdk-outputs.json (npx cdk deploy --outputs-file cdk-outputs.json), else PROMPTOPS_API_ENDPOINT, else a
running local mode's .promptops/endpoints.json. AWS endpoints are signed with SigV4 using the default
credential chain (AWS_PROFILE, SSO, environment); loopback endpoints are local mode.`;

const EXIT_HELP = `Exit codes: 0 ok, 1 failure (API or validation error, printed on stderr), 2 usage error,
3 deployment rolled back.`;

/** Every command, in the order `promptops --help` lists them. Adding a command: its module, and a line here. */
const COMMANDS: readonly CliCommand[] = [
  initCommand,
  lintCommand,
  testCommand,
  publishCommand,
  evalCommand,
  approveCommand,
  deployCommand,
  statusCommand,
  rollbackCommand,
  shadowCommand,
  promoteCommand,
  diffCommand,
  historyCommand,
  feedbackCommand,
  reportCommand,
  snapshotCommand,
  exportCommand,
  importCommand,
  devCommand,
  consoleCommand,
  scanCommand,
  deprecateCommand,
  undeprecateCommand,
  archiveCommand,
  unarchiveCommand,
  reviewDueCommand,
  incidentCommand,
];

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

  const run: RunAction = async (command, action) => {
    const ctx = new CommandContext(io, command.optsWithGlobals<GlobalOptions>());
    state.context = ctx;
    state.exitCode = await action(ctx);
  };
  for (const command of COMMANDS) command.register(program, run);
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
