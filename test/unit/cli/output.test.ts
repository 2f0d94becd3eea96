import { describe, expect, it } from 'vitest';
import type { CliIo } from '../../../src/cli/io.ts';
import { colorsEnabled, formatTable, Output, visibleWidth } from '../../../src/cli/output.ts';
import { barReporter, formatElapsed, lineReporter, rolloutReporter } from '../../../src/cli/progress.ts';
import { capture } from './support.ts';

const io = (
  tty: boolean,
  env: Record<string, string> = {},
): CliIo & { stdout: ReturnType<typeof capture>; stderr: ReturnType<typeof capture> } => ({
  stdout: capture(tty),
  stderr: capture(tty),
  env,
  cwd: '/',
});

describe('Function: formatTable', () => {
  it('aligns columns two spaces apart, right-aligns numbers, and does not pad the last column', () => {
    const lines = formatTable(
      [
        { id: 'support-reply', n: 7, note: 'ok' },
        { id: 'a1', n: 1234, note: '' },
      ],
      [
        { header: 'ID', value: (r) => r.id },
        { header: 'COUNT', value: (r) => String(r.n), align: 'right' },
        { header: 'NOTE', value: (r) => r.note },
      ],
    );
    expect(lines).toEqual(['ID             COUNT  NOTE', 'support-reply      7  ok', 'a1              1234']);
  });

  it('measures coloured text by what is visible', () => {
    expect(visibleWidth('\x1b[31merror\x1b[39m')).toBe(5);
  });
});

describe('Class: Output', () => {
  it('colours only a terminal without NO_COLOR', () => {
    expect(colorsEnabled(capture(true), {})).toBe(true);
    expect(colorsEnabled(capture(true), { NO_COLOR: '1' })).toBe(false);
    expect(colorsEnabled(capture(false), {})).toBe(false);
    const streams = io(true);
    new Output(streams, { json: false }).line(new Output(streams, { json: false }).colors.red('x'));
    expect(streams.stdout.text).toBe('\x1b[31mx\x1b[39m\n');
  });

  it('in JSON mode prints one document, sends notes to stderr and refuses a second document', () => {
    const streams = io(false);
    const out = new Output(streams, { json: true });
    out.line('human only');
    out.note('progress');
    out.result({ a: 1 }, () => out.line('not printed'));
    expect(JSON.parse(streams.stdout.text)).toEqual({ a: 1 });
    expect(streams.stderr.text).toBe('progress\n');
    expect(() => out.writeJson({ b: 2 })).toThrow(/second JSON document/);
  });
});

describe('Function: lineReporter', () => {
  it('writes one line per change of state or percentage, never the same twice', () => {
    const stream = capture(false);
    let now = 0;
    const reporter = lineReporter({
      stream,
      label: 'deployment 4 to prod',
      colors: new Output(io(false), { json: false }).colors,
      now: () => now,
    });
    for (const [state, percentage] of [
      ['DEPLOYING', 0],
      ['DEPLOYING', 0],
      ['DEPLOYING', 50],
      ['BAKING', 100],
      ['BAKING', 100],
      ['COMPLETE', 100],
    ] as const) {
      now += 1500;
      reporter.update({ state, percentage });
    }
    expect(stream.text.split('\n').filter(Boolean)).toEqual([
      'deployment 4 to prod: DEPLOYING 0% [+1.5s]',
      'deployment 4 to prod: DEPLOYING 50% [+4.5s]',
      'deployment 4 to prod: BAKING 100% (watching alarms) [+6.0s]',
      'deployment 4 to prod: COMPLETE 100% [+9.0s]',
    ]);
  });

  it('formats elapsed time for people', () => {
    expect(formatElapsed(400)).toBe('0.4s');
    expect(formatElapsed(42_000)).toBe('42s');
    expect(formatElapsed(125_000)).toBe('2m05s');
  });
});

describe('Function: rolloutReporter', () => {
  it('draws a progress bar on a terminal: the percentage, then the bake', async () => {
    const stream = { ...capture(true), columns: 120 };
    const colors = new Output(io(false), { json: false }).colors;
    const reporter = await rolloutReporter({ stream, label: 'deployment 4 to prod', colors });
    reporter.update({ state: 'DEPLOYING', percentage: 40 });
    reporter.stop();
    expect(stream.text).toMatch(/deployment 4 to prod \u2588+\u2591+ 40% \| deploying \| /);
    const baking = { ...capture(true), columns: 120 };
    const bar = await barReporter({ stream: baking, label: 'deployment 4 to prod', colors });
    bar.update({ state: 'BAKING', percentage: 100 });
    bar.stop();
    expect(baking.text).toMatch(/deployment 4 to prod \u2588+ 100% \| baking \| /);
  });

  it('writes lines, not a bar, when the stream is not a terminal', async () => {
    const stream = capture(false);
    const reporter = await rolloutReporter({
      stream,
      label: 'deployment 4 to prod',
      colors: new Output(io(false), { json: false }).colors,
    });
    reporter.update({ state: 'DEPLOYING', percentage: 40 });
    expect(stream.text).toMatch(/^deployment 4 to prod: DEPLOYING 40% \[\+0\.\ds\]\n$/);
  });
});
