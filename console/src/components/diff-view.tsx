/** The diff of two versions, unified or side by side (logic/unified-diff.ts). */
import { useState } from 'preact/hooks';
import { type DiffLine, diffStats, parseUnifiedDiff, sideBySide } from '../logic/unified-diff.ts';

function Cell({ line, side }: { line: DiffLine | undefined; side: 'old' | 'new' }) {
  if (!line)
    return (
      <>
        <td class="ln" />
        <td class="code empty" />
      </>
    );
  const number = side === 'old' ? line.oldLine : line.newLine;
  return (
    <>
      <td class="ln">{number}</td>
      <td class={`code ${line.kind}`}>
        <span class="sr-only">
          {line.kind === 'added' ? 'added: ' : line.kind === 'removed' ? 'removed: ' : ''}
        </span>
        {line.text}
      </td>
    </>
  );
}

export function DiffView({ unified, label }: { readonly unified: string; readonly label: string }) {
  const [layout, setLayout] = useState<'unified' | 'split'>('split');
  const hunks = parseUnifiedDiff(unified);
  const stats = diffStats(hunks);
  return (
    <section class="diff" aria-label={label}>
      <div class="toolbar">
        <span>
          <span class="added-count">+{stats.added}</span> <span class="removed-count">−{stats.removed}</span>{' '}
          lines
        </span>
        <fieldset class="inline">
          <legend class="sr-only">Diff layout</legend>
          <label>
            <input
              type="radio"
              name="diff-layout"
              checked={layout === 'split'}
              onChange={() => setLayout('split')}
            />{' '}
            Side by side
          </label>
          <label>
            <input
              type="radio"
              name="diff-layout"
              checked={layout === 'unified'}
              onChange={() => setLayout('unified')}
            />{' '}
            Unified
          </label>
        </fieldset>
      </div>
      {hunks.length === 0 ? <p>The two versions' documents are identical.</p> : null}
      <div class="scroll">
        {hunks.map((hunk) => (
          <table class="diff-table" key={hunk.header}>
            <caption class="hunk">{hunk.header}</caption>
            <tbody>
              {layout === 'split'
                ? sideBySide(hunk).map((row, i) => (
                    <tr key={`${hunk.header}-${i}`}>
                      <Cell line={row.left} side="old" />
                      <Cell line={row.right} side="new" />
                    </tr>
                  ))
                : hunk.lines.map((line, i) => (
                    <tr key={`${hunk.header}-${i}`}>
                      <td class="ln">{line.oldLine}</td>
                      <td class="ln">{line.newLine}</td>
                      <td class={`code ${line.kind}`}>
                        <span aria-hidden="true">
                          {line.kind === 'added' ? '+' : line.kind === 'removed' ? '−' : ' '}
                        </span>
                        <span class="sr-only">
                          {line.kind === 'added' ? 'added: ' : line.kind === 'removed' ? 'removed: ' : ''}
                        </span>
                        {line.text}
                      </td>
                    </tr>
                  ))}
            </tbody>
          </table>
        ))}
      </div>
    </section>
  );
}
