/**
 * What a `promptops` command is to the program: a module under commands/ that adds itself (name,
 * arguments, options, help with examples, and a typed action) and is listed once in main.ts.
 */
import type { Command } from 'commander';
import type { CommandContext } from './context.ts';

/**
 * Runs a command's action with a context built from the global options (`--endpoint`, `--user`,
 * `--json`, `--debug`); what the action returns is the exit code. main.ts supplies it, so commands
 * know nothing of exit handling or error reporting.
 */
export type RunAction = (command: Command, action: (ctx: CommandContext) => Promise<number>) => Promise<void>;

export interface CliCommand {
  /** Adds the command to `program`; its action calls `run`. */
  register(program: Command, run: RunAction): void;
}

/** Adds an "Examples:" section to the command's help, one `$ promptops ...` line each. */
export function withExamples(command: Command, lines: readonly string[]): Command {
  return command.addHelpText('after', `\nExamples:\n${lines.map((l) => `  $ ${l}`).join('\n')}\n`);
}
