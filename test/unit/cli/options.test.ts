/** Option value parsers (a bad value is commander's usage error) and the help pieces commands share. */
import { Command, InvalidArgumentError } from 'commander';
import { describe, expect, it } from 'vitest';
import { withExamples } from '../../../src/cli/command.ts';
import {
  collect,
  parseDuration,
  parsePort,
  parsePositive,
  parseSeconds,
  WAIT_OPTIONS,
} from '../../../src/cli/options.ts';

describe('option parsers', () => {
  it('parseDuration reads seconds, minutes and hours, a bare number as seconds', () => {
    expect([parseDuration('90'), parseDuration('90s'), parseDuration('15m'), parseDuration('1h')]).toEqual([
      90, 90, 900, 3600,
    ]);
    expect(parseDuration('0.5m')).toBe(30);
    for (const bad of ['0', '-1m', '1d', 'soon', ''])
      expect(() => parseDuration(bad)).toThrow(InvalidArgumentError);
  });

  it('parseSeconds, parsePositive and parsePort refuse what they cannot use', () => {
    expect(parseSeconds('0.5')).toBe(0.5);
    expect(() => parseSeconds('0')).toThrow('Give a number of seconds above 0');
    expect(parsePositive('60')).toBe(60);
    expect(() => parsePositive('-2')).toThrow('Give a number above 0.');
    expect([parsePort('0'), parsePort('65535')]).toEqual([0, 65_535]);
    for (const bad of ['-1', '65536', '1.5', 'http'])
      expect(() => parsePort(bad)).toThrow('Give a port from 0 to 65535');
  });

  it('collect gathers a repeated option in order', () => {
    expect(collect('b', collect('a'))).toEqual(['a', 'b']);
  });
});

describe('shared command pieces', () => {
  it('WAIT_OPTIONS are --wait, --interval (default 2) and --timeout, parsed', () => {
    const command = new Command('deploy').exitOverride();
    for (const option of WAIT_OPTIONS) command.addOption(option);
    command.parse(['--wait', '--timeout', '15m'], { from: 'user' });
    expect(command.opts()).toEqual({ wait: true, interval: 2, timeout: 900 });
  });

  it('withExamples appends an Examples section to the help', () => {
    const command = withExamples(new Command('history'), ['promptops history support-reply']);
    let help = '';
    command.configureOutput({ writeOut: (text) => (help += text) }).outputHelp();
    expect(help).toMatch(/\nExamples:\n {2}\$ promptops history support-reply\n/);
  });
});
