/**
 * Everything the CLI prints. Output a person reads is lines and tables on stdout, coloured only on a
 * terminal and when NO_COLOR is unset; with `--json` stdout carries exactly one JSON document (the
 * result, or `{"error": ...}`) and notes meant for people go to stderr.
 */
import pc from 'picocolors';
import type { CliIo, OutputStream } from './io.ts';

export type Colors = ReturnType<typeof pc.createColors>;

export interface Column<T> {
  readonly header: string;
  readonly value: (row: T) => string;
  readonly align?: 'left' | 'right';
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: colour codes start with ESC
const ANSI = /\x1b\[[0-9;]*m/g;

export function visibleWidth(text: string): number {
  return [...text.replace(ANSI, '')].length;
}

export function colorsEnabled(stream: OutputStream, env: CliIo['env']): boolean {
  return stream.isTTY === true && (env.NO_COLOR === undefined || env.NO_COLOR === '');
}

/** Rows as aligned columns, two spaces apart; the last column is not padded. */
export function formatTable<T>(
  rows: readonly T[],
  columns: readonly Column<T>[],
  options: { header?: boolean; colors?: Colors; indent?: string } = {},
): string[] {
  const header = options.header ?? true;
  const cells = rows.map((row) => columns.map((c) => c.value(row).replaceAll('\n', ' ')));
  const widths = columns.map((c, i) =>
    Math.max(header ? visibleWidth(c.header) : 0, ...cells.map((r) => visibleWidth(r[i] ?? ''))),
  );
  const render = (values: readonly string[]) =>
    (options.indent ?? '') +
    values
      .map((value, i) => {
        const last = i === values.length - 1;
        const pad = ' '.repeat(Math.max(0, (widths[i] ?? 0) - visibleWidth(value)));
        if (columns[i]?.align === 'right') return pad + value;
        return last ? value : value + pad;
      })
      .join('  ')
      .trimEnd();
  const lines: string[] = [];
  if (header) {
    const titles = columns.map((c) => c.header);
    const line = render(titles);
    lines.push(options.colors ? options.colors.bold(line) : line);
  }
  for (const row of cells) lines.push(render(row));
  return lines;
}

export class Output {
  readonly io: CliIo;
  readonly json: boolean;
  /** Colours for stdout (all identity functions when disabled). */
  readonly colors: Colors;
  /** Colours for stderr. */
  readonly errorColors: Colors;
  #jsonWritten = false;

  constructor(io: CliIo, options: { json: boolean }) {
    this.io = io;
    this.json = options.json;
    this.colors = pc.createColors(!options.json && colorsEnabled(io.stdout, io.env));
    this.errorColors = pc.createColors(colorsEnabled(io.stderr, io.env));
  }

  /** Whether the one JSON document has been written. */
  get jsonWritten(): boolean {
    return this.#jsonWritten;
  }

  /** A line of human output on stdout; nothing in JSON mode. */
  line(text = ''): void {
    if (!this.json) this.io.stdout.write(`${text}\n`);
  }

  /** Progress and hints: stdout for people, stderr in JSON mode so stdout stays one document. */
  note(text: string): void {
    (this.json ? this.io.stderr : this.io.stdout).write(`${text}\n`);
  }

  /** The stream progress goes to (see `note`). */
  get progressStream(): OutputStream {
    return this.json ? this.io.stderr : this.io.stdout;
  }

  warn(text: string): void {
    this.io.stderr.write(`${this.errorColors.yellow('warning:')} ${text}\n`);
  }

  table<T>(
    rows: readonly T[],
    columns: readonly Column<T>[],
    options: { header?: boolean; indent?: string } = {},
  ): void {
    if (this.json) return;
    for (const line of formatTable(rows, columns, { ...options, colors: this.colors })) this.line(line);
  }

  /** The command's result: one JSON document with `--json`, otherwise whatever `human` prints. */
  result(value: unknown, human: () => void): void {
    if (this.json) this.writeJson(value);
    else human();
  }

  writeJson(value: unknown): void {
    if (this.#jsonWritten) throw new Error('A command tried to print a second JSON document');
    this.#jsonWritten = true;
    this.io.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
  }
}
