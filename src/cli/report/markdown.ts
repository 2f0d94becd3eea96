/**
 * A report as GitHub-flavoured Markdown: what a pull request, an issue or a ticket takes. Tables are
 * pipe tables with escaped cells; charts are left out (their numbers are in the section's tables).
 */
import type { Block, Cell, ReportDocument, Section } from './document.ts';

/** A cell on one line: pipes escaped, line breaks as <br>. */
function cell(value: Cell): string {
  return String(value).replaceAll('\\', '\\\\').replaceAll('|', '\\|').replace(/\r?\n/g, '<br>');
}

/**
 * Literal text on one line: the characters that could start emphasis, code, a link or an image, raw
 * HTML, an entity, strikethrough or a table cell are backslash-escaped (it never starts a line, so
 * heading and list markers need none).
 */
function literal(text: string): string {
  return text.replace(/\s+/g, ' ').replace(/[\\`*_[\]<>|~&]/g, '\\$&');
}

function block(b: Block): string | undefined {
  switch (b.kind) {
    case 'paragraph':
      return b.text;
    case 'list':
      return b.items.length === 0
        ? undefined
        : b.items.map((item) => `- ${item.replace(/\n/g, '\n  ')}`).join('\n');
    case 'table': {
      const numeric = new Set(b.numeric ?? []);
      const header = `| ${b.columns.map(cell).join(' | ')} |`;
      const rule = `|${b.columns.map((_, i) => (numeric.has(i) ? ' ---: ' : ' --- ')).join('|')}|`;
      const rows = b.rows.map((row) => `| ${row.map(cell).join(' | ')} |`);
      return [header, rule, ...rows].join('\n');
    }
    case 'code': {
      // A fence longer than any run of backticks inside.
      const longest = Math.max(2, ...[...b.text.matchAll(/`+/g)].map((m) => m[0].length));
      const fence = '`'.repeat(longest + 1);
      return `${fence}${b.language}\n${b.text.replace(/\n$/, '')}\n${fence}`;
    }
    case 'quotes':
      return b.items.length === 0
        ? undefined
        : b.items.map((item) => `- ${item.label}: ${literal(item.text)}`).join('\n');
    case 'chart':
      return undefined;
  }
}

function section(s: Section, level: number): string[] {
  const parts = [`${'#'.repeat(level)} ${s.heading}`];
  for (const b of s.blocks) {
    const text = block(b);
    if (text !== undefined) parts.push(text);
  }
  for (const child of s.sections ?? []) parts.push(...section(child, Math.min(6, level + 1)));
  return parts;
}

export function renderMarkdown(document: ReportDocument): string {
  const parts = [`# ${document.title}`, ...document.summary.map((line) => line)];
  for (const s of document.sections) parts.push(...section(s, 2));
  return `${parts.join('\n\n')}\n`;
}
