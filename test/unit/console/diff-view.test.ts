/** The diff view's model: the API's unified diff as hunks, and those hunks side by side. */
import { describe, expect, it } from 'vitest';
import { diffStats, parseUnifiedDiff, sideBySide } from '../../../console/src/logic/unified-diff.ts';
import { diffDocuments } from '../../../src/core/diff.ts';
import { parsePromptDocument } from '../../../src/core/document.ts';

const doc = (role: string, extra = '') => `---
id: support-reply
description: Replies
variables:
  ticket: { type: string, required: true }${extra}
---
## role
${role}
## instructions
Answer {{ticket}}.
## output_format
Plain text.
`;

describe('parseUnifiedDiff', () => {
  it('reads the hunks the API answers, with old and new line numbers', () => {
    const { unified } = diffDocuments(
      'support-reply',
      { version: '1.0.0', document: parsePromptDocument(doc('You are a support agent.')) },
      { version: '1.0.1', document: parsePromptDocument(doc('You are a warm support agent.')) },
    );
    const hunks = parseUnifiedDiff(unified);
    expect(hunks).toHaveLength(1);
    const changed = hunks[0]?.lines.filter((l) => l.kind !== 'context');
    expect(changed).toEqual([
      expect.objectContaining({ kind: 'removed', text: 'You are a support agent.' }),
      expect.objectContaining({ kind: 'added', text: 'You are a warm support agent.' }),
    ]);
    const removed = changed?.[0];
    const added = changed?.[1];
    expect(removed?.oldLine).toBe(added?.newLine);
    expect(removed?.newLine).toBeUndefined();
    expect(added?.oldLine).toBeUndefined();
    expect(diffStats(hunks)).toEqual({ added: 1, removed: 1 });
  });

  it('skips the file headers and the no-newline marker, and numbers lines from each hunk header', () => {
    const unified = [
      'Index: a',
      '===================================================================',
      '--- a@1.0.0',
      '+++ a@1.1.0',
      '@@ -3,3 +3,4 @@',
      ' keep',
      '-old',
      '+new',
      '+more',
      ' tail',
      '\\ No newline at end of file',
      '@@ -20,1 +21,1 @@',
      '-x',
      '+y',
      '',
    ].join('\n');
    const hunks = parseUnifiedDiff(unified);
    expect(hunks.map((h) => h.header)).toEqual(['@@ -3,3 +3,4 @@', '@@ -20,1 +21,1 @@']);
    expect(hunks[0]?.lines).toEqual([
      { kind: 'context', text: 'keep', oldLine: 3, newLine: 3 },
      { kind: 'removed', text: 'old', oldLine: 4 },
      { kind: 'added', text: 'new', newLine: 4 },
      { kind: 'added', text: 'more', newLine: 5 },
      { kind: 'context', text: 'tail', oldLine: 5, newLine: 6 },
    ]);
    expect(hunks[1]?.lines).toEqual([
      { kind: 'removed', text: 'x', oldLine: 20 },
      { kind: 'added', text: 'y', newLine: 21 },
    ]);
  });

  it('has no hunks for identical documents', () => {
    const same = parsePromptDocument(doc('Same.'));
    const { unified } = diffDocuments(
      'a',
      { version: '1.0.0', document: same },
      { version: '1.0.1', document: same },
    );
    expect(parseUnifiedDiff(unified)).toEqual([]);
  });
});

describe('sideBySide', () => {
  it('pairs each removal with the addition that replaced it and leaves the rest on their own side', () => {
    const [hunk] = parseUnifiedDiff(['@@ -1,4 +1,3 @@', ' a', '-b', '-c', '+B', ' d', '+e', ''].join('\n'));
    const rows = sideBySide(hunk as NonNullable<typeof hunk>);
    expect(rows.map((r) => [r.left?.text, r.right?.text])).toEqual([
      ['a', 'a'],
      ['b', 'B'],
      ['c', undefined],
      ['d', 'd'],
      [undefined, 'e'],
    ]);
    expect(rows[1]?.left?.kind).toBe('removed');
    expect(rows[1]?.right?.kind).toBe('added');
  });
});
