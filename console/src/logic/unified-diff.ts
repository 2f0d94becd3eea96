/**
 * The diff view's model: the API's unified diff (GET /prompts/{id}/diff) parsed into hunks of lines,
 * and the same hunks paired up side by side, a removed line next to the added line that replaced it.
 */

export type DiffLineKind = 'context' | 'added' | 'removed';

export interface DiffLine {
  readonly kind: DiffLineKind;
  readonly text: string;
  /** 1-based line in the old text (absent for an added line). */
  readonly oldLine?: number;
  /** 1-based line in the new text (absent for a removed line). */
  readonly newLine?: number;
}

export interface DiffHunk {
  /** The `@@ -a,b +c,d @@` header. */
  readonly header: string;
  readonly lines: readonly DiffLine[];
}

/** One row of the side-by-side view: the old line on the left, the new one on the right. */
export interface SideBySideRow {
  readonly left?: DiffLine;
  readonly right?: DiffLine;
}

const HUNK_HEADER = /^@@ -(\d+)(?:,\d+)? \+(\d+)(?:,\d+)? @@/;

/** Hunks of a unified diff; file headers (`===`, `---`, `+++`) and `\ No newline` markers are skipped. */
export function parseUnifiedDiff(unified: string): DiffHunk[] {
  const hunks: { header: string; lines: DiffLine[] }[] = [];
  let current: { header: string; lines: DiffLine[] } | undefined;
  let oldLine = 0;
  let newLine = 0;
  for (const raw of unified.split('\n')) {
    const header = HUNK_HEADER.exec(raw);
    if (header) {
      current = { header: raw, lines: [] };
      hunks.push(current);
      oldLine = Number(header[1]);
      newLine = Number(header[2]);
      continue;
    }
    // Before the first hunk: the `Index:`, `===`, `---` and `+++` file headers.
    if (!current || raw.startsWith('\\')) continue;
    const marker = raw[0];
    const text = raw.slice(1);
    if (marker === '+') current.lines.push({ kind: 'added', text, newLine: newLine++ });
    else if (marker === '-') current.lines.push({ kind: 'removed', text, oldLine: oldLine++ });
    else if (marker === ' ')
      current.lines.push({ kind: 'context', text, oldLine: oldLine++, newLine: newLine++ });
    // An empty string is the split's last element after the final newline; nothing else is valid here.
  }
  return hunks;
}

/** A hunk's lines side by side: each run of removals paired with the run of additions after it. */
export function sideBySide(hunk: DiffHunk): SideBySideRow[] {
  const rows: SideBySideRow[] = [];
  const lines = hunk.lines;
  let i = 0;
  while (i < lines.length) {
    const line = lines[i] as DiffLine;
    if (line.kind === 'context') {
      rows.push({ left: line, right: line });
      i++;
      continue;
    }
    const removed: DiffLine[] = [];
    const added: DiffLine[] = [];
    while (i < lines.length && (lines[i] as DiffLine).kind === 'removed')
      removed.push(lines[i++] as DiffLine);
    while (i < lines.length && (lines[i] as DiffLine).kind === 'added') added.push(lines[i++] as DiffLine);
    for (let k = 0; k < Math.max(removed.length, added.length); k++) {
      const left = removed[k];
      const right = added[k];
      rows.push({ ...(left ? { left } : {}), ...(right ? { right } : {}) });
    }
  }
  return rows;
}

/** Lines added and removed over all hunks, for the summary above the diff. */
export function diffStats(hunks: readonly DiffHunk[]): { added: number; removed: number } {
  let added = 0;
  let removed = 0;
  for (const hunk of hunks)
    for (const line of hunk.lines) {
      if (line.kind === 'added') added++;
      else if (line.kind === 'removed') removed++;
    }
  return { added, removed };
}
