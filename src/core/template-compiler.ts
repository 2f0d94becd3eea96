/**
 * The prompt template language: `{{name}}`, `{{#name}}...{{/name}}` (inside renders only when `name`
 * is set and non-empty) and `{{^name}}...{{/name}}` (only when it is not). No HTML escaping. A line
 * holding nothing but a section tag disappears entirely, as in Mustache, so optional blocks leave no
 * blank lines. Compiled once into a flat program of instructions, which template-interpreter.ts runs
 * in a loop and render-codegen.ts turns into a function. This module holds no renderer; the client
 * library compiles bodies that parse with valid-body.ts and loads this one only to word a problem.
 */
import { TemplateSyntaxError } from './errors.ts';
import { node, TAG, type TemplateNode } from './section-split.ts';
import { OP, type TemplateProgram } from './template-tree.ts';

export { BLOCK_SEPARATOR, OP, type TemplateProgram } from './template-tree.ts';

const { TEXT, VAR, SECTION, INVERTED, BLOCK } = OP;

/** A section tag left open: its node and line. */
export interface OpenSection {
  readonly node: TemplateNode;
  readonly line: number;
}

/** What is wrong with a template; `open` is the section a close tag met, or the one never closed. */
export type TreeProblem =
  | { readonly kind: 'reserved' | 'unopened'; readonly name: string; readonly line: number }
  | { readonly kind: 'mismatch'; readonly name: string; readonly line: number; readonly open: OpenSection }
  | { readonly kind: 'unclosed'; readonly open: OpenSection };

/** Told of every line, tag and problem; with hooks the parse goes on past problems. */
export interface TreeHooks {
  /** A line, before its tags, with the number of tags on it. */
  line(text: string, line: number, tags: number): void;
  /** `sigil` is '' (variable), '#', '^' or '/'. */
  tag(sigil: string, name: string, line: number): void;
  problem(problem: TreeProblem): void;
}

/**
 * The template's tree. Without `hooks`, undefined at the first problem; with them, every problem is
 * reported and the tree is built as far as it goes.
 */
export function parseTemplateTree(
  text: string,
  firstLine = 1,
  hooks?: TreeHooks,
): TemplateNode[] | undefined {
  const root: TemplateNode[] = [];
  const stack: OpenSection[] = [];
  let current = root;
  let pendingText = '';
  let failed = false;
  const fail = (problem: TreeProblem) => {
    if (hooks) hooks.problem(problem);
    else failed = true;
  };

  const handleTag = (sigil: string, name: string, line: number) => {
    // Names inherited from Object.prototype would read as values from any plain object: refused.
    if (name in Object.prototype) fail({ kind: 'reserved', name, line });
    hooks?.tag(sigil, name, line);
    if (pendingText !== '') {
      current.push(node(TEXT, pendingText));
      pendingText = '';
    }
    if (sigil === '') {
      current.push(node(VAR, name));
    } else if (sigil !== '/') {
      const open = node(sigil === '#' ? SECTION : INVERTED, name);
      current.push(open);
      stack.push({ node: open, line });
      current = open.children;
    } else {
      const open = stack.at(-1);
      if (!open) return fail({ kind: 'unopened', name, line });
      if (open.node.s !== name) fail({ kind: 'mismatch', name, line, open });
      stack.pop();
      current = stack.at(-1)?.node.children ?? root;
    }
  };

  const lines = text.split('\n');
  for (let i = 0; i < lines.length && !failed; i++) {
    const lineText = lines[i] as string;
    const lineNo = firstLine + i;
    const matches = [...lineText.matchAll(TAG)];
    hooks?.line(lineText, lineNo, matches.length);

    // A line holding nothing but a section tag disappears entirely.
    const only = matches.length === 1 ? matches[0] : undefined;
    if (
      only &&
      only[1] !== '' &&
      lineText.slice(0, only.index).trim() === '' &&
      lineText.slice(only.index + only[0].length).trim() === ''
    ) {
      handleTag(only[1] as string, only[2] as string, lineNo);
      continue;
    }

    let last = 0;
    for (const m of matches) {
      pendingText += lineText.slice(last, m.index);
      handleTag(m[1] as string, m[2] as string, lineNo);
      last = m.index + m[0].length;
    }
    pendingText += lineText.slice(last);
    if (i < lines.length - 1) pendingText += '\n';
  }
  if (pendingText !== '') current.push(node(TEXT, pendingText));
  for (const open of stack) fail({ kind: 'unclosed', open });
  return failed ? undefined : root;
}

