/** defineCommand: a command's description becomes one commander command, its action typed from it. */
import { tmpdir } from 'node:os';
import { Command, Option } from 'commander';
import { describe, expect, it } from 'vitest';
import { defineCommand, type RunAction } from '../../../src/cli/command.ts';
import { CommandContext } from '../../../src/cli/context.ts';
import { collect, parseSeconds } from '../../../src/cli/options.ts';
import { capture } from './support.ts';

interface ProbeOptions {
  readonly tag?: string[];
  readonly every: number;
}

const seen: unknown[] = [];
const probe = defineCommand({
  name: 'probe',
  description: 'a command to look at',
  arguments: [
    { name: '<id>', description: 'required' },
    { name: '[version]', description: 'optional' },
    { name: '[rest...]', description: 'repeatable' },
  ],
  options: [
    new Option('--tag <tag>', 'repeatable').argParser(collect),
    new Option('--every <seconds>', 'parsed, with a default').argParser(parseSeconds).default(2),
  ],
  examples: ['promptops probe a', 'promptops probe a 1.0.0 x y --tag t'],
  action: async (_ctx, [id, version, rest], options: ProbeOptions) => {
    seen.push({ id, version, rest, options: { ...options } });
    return 0;
  },
});

function program(): { program: Command; help: () => string; runs: () => number } {
  const stdout = capture();
  const root = new Command('promptops')
    .exitOverride()
    .configureOutput({ writeOut: (text) => stdout.write(text), writeErr: (text) => stdout.write(text) });
  let runs = 0;
  const run: RunAction = async (_command, action) => {
    runs++;
    await action(new CommandContext({ stdout, stderr: capture(), env: {}, cwd: tmpdir() }, {}));
  };
  seen.length = 0;
  probe.register(root, run);
  return { program: root, help: () => stdout.text, runs: () => runs };
}

describe('defineCommand', () => {
  it('hands the action its positional values in order and the parsed options', async () => {
    const { program: root, runs } = program();
    await root.parseAsync(['probe', 'a', '1.0.0', 'x', 'y', '--tag', 't', '--tag', 'u', '--every', '0.5'], {
      from: 'user',
    });
    await root.parseAsync(['probe', 'b'], { from: 'user' });
    expect(runs()).toBe(2);
    expect(seen).toEqual([
      { id: 'a', version: '1.0.0', rest: ['x', 'y'], options: { tag: ['t', 'u'], every: 0.5 } },
      { id: 'b', version: undefined, rest: [], options: { every: 2 } },
    ]);
  });

  it('writes the arguments, options and examples into the help', () => {
    const { program: root, help } = program();
    expect(() => root.parse(['probe', '--help'], { from: 'user' })).toThrow();
    expect(help()).toContain('Usage: promptops probe [options] <id> [version] [rest...]');
    expect(help()).toContain('a command to look at');
    expect(help()).toMatch(/--every <seconds> +parsed, with a default \(default: 2\)/);
    expect(help()).toMatch(
      /\nExamples:\n {2}\$ promptops probe a\n {2}\$ promptops probe a 1.0.0 x y --tag t\n/,
    );
  });

  it('leaves usage errors to commander, before the action runs', () => {
    const { program: root, runs } = program();
    expect(() => root.parse(['probe'], { from: 'user' })).toThrow(/missing required argument 'id'/);
    expect(() => root.parse(['probe', 'a', '--every', '0'], { from: 'user' })).toThrow(
      /Give a number of seconds/,
    );
    expect(runs()).toBe(0);
  });
});
