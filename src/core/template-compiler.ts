/**
 * The prompt template language: `{{name}}`, `{{#name}}...{{/name}}` (inside renders only when `name`
 * is set and non-empty) and `{{^name}}...{{/name}}` (only when it is not). No HTML escaping. A line
 * holding nothing but a section tag disappears entirely, as in Mustache, so optional blocks leave no
 * blank lines. Compiled once into a flat program of instructions, which render-codegen.ts turns into
 * a function (or template-interpreter.ts runs in a loop). This module holds no renderer, so the
 * client library can load the interpreter only where code generation is forbidden.
 */
import { TemplateSyntaxError } from './errors.ts';

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

const { TEXT, VAR, SECTION, INVERTED, BLOCK } = OP;

/** The parsed tree: `s` is the text or the variable name. */
interface Node {
  readonly k: 0 | 1 | 2 | 3;
  readonly s: string;
  readonly children: Node[];
}

function node(k: Node['k'], s: string): Node {
  return { k, s, children: [] };
}

export interface TemplateScan {
  readonly tags: readonly TemplateTag[];
  /** Unbalanced or mismatched section tags. */
  readonly errors: readonly TemplateProblem[];
  /** Lines holding `{{` that is not a tag; they render literally. */
  readonly strayBraceLines: readonly number[];
  readonly nodes: readonly Node[];
}

const TAG = /\{\{[ \t]*([#^/]?)[ \t]*([A-Za-z_][A-Za-z0-9_]*)[ \t]*\}\}/g;
const KIND_BY_SIGIL: Record<string, TagKind> = {
  '': 'variable',
  '#': 'section',
  '^': 'inverted',
  '/': 'close',
};

interface OpenSection {
  readonly node: Node;
  readonly line: number;
}

/** Scans a template without throwing; `compileTemplate` throws on the first error instead. */
export function scanTemplate(text: string, firstLine = 1): TemplateScan {
  const tags: TemplateTag[] = [];
  const errors: TemplateProblem[] = [];
  const strayBraceLines: number[] = [];
  const root: Node[] = [];
  const stack: OpenSection[] = [];
  let current = root;
  let pendingText = '';

  const flushText = () => {
    if (pendingText !== '') {
      current.push(node(TEXT, pendingText));
      pendingText = '';
    }
  };

  const handleTag = (kind: TagKind, name: string, line: number) => {
    // Names inherited from Object.prototype would read as values from any plain object: refused.
    if (name in Object.prototype) {
      errors.push({ message: `{{${name}}} uses a reserved name: rename the variable`, line });
    }
    tags.push({ kind, name, line });
    flushText();
    if (kind === 'variable') {
      current.push(node(VAR, name));
    } else if (kind === 'section' || kind === 'inverted') {
      const open = node(kind === 'section' ? SECTION : INVERTED, name);
      current.push(open);
      stack.push({ node: open, line });
      current = open.children;
    } else {
      const open = stack.at(-1);
      if (!open) {
        errors.push({ message: `{{/${name}}} closes a section that was never opened`, line });
        return;
      }
      if (open.node.s !== name) {
        errors.push({
          message: `{{/${name}}} does not match the open section {{${open.node.k === SECTION ? '#' : '^'}${open.node.s}}} from line ${open.line}`,
          line,
        });
      }
      stack.pop();
      current = stack.at(-1)?.node.children ?? root;
    }
  };

  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const lineText = lines[i] as string;
    const lineNo = firstLine + i;
    const hasNewline = i < lines.length - 1;
    const matches = [...lineText.matchAll(TAG)];

    let braces = 0;
    for (let at = lineText.indexOf('{{'); at !== -1; at = lineText.indexOf('{{', at + 2)) braces++;
    if (braces > matches.length) strayBraceLines.push(lineNo);

    const only = matches.length === 1 ? matches[0] : undefined;
    if (
      only &&
      only[1] !== '' &&
      lineText.slice(0, only.index).trim() === '' &&
      lineText.slice(only.index + only[0].length).trim() === ''
    ) {
      handleTag(KIND_BY_SIGIL[only[1] as string] as TagKind, only[2] as string, lineNo);
      continue;
    }

    let last = 0;
    for (const m of matches) {
      pendingText += lineText.slice(last, m.index);
      handleTag(KIND_BY_SIGIL[m[1] as string] as TagKind, m[2] as string, lineNo);
      last = m.index + m[0].length;
    }
    pendingText += lineText.slice(last);
    if (hasNewline) pendingText += '\n';
  }
  flushText();
  for (const open of stack) {
    errors.push({
      message: `{{${open.node.k === SECTION ? '#' : '^'}${open.node.s}}} is never closed: add {{/${open.node.s}}}`,
      line: open.line,
    });
  }
  return { tags, errors, strayBraceLines, nodes: root };
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
  const slotIndex = new Map<string, number>();
  for (const name of knownSlots) if (!slotIndex.has(name)) slotIndex.set(name, slotIndex.size);
  const ops: number[] = [];
  const heads: string[] = [];
  const tails: string[] = [];

  const emitNodes = (nodes: readonly Node[]) => {
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

  for (const block of blocks) {
    const scan = scanTemplate(block.text, block.firstLine ?? 1);
    const error = scan.errors[0];
    if (error) throw new TemplateSyntaxError(error.message, error.line);
    ops.push(BLOCK, 0, 0);
    emitNodes(scan.nodes);
  }
  return { ops: Int32Array.from(ops), heads, tails, slots: [...slotIndex.keys()] };
}
