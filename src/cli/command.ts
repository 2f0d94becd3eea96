/**
 * What a `promptops` command is to the program: a module under commands/ describes it as data (name,
 * arguments, options, examples) with a typed action, and main.ts lists it once. `defineCommand` is
 * the one place that turns such a description into a commander command.
 */
import type { Command, Option, OptionValues } from 'commander';
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

/** A positional argument, spelled as commander spells it: `<id>` required, `[id]` optional, `...` repeatable. */
export interface ArgumentSpec<Name extends string = string> {
  readonly name: Name;
  readonly description: string;
}

/** What commander hands the action for an argument: a list when repeatable (empty when none is given). */
export type ArgumentValue<Name extends string> = Name extends `${string}...${']' | '>'}`
  ? string[]
  : Name extends `[${string}]`
    ? string | undefined
    : string;

/** The action's positional values, one per argument in the order declared. */
export type ArgumentValues<Arguments extends readonly ArgumentSpec[]> = {
  readonly [K in keyof Arguments]: Arguments[K] extends ArgumentSpec<infer Name>
    ? ArgumentValue<Name>
    : never;
};

export interface CommandSpec<Arguments extends readonly ArgumentSpec[], Options extends OptionValues> {
  /** The word after `promptops`. */
  readonly name: string;
  /** The one line `promptops --help` lists the command with. */
  readonly description: string;
  /** Positional arguments, in order. */
  readonly arguments?: Arguments;
  /** Options, in the order the help lists them; parsers, defaults and choices live on each Option. */
  readonly options?: readonly Option[];
  /** Command lines shown under "Examples:" in the command's help, without the `$ `. */
  readonly examples: readonly string[];
  /** Does the work; the number it resolves to is the exit code. */
  readonly action: (
    ctx: CommandContext,
    args: ArgumentValues<Arguments>,
    options: Options,
  ) => Promise<number>;
}

/** Adds an "Examples:" section to the command's help, one `$ promptops ...` line each. */
export function withExamples(command: Command, lines: readonly string[]): Command {
  return command.addHelpText('after', `\nExamples:\n${lines.map((l) => `  $ ${l}`).join('\n')}\n`);
}

/**
 * A command from its description. The action's `args` are typed from the argument names and its
 * `options` from the options interface its parameter names, so command modules need no casts.
 */
export function defineCommand<const Arguments extends readonly ArgumentSpec[], Options extends OptionValues>(
  spec: CommandSpec<Arguments, Options>,
): CliCommand {
  return {
    register(program, run) {
      const command = program.command(spec.name).description(spec.description);
      for (const argument of spec.arguments ?? []) command.argument(argument.name, argument.description);
      for (const option of spec.options ?? []) command.addOption(option);
      withExamples(command, spec.examples).action(() => {
        const values: readonly unknown[] = command.processedArgs;
        if (!hasArgumentValues<Arguments>(spec.arguments ?? [], values))
          throw new TypeError(`promptops ${spec.name}: commander parsed arguments of unexpected shapes`);
        return run(command, (ctx) => spec.action(ctx, values, command.opts<Options>()));
      });
    },
  };
}

/** Whether commander's parsed values have the shapes `ArgumentValue` gives the action (it checks names only). */
function hasArgumentValues<Arguments extends readonly ArgumentSpec[]>(
  specs: readonly ArgumentSpec[],
  values: readonly unknown[],
): values is ArgumentValues<Arguments> {
  return (
    values.length === specs.length &&
    specs.every(({ name }, i) => {
      const value = values[i];
      if (/\.\.\.[\]>]$/.test(name)) return Array.isArray(value) && value.every((v) => typeof v === 'string');
      return typeof value === 'string' || (name.startsWith('[') && value === undefined);
    })
  );
}
