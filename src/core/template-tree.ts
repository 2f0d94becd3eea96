/**
 * The template language's parse into a tree and the tree's flat program, without messages: what the
 * client runs on every manifest load. `scanTemplate` (template-compiler.ts) runs the same parse with
 * hooks that collect tags, problems and stray braces and word the messages.
 */

/** Instruction codes of a compiled program. */
export const OP = { TEXT: 0, VAR: 1, SECTION: 2, INVERTED: 3, BLOCK: 4 } as const;

/**
 * A compiled template or prompt body: instructions of three integers `[op, a, b]`. TEXT a = index of
 * the text; VAR a = slot; SECTION and INVERTED a = slot, b = the instruction after the block; BLOCK
 * starts a block (a prompt section). Text is split into its head and trailing whitespace up front.
 */
export interface TemplateProgram {
  readonly ops: Int32Array;
  readonly heads: readonly string[];
  readonly tails: readonly string[];
  /** Names by slot. */
  readonly slots: readonly string[];
}

/** Between blocks (prompt sections) that render something. */
export const BLOCK_SEPARATOR = '\n\n';

const { TEXT, VAR, SECTION, INVERTED, BLOCK } = OP;

/** A parsed node: `k` is TEXT, VAR, SECTION or INVERTED, `s` the text or the variable name. */
export interface TemplateNode {
  readonly k: 0 | 1 | 2 | 3;
  readonly s: string;
  readonly children: TemplateNode[];
}

export const TAG = /\{\{[ \t]*([#^/]?)[ \t]*([A-Za-z_][A-Za-z0-9_]*)[ \t]*\}\}/g;

export const node = (k: TemplateNode['k'], s: string): TemplateNode => ({ k, s, children: [] });

/**
 * `parseTemplateTree(text)` (template-compiler.ts) without hooks or line numbers: the client's parse, undefined at the first
 * problem. Kept apart so the client's bundle holds none of the problem records; a property test holds
 * the two together.
 */
export function parseValidTree(text: string): TemplateNode[] | undefined {
  const root: TemplateNode[] = [];
  const stack: TemplateNode[] = [];
  let current = root;
  let pendingText = '';
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const lineText = lines[i] as string;
    const matches = [...lineText.matchAll(TAG)];
    // A line holding nothing but a section tag disappears entirely.
    const only = matches.length === 1 ? matches[0] : undefined;
    const alone =
      only !== undefined &&
      only[1] !== '' &&
      lineText.slice(0, only.index).trim() === '' &&
      lineText.slice(only.index + only[0].length).trim() === '';
    let last = 0;
    for (const m of matches) {
      const sigil = m[1] as string;
      const name = m[2] as string;
      if (name in Object.prototype) return undefined;
      if (!alone) pendingText += lineText.slice(last, m.index);
      last = m.index + m[0].length;
      if (pendingText !== '') {
        current.push(node(TEXT, pendingText));
        pendingText = '';
      }
      if (sigil === '') current.push(node(VAR, name));
      else if (sigil !== '/') {
        const open = node(sigil === '#' ? SECTION : INVERTED, name);
        current.push(open);
        stack.push(open);
        current = open.children;
      } else {
        if (stack.pop()?.s !== name) return undefined;
        current = stack.at(-1)?.children ?? root;
      }
    }
    if (alone) continue;
    pendingText += lineText.slice(last);
    if (i < lines.length - 1) pendingText += '\n';
  }
  if (pendingText !== '') current.push(node(TEXT, pendingText));
  return stack.length === 0 ? root : undefined;
}

/**
 * Blocks' trees (prompt sections) as one program. Every name gets a slot: names listed in
 * `knownSlots` first, in order, then names the blocks use, in order of first use.
 */
export function programFromTrees(
  blocks: readonly (readonly TemplateNode[])[],
  knownSlots: readonly string[] = [],
): TemplateProgram {
  const slotIndex = new Map<string, number>();
  for (const name of knownSlots) if (!slotIndex.has(name)) slotIndex.set(name, slotIndex.size);
  const ops: number[] = [];
  const heads: string[] = [];
  const tails: string[] = [];

  const emitNodes = (nodes: readonly TemplateNode[]) => {
    for (const n of nodes) {
      if (n.k === TEXT) {
        const head = n.s.trimEnd();
        ops.push(TEXT, heads.length, 0);
        heads.push(head);
        tails.push(n.s.slice(head.length));
        continue;
      }
      let slot = slotIndex.get(n.s);
      if (slot === undefined) {
        slot = slotIndex.size;
        slotIndex.set(n.s, slot);
      }
      if (n.k === VAR) {
        ops.push(VAR, slot, 0);
        continue;
      }
      const at = ops.length;
      ops.push(n.k, slot, 0);
      emitNodes(n.children);
      ops[at + 2] = ops.length;
    }
  };

  for (const nodes of blocks) {
    ops.push(BLOCK, 0, 0);
    emitNodes(nodes);
  }
  return { ops: Int32Array.from(ops), heads, tails, slots: [...slotIndex.keys()] };
}

/** `compileProgram` (template-compiler.ts) where every block parses; undefined where one does not. */
export function compileValidProgram(
  blocks: readonly string[],
  knownSlots: readonly string[],
): TemplateProgram | undefined {
  const trees: TemplateNode[][] = [];
  for (const text of blocks) {
    const tree = parseValidTree(text);
    if (tree === undefined) return undefined;
    trees.push(tree);
  }
  return programFromTrees(trees, knownSlots);
}