export type TagKind = 'variable' | 'section' | 'inverted' | 'close';

export interface TemplateTag {
  readonly kind: TagKind;
  readonly name: string;
  readonly line: number;
}

export interface TemplateProblem {
  readonly message: string;
  readonly line: number;
}

export interface TemplateScan {
  readonly tags: readonly TemplateTag[];
  /** Unbalanced or mismatched section tags. */
  readonly errors: readonly TemplateProblem[];
  /** Lines holding `{{` that is not a tag; they render literally. */
  readonly strayBraceLines: readonly number[];
  readonly nodes: readonly TemplateNode[];
}

const KIND_BY_SIGIL: Record<string, TagKind> = {
  '': 'variable',
  '#': 'section',
  '^': 'inverted',
  '/': 'close',
};

const tagText = (open: { readonly node: TemplateNode }) =>
  `${open.node.k === OP.SECTION ? '#' : '^'}${open.node.s}`;

/** Scans a template without throwing; `compileTemplate` throws on the first error instead. */
export function scanTemplate(text: string, firstLine = 1): TemplateScan {
  const tags: TemplateTag[] = [];
  const errors: TemplateProblem[] = [];
  const strayBraceLines: number[] = [];
  const nodes = parseTemplateTree(text, firstLine, {
    line(lineText, line, tagCount) {
      let braces = 0;
      for (let at = lineText.indexOf('{{'); at !== -1; at = lineText.indexOf('{{', at + 2)) braces++;
      if (braces > tagCount) strayBraceLines.push(line);
    },
    tag(sigil, name, line) {
      tags.push({ kind: KIND_BY_SIGIL[sigil] as TagKind, name, line });
    },
    problem(problem) {
      switch (problem.kind) {
        case 'reserved':
          errors.push({
            message: `{{${problem.name}}} uses a reserved name: rename the variable`,
            line: problem.line,
          });
          break;
        case 'unopened':
          errors.push({
            message: `{{/${problem.name}}} closes a section that was never opened`,
            line: problem.line,
          });
          break;
        case 'mismatch':
          errors.push({
            message: `{{/${problem.name}}} does not match the open section {{${tagText(problem.open)}}} from line ${problem.open.line}`,
            line: problem.line,
          });
          break;
        case 'unclosed':
          errors.push({
            message: `{{${tagText(problem.open)}}} is never closed: add {{/${problem.open.node.s}}}`,
            line: problem.open.line,
          });
      }
    },
  }) as TemplateNode[];
  return { tags, errors, strayBraceLines, nodes };
}

export interface TemplateBlock {
  readonly text: string;
  /** File line of the block's first line, for error messages. */
  readonly firstLine?: number;
}

/**
 * Compiles blocks (prompt sections) into one program. Every name gets a slot: names listed in
 * `knownSlots` first, in order, then names the blocks use, in order of first use.
 */
export function compileProgram(
  blocks: readonly TemplateBlock[],
  knownSlots: readonly string[] = [],
): TemplateProgram {
  const trees = blocks.map((block) => {
    const scan = scanTemplate(block.text, block.firstLine ?? 1);
    const error = scan.errors[0];
    if (error) throw new TemplateSyntaxError(error.message, error.line);
    return scan.nodes;
  });
  return programFromTrees(trees, knownSlots);
}

/**
 * Blocks' trees (prompt sections) as one program. Every name gets a slot: names listed in
 * `knownSlots` first, in order, then names the blocks use, in order of first use.
 */
function programFromTrees(
  blocks: readonly (readonly TemplateNode[])[],
  knownSlots: readonly string[] = [],
): TemplateProgram {
  const slotIndex = new Map<string, number>();
  for (const name of knownSlots) if (!slotIndex.has(name)) slotIndex.set(name, slotIndex.size);
  const ops: number[] = [];
  const texts: string[] = [];

  const emitNodes = (nodes: readonly TemplateNode[]) => {
    for (const n of nodes) {
      if (n.k === TEXT) {
        ops.push(TEXT, texts.push(n.s) - 1, 0);
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
  return { ops: Int32Array.from(ops), texts, slots: [...slotIndex.keys()] };
}
